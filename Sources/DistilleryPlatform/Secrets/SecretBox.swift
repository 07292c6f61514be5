import CSodium

/// Authenticated encryption of stored secrets (teacher API keys) under the master key:
/// XChaCha20-Poly1305-IETF with a random 24-byte nonce. Sealed form: nonce ‖ ciphertext ‖ tag.
///
/// Pass the owning row's identity as associated data (see `associatedData(table:rowID:)`):
/// it is authenticated but not stored, so a ciphertext copied into another row fails to open.
///
/// Lifetime rule: a decrypted teacher key lives in a `SecureBytes` for the duration of the job
/// that needs it and is wiped and freed when the job ends, on success or failure. Prefer
/// `withOpened`, which enforces that; with `open`, write `defer { plaintext.free() }` at once.
public enum SecretBox {
    static let nonceByteCount = Int(crypto_aead_xchacha20poly1305_ietf_npubbytes())
    static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_abytes())

    /// Bytes a sealed value has beyond its plaintext (nonce and tag).
    public static var overhead: Int { nonceByteCount + tagByteCount }

    /// Associated data naming a row, e.g. `associatedData(table: "teacher_keys", rowID: 42)`.
    public static func associatedData(table: String, rowID: Int64) -> [UInt8] {
        Array("\(table)#\(rowID)".utf8)
    }

    /// Encrypts `plaintext`; each call draws a fresh random nonce.
    public static func seal(_ plaintext: UnsafeRawBufferPointer, associatedData: [UInt8], key: MasterKey) throws -> [UInt8] {
        try Sodium.initialize()
        precondition(Int(crypto_aead_xchacha20poly1305_ietf_keybytes()) == MasterKey.byteCount)
        let sealedCount = nonceByteCount + plaintext.count + tagByteCount
        var failed = false
        let sealed = [UInt8](unsafeUninitializedCapacity: sealedCount) { output, initializedCount in
            let nonce = output.baseAddress!
            randombytes_buf(nonce, nonceByteCount)
            var ciphertextCount: UInt64 = 0
            let result = key.storage.withUnsafeBytes { keyBytes in
                withNonNullBase(plaintext) { message in
                    associatedData.withUnsafeBytes { ad in
                        withNonNullBase(ad) { adBase in
                            crypto_aead_xchacha20poly1305_ietf_encrypt(
                                nonce + nonceByteCount, &ciphertextCount,
                                message, UInt64(plaintext.count),
                                adBase, UInt64(ad.count),
                                nil, nonce, keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
                        }
                    }
                }
            }
            failed = result != 0 || Int(ciphertextCount) != plaintext.count + tagByteCount
            // Zeros rather than uninitialised memory if encryption failed; the array is discarded.
            if failed { output.initialize(repeating: 0) }
            initializedCount = sealedCount
        }
        guard !failed else { throw SecretError.sealingFailed }
        return sealed
    }

    /// Encrypts the contents of guarded memory.
    public static func seal(_ plaintext: SecureBytes, associatedData: [UInt8], key: MasterKey) throws -> [UInt8] {
        try plaintext.withUnsafeBytes { try seal($0, associatedData: associatedData, key: key) }
    }

    /// Decrypts into guarded memory. A wrong key, wrong associated data, or a tampered or
    /// truncated input all throw `SecretError.authenticationFailed`, with no further detail.
    /// The caller must `free()` the result when done (see the lifetime rule above).
    public static func open(_ sealed: [UInt8], associatedData: [UInt8], key: MasterKey) throws -> SecureBytes {
        try Sodium.initialize()
        guard sealed.count >= nonceByteCount + tagByteCount else { throw SecretError.authenticationFailed }
        let plaintext = try SecureBytes(count: sealed.count - nonceByteCount - tagByteCount)
        let result = plaintext.withUnsafeMutableBytes { output in
            key.storage.withUnsafeBytes { keyBytes in
                sealed.withUnsafeBufferPointer { input in
                    associatedData.withUnsafeBytes { ad in
                        withNonNullBase(ad) { adBase in
                            let nonce = input.baseAddress!
                            return crypto_aead_xchacha20poly1305_ietf_decrypt(
                                output.baseAddress!.assumingMemoryBound(to: UInt8.self), nil,
                                nil,
                                nonce + nonceByteCount, UInt64(input.count - nonceByteCount),
                                adBase, UInt64(ad.count),
                                nonce, keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
                        }
                    }
                }
            }
        }
        guard result == 0 else {
            plaintext.free()
            throw SecretError.authenticationFailed
        }
        return plaintext
    }

    /// Decrypts, runs `body` with the plaintext, then wipes and frees it whether `body`
    /// returns or throws. The plaintext must not escape `body`.
    public static func withOpened<R>(
        _ sealed: [UInt8], associatedData: [UInt8], key: MasterKey,
        _ body: (SecureBytes) throws -> R
    ) throws -> R {
        let plaintext = try open(sealed, associatedData: associatedData, key: key)
        defer { plaintext.free() }
        return try body(plaintext)
    }

    /// Async form of `withOpened`, for a job that awaits network calls while holding the key.
    public static func withOpened<R>(
        _ sealed: [UInt8], associatedData: [UInt8], key: MasterKey,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (SecureBytes) async throws -> R
    ) async throws -> R {
        let plaintext = try open(sealed, associatedData: associatedData, key: key)
        defer { plaintext.free() }
        return try await body(plaintext)
    }
}
