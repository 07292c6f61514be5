import CSodium

/// Digests and comparisons for secrets stored only as hashes (session and API tokens: the
/// database keeps `sha256Hex(token)`, so a leaked database yields no usable token).
public enum SecretDigest {
    /// Lowercase hex SHA-256 (`crypto_hash_sha256`) of the UTF-8 bytes of `text`; 64 characters.
    public static func sha256Hex(_ text: String) -> String {
        Sodium.requireInitialized()
        var digest = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_bytes()))
        var text = text
        text.withUTF8 { utf8 in
            withNonNullBase(UnsafeRawBufferPointer(utf8)) { base in
                _ = crypto_hash_sha256(&digest, base, UInt64(utf8.count))
            }
        }
        var hex = [CChar](repeating: 0, count: digest.count * 2 + 1)
        _ = sodium_bin2hex(&hex, hex.count, digest, digest.count)
        return String(decoding: hex.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Equality whose running time depends only on the length (`sodium_memcmp`), for comparing
    /// secrets or their digests. Lengths are compared first; they are not secret.
    public static func equalConstantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        Sodium.requireInitialized()
        return a.withUnsafeBytes { left in
            b.withUnsafeBytes { right in sodium_memcmp(left.baseAddress, right.baseAddress, a.count) == 0 }
        }
    }
}
