import CSodium

/// Account passwords: Argon2id through `crypto_pwhash_str`, whose output string carries the
/// algorithm, its parameters and a random salt, so it is all the database needs to store.
public enum PasswordHasher {
    /// Cost of one hash. `interactive` is the default for logins; `minimumForTests` is the
    /// smallest cost libsodium accepts and must never be used for real accounts.
    public enum Strength: Sendable, CaseIterable {
        case interactive
        case moderate
        case minimumForTests

        var operationsLimit: UInt64 {
            switch self {
            case .interactive: UInt64(crypto_pwhash_opslimit_interactive())
            case .moderate: UInt64(crypto_pwhash_opslimit_moderate())
            case .minimumForTests: UInt64(crypto_pwhash_opslimit_min())
            }
        }

        var memoryLimit: Int {
            switch self {
            case .interactive: crypto_pwhash_memlimit_interactive()
            case .moderate: crypto_pwhash_memlimit_moderate()
            case .minimumForTests: crypto_pwhash_memlimit_min()
            }
        }
    }

    /// Hashes `password` into a string starting with "$argon2id$".
    public static func hash(_ password: String, strength: Strength = .interactive) throws -> String {
        try Sodium.initialize()
        var output = [CChar](repeating: 0, count: crypto_pwhash_strbytes())
        var password = password
        let result = password.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { characters in
                withNonNullCharacters(characters) { base in
                    crypto_pwhash_str(&output, base, UInt64(characters.count), strength.operationsLimit, strength.memoryLimit)
                }
            }
        }
        guard result == 0 else { throw SecretError.passwordHashingFailed }
        return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches `hash`. False for a wrong password and for a malformed hash.
    public static func verify(_ password: String, against hash: String) -> Bool {
        Sodium.requireInitialized()
        // A longer string cannot have come from crypto_pwhash_str; don't hand it to the parser.
        guard hash.utf8.count < crypto_pwhash_strbytes() else { return false }
        var password = password
        return password.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { characters in
                withNonNullCharacters(characters) { base in
                    hash.withCString { crypto_pwhash_str_verify($0, base, UInt64(characters.count)) == 0 }
                }
            }
        }
    }

    /// Whether `hash` was made with other parameters than `strength` (or is not a valid
    /// Argon2id hash), so the password should be re-hashed at the next successful login.
    public static func needsRehash(_ hash: String, strength: Strength = .interactive) -> Bool {
        Sodium.requireInitialized()
        guard hash.utf8.count < crypto_pwhash_strbytes() else { return true }
        return hash.withCString {
            crypto_pwhash_str_needs_rehash($0, strength.operationsLimit, strength.memoryLimit) != 0
        }
    }

    /// Spends the time of one default-strength verification, for a login naming an unknown
    /// account, so response times do not reveal which accounts exist.
    public static func verifyAgainstDecoy(_ password: String) {
        _ = verify(password, against: decoyHash)
    }

    private static let decoyHash: String = {
        // Random so that no password can ever match the decoy.
        (try? hash(RandomToken.generate(), strength: .interactive)) ?? ""
    }()
}

private func withNonNullCharacters<R>(_ characters: UnsafeBufferPointer<CChar>, _ body: (UnsafePointer<CChar>) -> R) -> R {
    if let base = characters.baseAddress { return body(base) }
    var placeholder: CChar = 0
    return withUnsafePointer(to: &placeholder) { body($0) }
}
