import CSodium

/// Process-wide libsodium setup.
public enum Sodium {
    /// `sodium_init` runs exactly once per process: a Swift `static let` is initialised lazily
    /// under `swift_once`, so concurrent first callers wait for the single call.
    private static let initializationResult: Int32 = sodium_init()

    /// Initialises libsodium (selects the fastest implementations, seeds the random generator).
    /// Thread-safe and idempotent; call it once at startup so a broken environment fails there,
    /// although every API in this folder also calls it before touching libsodium.
    public static func initialize() throws {
        // sodium_init returns 0 on the first success, 1 when already initialised, -1 on failure.
        guard initializationResult >= 0 else { throw SecretError.sodiumInitializationFailed }
    }

    /// For the non-throwing entry points (tokens, digests): without a working libsodium there is
    /// no safe fallback, so this stops the process with a clear message instead of guessing.
    static func requireInitialized() {
        guard initializationResult >= 0 else {
            fatalError("libsodium failed to initialise (sodium_init returned -1); cannot generate randomness or digests")
        }
    }
}
