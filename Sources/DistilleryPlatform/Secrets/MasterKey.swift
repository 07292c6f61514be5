import CSodium

/// The 32-byte key that seals every stored secret (teacher API keys) with `SecretBox`.
///
/// Encoding, for the environment variable and the key file alike: standard base64 of the 32 raw
/// bytes (44 characters ending in "="; the padding may be omitted, whitespace is ignored), which
/// is exactly what `openssl rand -base64 32` prints.
///
/// The bytes live in a `SecureBytes` and are freed when the last copy of this value goes away.
public struct MasterKey: Sendable, Equatable, CustomStringConvertible {
    public static let byteCount = 32
    /// The environment variable the server reads the key from, unless told otherwise.
    public static let defaultEnvironmentVariable = "DISTILLERY_MASTER_KEY"

    /// Where a loaded key came from, for the startup log line.
    public enum Source: Sendable, Equatable {
        case environment
        /// `created` is true when this run generated the key and wrote the file.
        case keyFile(path: String, created: Bool)
    }

    let storage: SecureBytes

    private init(storage: SecureBytes) {
        self.storage = storage
    }

    /// Loads the master key.
    ///
    /// - If `environmentValue` is non-nil it is the key, and the key file is not touched. A value
    ///   that is set but empty is an error rather than "unset", so a misconfigured deployment
    ///   cannot silently start with a new key that cannot open the existing secrets.
    /// - Otherwise the key file at `keyFilePath` is read. A key file accessible by group or
    ///   others is refused. If the file does not exist, a random key is generated and written
    ///   with mode 0600 (created exclusively, so two processes starting at once agree on one key).
    ///
    /// Errors name the variable or file and the problem, never the value.
    public static func load(
        environmentValue: String?,
        keyFilePath: String,
        environmentVariableName: String = defaultEnvironmentVariable
    ) throws -> (key: MasterKey, source: Source) {
        try Sodium.initialize()
        if var value = environmentValue {
            let description = "environment variable \(environmentVariableName)"
            let key = try value.withUTF8 { utf8 in
                try decode(UnsafeRawBufferPointer(utf8), describedAs: description)
            }
            return (key, .environment)
        }
        let (key, created) = try MasterKeyFile.loadOrCreate(path: keyFilePath)
        return (key, .keyFile(path: keyFilePath, created: created))
    }

    /// A fresh random key (`randombytes_buf`), e.g. for `keys rotate`.
    public static func generate() throws -> MasterKey {
        try Sodium.initialize()
        let storage = try SecureBytes(count: byteCount)
        storage.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, byteCount) }
        return MasterKey(storage: storage)
    }

    /// Decodes a key from its text form (see the type's documentation for the encoding).
    /// `describedAs` names the origin in error messages ("environment variable X", "file Y").
    public static func decode(_ encoded: UnsafeRawBufferPointer, describedAs origin: String) throws -> MasterKey {
        if encoded.allSatisfy({ isASCIIWhitespace($0) }) {
            throw SecretError.invalidMasterKey(
                source: origin,
                reason: "it is empty; it must hold \(expectedFormat)" + (origin.hasPrefix("environment") ? ", or be unset to use the key file" : ""))
        }
        guard let (decoded, decodedCount) = try SodiumBase64.decodeStandardSecure(encoded) else {
            throw SecretError.invalidMasterKey(
                source: origin, reason: "it is not valid base64 (\(encoded.count) characters); it must hold \(expectedFormat)")
        }
        defer { decoded.free() }
        guard decodedCount == byteCount else {
            throw SecretError.invalidMasterKey(
                source: origin,
                reason: "it decodes to \(decodedCount) bytes, but a master key is exactly \(byteCount) bytes; it must hold \(expectedFormat)"
                    + (decodedCount == 48 && encoded.count >= 64 ? " (a 64-character hex key is read as base64 here: hex is not accepted)" : ""))
        }
        let storage = try decoded.withUnsafeBytes { bytes in
            try SecureBytes(copying: UnsafeRawBufferPointer(rebasing: bytes[0..<byteCount]))
        }
        return MasterKey(storage: storage)
    }

    /// The key in the same text form `load` accepts, for writing a new key file after
    /// `keys rotate`. The result is a Swift string, so hand it straight to the output and
    /// keep no copies.
    public func encodedForExport() -> String {
        storage.withUnsafeBytes { bytes in
            SodiumBase64.encodeToString(bytes, variant: SodiumBase64.standard)
        }
    }

    /// The key file contents (base64 and a newline) in guarded memory.
    func encodedForKeyFile() throws -> SecureBytes {
        try storage.withUnsafeBytes { bytes in
            try SodiumBase64.encodeSecure(bytes, variant: SodiumBase64.standard, terminator: UInt8(ascii: "\n"))
        }
    }

    /// Constant-time comparison (`sodium_memcmp`).
    public static func == (lhs: MasterKey, rhs: MasterKey) -> Bool {
        lhs.storage.withUnsafeBytes { left in
            rhs.storage.withUnsafeBytes { right in
                left.count == right.count && sodium_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
            }
        }
    }

    public var description: String { "MasterKey(redacted)" }

    private static let expectedFormat = "the standard base64 encoding of 32 random bytes (44 characters, e.g. the output of `openssl rand -base64 32`)"

    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }
}
