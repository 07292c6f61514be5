/// A small JSON value for what synthesis exchanges with teachers and reads from the provider catalog.
/// Hand-written rather than Foundation's so Core stays Foundation-free, objects keep their key order
/// (the training row must read `role` before `content`), and integers print without a fraction.
public enum SynthesisJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([SynthesisJSON])
    /// Members in document order; lookups take the first member of a name.
    case object([(key: String, value: SynthesisJSON)])

    public static func == (lhs: SynthesisJSON, rhs: SynthesisJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.elementsEqual(b) { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public subscript(key: String) -> SynthesisJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public subscript(index: Int) -> SynthesisJSON? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var doubleValue: Double? { if case .number(let n) = self { return n } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var arrayValue: [SynthesisJSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The number as an Int when it is integral and in range.
    public var intValue: Int? {
        guard case .number(let n) = self, n.rounded() == n, abs(n) < 9.0e15 else { return nil }
        return Int(n)
    }

    /// Compact JSON text with `"`, `\\`, control characters and U+2028/2029 escaped.
    public var serialized: String { String(decoding: serializedBytes, as: UTF8.self) }

    /// The same text as UTF-8 bytes (what goes on the wire or into a file).
    public var serializedBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return out
    }

    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let n): out += Self.format(n).utf8
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func format(_ n: Double) -> String {
        guard n.isFinite else { return "null" }
        if n.rounded() == n && abs(n) < 9.0e15 { return String(Int64(n)) }
        return n.description
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Copies runs of plain bytes in bulk and escapes only what JSON (and JavaScript, for U+2028/2029)
    /// requires; works on UTF-8 so multi-byte text passes through untouched.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            out.reserveCapacity(out.count + bytes.count + 2)
            var runStart = 0
            var i = 0
            let count = bytes.count
            while i < count {
                let byte = bytes[i]
                // Second byte of a two-byte escape (\n, \", …); 0 for \u forms; nil for a plain byte.
                let short: UInt8?
                var width = 1
                switch byte {
                case UInt8(ascii: "\""): short = UInt8(ascii: "\"")
                case UInt8(ascii: "\\"): short = UInt8(ascii: "\\")
                case 0x0A: short = UInt8(ascii: "n")
                case 0x0D: short = UInt8(ascii: "r")
                case 0x09: short = UInt8(ascii: "t")
                case 0x08: short = UInt8(ascii: "b")
                case 0x0C: short = UInt8(ascii: "f")
                case 0..<0x20: short = 0
                case 0xE2 where i + 2 < count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                    short = 0
                    width = 3
                default: short = nil
                }
                guard let short else {
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                out.append(UInt8(ascii: "\\"))
                if short != 0 {
                    out.append(short)
                } else if width == 3 {
                    out += (bytes[i + 2] == 0xA8 ? "u2028" : "u2029").utf8
                } else {
                    out += [UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
                }
                i += width
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Why a JSON text could not be parsed, with the byte offset where it went wrong.
public struct SynthesisJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

extension SynthesisJSON {
    /// Parses one complete JSON value (surrounding whitespace allowed).
    public static func parse(_ text: String) throws(SynthesisJSONError) -> SynthesisJSON {
        try parse(Array(text.utf8))
    }

    public static func parse(_ bytes: [UInt8]) throws(SynthesisJSONError) -> SynthesisJSON {
        var parser = Parser(bytes: bytes)
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    /// Parses the value that starts at `start` and returns it with the offset just past it; used to pull
    /// a JSON object out of surrounding prose.
    static func parsePrefix(_ bytes: [UInt8], from start: Int) -> (value: SynthesisJSON, end: Int)? {
        var parser = Parser(bytes: bytes)
        parser.position = start
        guard let value = try? parser.parseValue(depth: 0) else { return nil }
        return (value, parser.position)
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0
        static let maximumDepth = 128

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ message: String) -> SynthesisJSONError { SynthesisJSONError(message: message, offset: position) }

        mutating func skipWhitespace() {
            while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x0A
                || bytes[position] == 0x0D || bytes[position] == 0x09
            {
                position += 1
            }
        }

        mutating func parseValue(depth: Int) throws(SynthesisJSONError) -> SynthesisJSON {
            guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of JSON") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try parseNumber())
            }
        }

        mutating func literal(_ word: String) throws(SynthesisJSONError) {
            let expected = Array(word.utf8)
            guard position + expected.count <= bytes.count,
                Array(bytes[position..<position + expected.count]) == expected
            else { throw error("expected '\(word)'") }
            position += expected.count
        }

        mutating func parseObject(depth: Int) throws(SynthesisJSONError) -> SynthesisJSON {
            position += 1
            var members: [(key: String, value: SynthesisJSON)] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw error("expected a member name in quotes")
                }
                let key = try parseString()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
                position += 1
                members.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard position < bytes.count else { throw error("unexpected end of JSON inside an object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw error("expected ',' or '}'")
            }
        }

        mutating func parseArray(depth: Int) throws(SynthesisJSONError) -> SynthesisJSON {
            position += 1
            var items: [SynthesisJSON] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw error("unexpected end of JSON inside an array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw error("expected ',' or ']'")
            }
        }

        /// Follows the JSON number grammar exactly: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
        mutating func parseNumber() throws(SynthesisJSONError) -> Double {
            let start = position
            func isDigit(_ at: Int) -> Bool { at < bytes.count && bytes[at] >= 0x30 && bytes[at] <= 0x39 }
            func digits() -> Bool {
                let from = position
                while isDigit(position) { position += 1 }
                return position > from
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
            if position < bytes.count, bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else if !digits() {
                position = start
                throw error("unexpected character")
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard digits() else { throw error("expected digits after '.'") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    position += 1
                }
                guard digits() else { throw error("expected digits in the exponent") }
            }
            guard let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                throw error("invalid number")
            }
            return value
        }

        /// Plain strings (no escapes) decode in one step; escaped ones collect bytes, then decode once.
        mutating func parseString() throws(SynthesisJSONError) -> String {
            position += 1
            var runStart = position
            var decoded: [UInt8]? = nil
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let text: String
                    if var decoded {
                        decoded += bytes[runStart..<position]
                        text = String(decoding: decoded, as: UTF8.self)
                    } else {
                        text = String(decoding: bytes[runStart..<position], as: UTF8.self)
                    }
                    position += 1
                    return text
                }
                if byte < 0x20 { throw error("control character in a string") }
                if byte == UInt8(ascii: "\\") {
                    var buffer = decoded ?? []
                    decoded = nil  // keep one reference so appending does not copy the buffer
                    buffer += bytes[runStart..<position]
                    position += 1
                    guard position < bytes.count else { break }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
                    case UInt8(ascii: "b"): buffer.append(0x08)
                    case UInt8(ascii: "f"): buffer.append(0x0C)
                    case UInt8(ascii: "n"): buffer.append(0x0A)
                    case UInt8(ascii: "r"): buffer.append(0x0D)
                    case UInt8(ascii: "t"): buffer.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if code >= 0xD800 && code < 0xDC00 {
                            // A high surrogate must be followed by \u and a low surrogate.
                            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                                bytes[position + 1] == UInt8(ascii: "u")
                            else { throw error("unpaired surrogate in a string") }
                            position += 2
                            let low = try hex4()
                            guard low >= 0xDC00 && low < 0xE000 else { throw error("unpaired surrogate in a string") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw error("unpaired surrogate in a string") }
                        buffer += Array(String(Character(scalar)).utf8)
                    default:
                        position -= 1
                        throw error("invalid escape in a string")
                    }
                    decoded = buffer
                    runStart = position
                    continue
                }
                position += 1
            }
            throw error("unterminated string")
        }

        mutating func hex4() throws(SynthesisJSONError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("incomplete \\u escape") }
            var value: UInt32 = 0
            for byte in bytes[position..<position + 4] {
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | digit
            }
            position += 4
            return value
        }
    }
}

extension SynthesisJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: SynthesisJSON...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
}
