/// One message of a stored chat row. `contentLiteral` is the JSON string literal exactly as stored
/// (quotes and escapes included), so JSON exports copy it instead of re-encoding the text.
public struct ExportMessage: Equatable, Sendable {
    public enum Role: String, Sendable {
        case system, user, assistant
    }

    public let role: Role
    public let contentLiteral: ArraySlice<UInt8>

    public init(role: Role, contentLiteral: ArraySlice<UInt8>) {
        self.role = role
        self.contentLiteral = contentLiteral
    }

    /// The content's text as UTF-8 bytes (escapes decoded), for formats that are not JSON.
    public var decodedContent: [UInt8] { JSONStringLiteral.decode(contentLiteral) }
}

/// Reads the normalized row body the validator stores (`dataset_rows.body`):
/// `{"messages":[{"role":"…","content":"…"},…]}` with exactly that key order and no whitespace.
public enum NormalizedChatRow {
    public static func messages(_ body: [UInt8]) throws(ExportError) -> [ExportMessage] {
        var reader = Reader(bytes: body[...])
        try reader.expect("{\"messages\":[")
        var messages: [ExportMessage] = []
        repeat {
            try reader.expect("{\"role\":")
            let roleLiteral = try reader.stringLiteral()
            guard let role = ExportMessage.Role(rawValue: String(decoding: roleLiteral.dropFirst().dropLast(), as: UTF8.self)) else {
                throw .malformedRow("unknown role \(String(decoding: roleLiteral, as: UTF8.self))")
            }
            try reader.expect(",\"content\":")
            messages.append(ExportMessage(role: role, contentLiteral: try reader.stringLiteral()))
            try reader.expect("}")
        } while reader.skip(",")
        try reader.expect("]}")
        guard reader.isAtEnd else { throw .malformedRow("bytes after the closing brace") }
        return messages
    }

    private struct Reader {
        var bytes: ArraySlice<UInt8>

        var isAtEnd: Bool { bytes.isEmpty }

        mutating func skip(_ literal: StaticString) -> Bool {
            let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
            guard bytes.starts(with: expected) else { return false }
            bytes.removeFirst(expected.count)
            return true
        }

        mutating func expect(_ literal: StaticString) throws(ExportError) {
            guard skip(literal) else { throw .malformedRow("expected \(literal) at byte \(bytes.startIndex)") }
        }

        /// A JSON string literal, quotes included; the validator already checked its escapes.
        mutating func stringLiteral() throws(ExportError) -> ArraySlice<UInt8> {
            guard bytes.first == UInt8(ascii: "\"") else { throw .malformedRow("expected a string at byte \(bytes.startIndex)") }
            var index = bytes.index(after: bytes.startIndex)
            while index < bytes.endIndex {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    let literal = bytes[bytes.startIndex...index]
                    bytes = bytes[(index + 1)...]
                    return literal
                default: index += 1
                }
            }
            throw .malformedRow("unterminated string")
        }
    }
}

/// Decodes a JSON string literal (quotes included) to UTF-8 bytes.
enum JSONStringLiteral {
    static func decode(_ literal: ArraySlice<UInt8>) -> [UInt8] {
        let inner = literal.dropFirst().dropLast()
        guard inner.contains(UInt8(ascii: "\\")) else { return Array(inner) }
        var out: [UInt8] = []
        out.reserveCapacity(inner.count)
        var index = inner.startIndex
        var pendingHighSurrogate: UInt32?
        while index < inner.endIndex {
            let byte = inner[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < inner.endIndex else {
                out.append(byte)
                index += 1
                continue
            }
            let escape = inner[index + 1]
            index += 2
            if escape == UInt8(ascii: "u"), index + 4 <= inner.endIndex, let unit = hexValue(inner[index..<(index + 4)]) {
                index += 4
                if (0xD800...0xDBFF).contains(unit) {
                    pendingHighSurrogate = unit
                    continue
                }
                var scalarValue = unit
                if (0xDC00...0xDFFF).contains(unit), let high = pendingHighSurrogate {
                    scalarValue = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                }
                pendingHighSurrogate = nil
                appendUTF8(Unicode.Scalar(scalarValue) ?? "\u{FFFD}", to: &out)
                continue
            }
            switch escape {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            default: out.append(escape)  // \" \\ \/
            }
        }
        return out
    }

    private static func hexValue(_ digits: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        for digit in digits {
            guard let nibble = Character(Unicode.Scalar(digit)).hexDigitValue else { return nil }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    private static func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        UTF8.encode(scalar) { out.append($0) }
    }
}
