import CSodium

/// Unguessable tokens for sessions, API keys and CSRF (`randombytes_buf`), as URL-safe base64
/// without padding, so they fit in cookies, headers and URLs unescaped.
public enum RandomToken {
    /// A token of `bytes` random bytes; 32 bytes give 43 characters from [A-Za-z0-9_-].
    public static func generate(bytes: Int = 32) -> String {
        precondition(bytes > 0, "a random token needs at least one byte")
        Sodium.requireInitialized()
        var random = [UInt8](repeating: 0, count: bytes)
        defer { sodium_memzero(&random, bytes) }
        random.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, bytes) }
        return random.withUnsafeBytes { SodiumBase64.encodeToString($0, variant: SodiumBase64.urlSafeUnpadded) }
    }
}
