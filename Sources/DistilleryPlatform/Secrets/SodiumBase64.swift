import CSodium

/// Base64 through libsodium's constant-time codec, so encoding and decoding keys leaks no
/// timing information about their bytes and can work entirely inside guarded memory.
enum SodiumBase64 {
    static let standard = sodium_base64_VARIANT_ORIGINAL
    static let standardUnpadded = sodium_base64_VARIANT_ORIGINAL_NO_PADDING
    static let urlSafeUnpadded = sodium_base64_VARIANT_URLSAFE_NO_PADDING

    /// Encoded length for `byteCount` bytes, including the terminating NUL libsodium writes.
    static func encodedLengthWithTerminator(byteCount: Int, variant: Int32) -> Int {
        sodium_base64_encoded_len(byteCount, variant)
    }

    /// Encodes non-secret bytes (tokens) into a Swift string.
    static func encodeToString(_ bytes: UnsafeRawBufferPointer, variant: Int32) -> String {
        let capacity = encodedLengthWithTerminator(byteCount: bytes.count, variant: variant)
        var text = [CChar](repeating: 0, count: capacity)
        text.withUnsafeMutableBufferPointer { output in
            withNonNullBase(bytes) { input in
                _ = sodium_bin2base64(output.baseAddress!, capacity, input, bytes.count, variant)
            }
        }
        return String(decoding: text.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Encodes secret bytes into guarded memory; the terminating NUL is replaced by
    /// `terminator` (e.g. a newline for a key file) so the whole buffer can be written as is.
    static func encodeSecure(_ bytes: UnsafeRawBufferPointer, variant: Int32, terminator: UInt8) throws -> SecureBytes {
        let capacity = encodedLengthWithTerminator(byteCount: bytes.count, variant: variant)
        let encoded = try SecureBytes(count: capacity)
        encoded.withUnsafeMutableBytes { output in
            let characters = output.baseAddress!.assumingMemoryBound(to: CChar.self)
            withNonNullBase(bytes) { input in
                _ = sodium_bin2base64(characters, capacity, input, bytes.count, variant)
            }
            output[capacity - 1] = terminator
        }
        return encoded
    }

    /// Decodes standard base64 (padding optional, ASCII whitespace ignored anywhere) into
    /// guarded memory. Returns nil when the text is not valid base64. The caller owns the
    /// result, whose `decodedCount` leading bytes are meaningful.
    static func decodeStandardSecure(_ text: UnsafeRawBufferPointer) throws -> (bytes: SecureBytes, decodedCount: Int)? {
        // Decoding never produces more bytes than there are input characters.
        let output = try SecureBytes(count: max(text.count, 1))
        let decodedCount: Int? = output.withUnsafeMutableBytes { destination in
            let characters = text.baseAddress?.assumingMemoryBound(to: CChar.self)
            guard let characters, text.count > 0 else { return 0 }
            for variant in [standard, standardUnpadded] {
                var length = 0
                let result = sodium_base642bin(
                    destination.baseAddress!.assumingMemoryBound(to: UInt8.self), destination.count,
                    characters, text.count, " \t\r\n", &length, nil, variant)
                if result == 0 { return length }
            }
            return nil
        }
        guard let decodedCount else {
            output.free()
            return nil
        }
        return (output, decodedCount)
    }
}

/// libsodium wants a non-null pointer even for zero-length input.
func withNonNullBase<R>(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
    if let base = bytes.baseAddress {
        return try body(base.assumingMemoryBound(to: UInt8.self))
    }
    var placeholder: UInt8 = 0
    return try withUnsafePointer(to: &placeholder) { try body($0) }
}
