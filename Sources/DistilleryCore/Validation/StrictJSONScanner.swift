/// Why a line is not strict JSON. `offset` is 0-based within the line; messages name the 1-based byte column.
struct ScanFailure: Error {
    let code: String
    let offset: Int
    let message: String
}

/// What the scanner learned about one JSON string without materializing it.
struct StringToken {
    /// Offset of the opening quote.
    var start: Int
    /// Offset just past the closing quote.
    var end: Int
    /// UTF-8 bytes after unescaping.
    var decodedByteCount: Int
    /// Of those, bytes belonging to non-ASCII code points.
    var nonASCIIByteCount: Int
    var nonASCIICodePointCount: Int
    var hasEscapes: Bool
    /// False when every decoded character is whitespace (or the string is empty).
    var hasNonWhitespace: Bool

    var isEmpty: Bool { decodedByteCount == 0 }

    /// Documented estimator: ceil(ASCII bytes / 4) + one token per non-ASCII code point.
    var estimatedTokens: Int {
        let asciiBytes = decodedByteCount - nonASCIIByteCount
        return (asciiBytes + 3) / 4 + nonASCIICodePointCount
    }
}

/// Kind of a JSON value, for messages like "found a number".
enum JSONValueKind {
    case object, array, string, number, boolean, null

    var phrase: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .boolean: "a boolean"
        case .null: "null"
        }
    }
}

/// Remembers the key hashes of one open object to detect duplicates. Small objects use a linear scan,
/// large ones a set, so a line with 100 000 keys stays linear.
struct KeyTracker {
    private var hashes: [UInt64] = []
    private var large: Set<UInt64> = []

    mutating func reset() {
        hashes.removeAll(keepingCapacity: true)
        if !large.isEmpty { large.removeAll() }
    }

    /// Returns false when the key was already present.
    mutating func insert(_ hash: UInt64) -> Bool {
        if hashes.count < 16 {
            for existing in hashes where existing == hash { return false }
            hashes.append(hash)
            return true
        }
        if large.isEmpty { large = Set(hashes) }
        return large.insert(hash).inserted
    }
}

/// A strict RFC 8259 scanner over one line's bytes. It validates and skips values, and scans strings
/// into `StringToken`s; the schema layers (chat, seeds) drive it. No allocation on the hot path.
struct StrictJSONScanner {
    private(set) var base: UnsafePointer<UInt8>
    private(set) var count: Int
    var pos: Int
    let maxDepth: Int
    private var keyTrackers: [KeyTracker]
    /// Scratch for decoding escaped strings (keys, hashed content).
    private(set) var decoded: [UInt8] = []
    /// First duplicate key met while skipping a nested value; the schema layer reports it with its path.
    var nestedDuplicateKey: String?

    // Never read (count is 0) and never written, so sharing it across threads is safe.
    nonisolated(unsafe) private static let emptyLine: UnsafePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return UnsafePointer(pointer)
    }()

    init(maxDepth: Int) {
        self.maxDepth = maxDepth
        keyTrackers = Array(repeating: KeyTracker(), count: maxDepth + 2)
        base = Self.emptyLine
        count = 0
        pos = 0
    }

    mutating func begin(_ line: UnsafeRawBufferPointer) {
        base = line.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? Self.emptyLine
        count = line.count
        pos = 0
        nestedDuplicateKey = nil
    }

    // MARK: Structure

    @inline(__always) var atEnd: Bool { pos >= count }

    /// The current byte, or 0 at end of line (0 is never valid where a token is expected).
    @inline(__always) var peek: UInt8 { pos < count ? base[pos] : 0 }

    @inline(__always) mutating func skipWhitespace() {
        while pos < count {
            let byte = base[pos]
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { pos += 1 } else { return }
        }
    }

    /// Consumes `byte` (after whitespace) or fails naming what was expected.
    @inline(__always) mutating func expect(_ byte: UInt8, _ what: String) throws(ScanFailure) {
        skipWhitespace()
        guard pos < count, base[pos] == byte else { throw failure("expected \(what)") }
        pos += 1
    }

    func failure(_ expected: String, code: String = "invalid_json", at offset: Int? = nil) -> ScanFailure {
        let at = offset ?? pos
        return ScanFailure(code: code, offset: at, message: "byte \(at + 1): \(expected), found \(describeByte(at: at))")
    }

    func plainFailure(_ message: String, code: String, at offset: Int) -> ScanFailure {
        ScanFailure(code: code, offset: offset, message: "byte \(offset + 1): \(message)")
    }

    func describeByte(at offset: Int) -> String {
        guard offset < count else { return "end of line" }
        let byte = base[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte == 0x20 { return "a space" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    /// Fails unless only whitespace remains.
    mutating func expectEndOfLine() throws(ScanFailure) {
        skipWhitespace()
        if pos < count { throw failure("expected end of line after the JSON value") }
    }

    /// After a member: consumes ',' (returns true) or '}' (returns false).
    @inline(__always) mutating func nextMember() throws(ScanFailure) -> Bool {
        skipWhitespace()
        if pos < count {
            let byte = base[pos]
            pos += 1
            if byte == UInt8(ascii: ",") {
                skipWhitespace()
                if peek != UInt8(ascii: "\"") { throw failure("expected a string key after ','") }
                return true
            }
            if byte == UInt8(ascii: "}") { return false }
            pos -= 1
        }
        throw failure("expected ',' or '}' after an object member")
    }

    /// After an element: consumes ',' (returns true) or ']' (returns false).
    @inline(__always) mutating func nextElement() throws(ScanFailure) -> Bool {
        skipWhitespace()
        if pos < count {
            let byte = base[pos]
            pos += 1
            if byte == UInt8(ascii: ",") {
                skipWhitespace()
                if peek == UInt8(ascii: "]") { throw failure("expected a value after ',' (trailing commas are not allowed)") }
                return true
            }
            if byte == UInt8(ascii: "]") { return false }
            pos -= 1
        }
        throw failure("expected ',' or ']' after an array element")
    }

    /// At '{': consumes it and whitespace; returns false if the object is empty (and consumes '}').
    mutating func openObject(depth: Int) throws(ScanFailure) -> Bool {
        if depth > maxDepth {
            throw plainFailure("nesting deeper than \(maxDepth) levels", code: "nesting_too_deep", at: pos)
        }
        pos += 1
        keyTrackers[depth].reset()
        skipWhitespace()
        if peek == UInt8(ascii: "}") { pos += 1; return false }
        if peek != UInt8(ascii: "\"") { throw failure("expected a string key or '}'") }
        return true
    }

    /// At '[': consumes it; returns false if the array is empty (and consumes ']').
    mutating func openArray(depth: Int) throws(ScanFailure) -> Bool {
        if depth > maxDepth {
            throw plainFailure("nesting deeper than \(maxDepth) levels", code: "nesting_too_deep", at: pos)
        }
        pos += 1
        skipWhitespace()
        if peek == UInt8(ascii: "]") { pos += 1; return false }
        return true
    }

    /// Scans a key and the ':' after it; returns the key token and whether it is new in its object.
    @inline(__always)
    mutating func scanKey(depth: Int) throws(ScanFailure) -> (key: StringToken, isNew: Bool) {
        let key = try scanString()
        let isNew = keyTrackers[depth].insert(hashDecoded(key))
        try expect(UInt8(ascii: ":"), "':' after an object key")
        skipWhitespace()
        return (key, isNew)
    }

    /// Validates and skips any value; `depth` is the depth a container here would have.
    mutating func skipValue(depth: Int) throws(ScanFailure) -> JSONValueKind {
        skipWhitespace()
        guard pos < count else { throw failure("expected a value") }
        switch base[pos] {
        case UInt8(ascii: "\""):
            _ = try scanString()
            return .string
        case UInt8(ascii: "{"):
            if try openObject(depth: depth) {
                repeat {
                    let (key, isNew) = try scanKey(depth: depth)
                    if !isNew && nestedDuplicateKey == nil { nestedDuplicateKey = decodedString(key) }
                    _ = try skipValue(depth: depth + 1)
                } while try nextMember()
            }
            return .object
        case UInt8(ascii: "["):
            if try openArray(depth: depth) {
                repeat {
                    _ = try skipValue(depth: depth + 1)
                } while try nextElement()
            }
            return .array
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber()
            return .number
        case UInt8(ascii: "t"):
            try scanLiteral("true")
            return .boolean
        case UInt8(ascii: "f"):
            try scanLiteral("false")
            return .boolean
        case UInt8(ascii: "n"):
            try scanLiteral("null")
            return .null
        default:
            throw failure("expected a value (object, array, string, number, true, false or null)")
        }
    }

    private mutating func scanLiteral(_ literal: StaticString) throws(ScanFailure) {
        let length = literal.utf8CodeUnitCount
        let bytes = literal.utf8Start
        for k in 0..<length where pos + k >= count || base[pos + k] != bytes[k] {
            throw failure("expected '\(literal)'", at: pos + k)
        }
        pos += length
    }

    private mutating func scanNumber() throws(ScanFailure) {
        @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
        var i = pos
        if base[i] == UInt8(ascii: "-") { i += 1 }
        guard i < count else { throw failure("expected a digit", at: i) }
        if base[i] == UInt8(ascii: "0") {
            i += 1
            if i < count && isDigit(base[i]) {
                throw plainFailure("leading zeros are not allowed in numbers", code: "invalid_json", at: i - 1)
            }
        } else if isDigit(base[i]) {
            while i < count && isDigit(base[i]) { i += 1 }
        } else {
            throw failure("expected a digit", at: i)
        }
        if i < count && base[i] == UInt8(ascii: ".") {
            i += 1
            guard i < count && isDigit(base[i]) else { throw failure("expected a digit after '.'", at: i) }
            while i < count && isDigit(base[i]) { i += 1 }
        }
        if i < count && (base[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            if i < count && (base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < count && isDigit(base[i]) else { throw failure("expected a digit in the exponent", at: i) }
            while i < count && isDigit(base[i]) { i += 1 }
        }
        pos = i
    }

    // MARK: Strings

    /// Scans the string starting at the quote under `pos`: validates escapes, surrogate pairs, control
    /// characters and UTF-8, and measures it. Plain ASCII is consumed 8 bytes at a time, and well-formed
    /// multi-byte UTF-8 is validated and counted without leaving that loop; anything else (escapes, the
    /// closing quote, errors, the last few bytes) goes through the byte-by-byte dispatch below it.
    mutating func scanString() throws(ScanFailure) -> StringToken {
        let start = pos
        let end = count
        let raw = UnsafeRawPointer(base)
        var i = pos &+ 1
        var escapeSavings = 0  // raw bytes minus decoded bytes
        var nonASCIIBytes = 0
        var nonASCIICodePoints = 0
        var hasEscapes = false
        var hasNonWhitespace = false
        let spaces = SWAR.broadcast(0x20)

        scan: while true {
            if hasNonWhitespace {
                // Common case: only stops ('"', '\\', control bytes) leave this loop; words with non-ASCII
                // bytes are validated and counted as a whole.
                while i &+ 8 <= end {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let stops = SWAR.stringStops(word)
                    let high = word & SWAR.highs
                    if stops == 0 {
                        if high == 0 {
                            i &+= 8
                            continue
                        }
                        let length = SWAR.wellFormedUTF8Prefix(word)
                        if length != 0 {
                            let kept: UInt64 = length == 8 ? ~0 : (1 &<< UInt64(truncatingIfNeeded: length &* 8)) &- 1
                            nonASCIIBytes &+= SWAR.countHighBits(high & kept)
                            nonASCIICodePoints &+= SWAR.countHighBits(high & (word &<< 1) & kept)
                            i &+= length
                            continue
                        }
                    } else {
                        let plain = stops.trailingZeroBitCount &>> 3
                        let before: UInt64 = (1 &<< UInt64(truncatingIfNeeded: plain &* 8)) &- 1
                        if high & before == 0 {
                            i &+= plain
                            break
                        }
                        // Check the bytes before the stop as a word of their own (the rest zeroed, i.e.
                        // ASCII, so a sequence cut short by the stop shows up as malformed).
                        if SWAR.wellFormedUTF8Prefix(word & before) == 8 {
                            nonASCIIBytes &+= SWAR.countHighBits(high & before)
                            nonASCIICodePoints &+= SWAR.countHighBits(high & (word &<< 1) & before)
                            i &+= plain
                            break
                        }
                    }
                    // Non-ASCII before a stop, or a malformed sequence: one code point at a time.
                    i &+= SWAR.stringSpecials(word).trailingZeroBitCount &>> 3
                    let length = wellFormedSequenceLength(at: i, end: end)
                    if length == 0 { break }
                    nonASCIIBytes &+= length
                    nonASCIICodePoints &+= 1
                    i &+= length
                }
            } else {
                while i &+ 8 <= end {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let special = SWAR.stringSpecials(word)
                    if special == 0 {
                        i &+= 8
                        if word != spaces {
                            hasNonWhitespace = true
                            continue scan
                        }
                        continue
                    }
                    let plain = special.trailingZeroBitCount &>> 3
                    for k in 0..<plain where base[i &+ k] != 0x20 { hasNonWhitespace = true }
                    i &+= plain
                    break
                }
            }
            guard i < end else {
                throw plainFailure("unterminated string (missing closing quote)", code: "invalid_json", at: start)
            }
            let byte = base[i]
            if byte == 0x22 {
                pos = i + 1
                return StringToken(
                    start: start, end: i + 1,
                    decodedByteCount: (i - start - 1) - escapeSavings,
                    nonASCIIByteCount: nonASCIIBytes, nonASCIICodePointCount: nonASCIICodePoints,
                    hasEscapes: hasEscapes, hasNonWhitespace: hasNonWhitespace)
            } else if byte == 0x5C {
                hasEscapes = true
                guard i + 1 < end else { throw failure("expected an escape character after '\\'", at: i + 1) }
                switch base[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"):
                    hasNonWhitespace = true
                    escapeSavings += 1
                    i += 2
                case UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    escapeSavings += 1
                    i += 2
                case UInt8(ascii: "u"):
                    var scalar = try hex4(at: i + 2)
                    var rawLength = 6
                    if scalar & 0xFC00 == 0xD800 {
                        guard i + 11 < end, base[i + 6] == 0x5C, base[i + 7] == UInt8(ascii: "u") else {
                            throw plainFailure("high surrogate \\u\(hexString(scalar)) is not followed by a low surrogate",
                                               code: "lone_surrogate", at: i)
                        }
                        let low = try hex4(at: i + 8)
                        guard low & 0xFC00 == 0xDC00 else {
                            throw plainFailure("high surrogate \\u\(hexString(scalar)) is not followed by a low surrogate",
                                               code: "lone_surrogate", at: i)
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        rawLength = 12
                    } else if scalar & 0xFC00 == 0xDC00 {
                        throw plainFailure("low surrogate \\u\(hexString(scalar)) without a preceding high surrogate",
                                           code: "lone_surrogate", at: i)
                    }
                    let length = scalar < 0x80 ? 1 : scalar < 0x800 ? 2 : scalar < 0x10000 ? 3 : 4
                    escapeSavings += rawLength - length
                    if scalar >= 0x80 {
                        nonASCIIBytes += length
                        nonASCIICodePoints += 1
                    }
                    if !hasNonWhitespace && !Self.isWhitespace(scalar) { hasNonWhitespace = true }
                    i += rawLength
                default:
                    throw failure("invalid escape (expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", at: i + 1)
                }
            } else if byte < 0x20 {
                throw plainFailure("raw control character 0x\(hexString(UInt32(byte), width: 2)) in a string (escape it)",
                                   code: "invalid_json", at: i)
            } else if byte >= 0x80 {
                let (length, scalar) = try decodeUTF8(at: i)
                nonASCIIBytes += length
                nonASCIICodePoints += 1
                if !hasNonWhitespace && !Self.isWhitespace(scalar) { hasNonWhitespace = true }
                i += length
            } else {
                // Plain ASCII in the last few bytes (fewer than 8 remain).
                if byte != 0x20 { hasNonWhitespace = true }
                i += 1
            }
        }
    }

    private func hex4(at offset: Int) throws(ScanFailure) -> UInt32 {
        guard offset + 4 <= count else { throw failure("expected 4 hex digits after \\u", at: min(offset, count)) }
        var value: UInt32 = 0
        for k in 0..<4 {
            let byte = base[offset + k]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("expected 4 hex digits after \\u", at: offset + k)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private func hexString(_ value: UInt32, width: Int = 4) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Length of the well-formed UTF-8 sequence (Unicode Table 3-7) starting at `i`, or 0 when the byte
    /// there is ASCII or the sequence is malformed or truncated (`decodeUTF8` then reports why).
    @inline(__always)
    private func wellFormedSequenceLength(at i: Int, end: Int) -> Int {
        let lead = base[i]
        if lead < 0xC2 { return 0 }
        if lead < 0xE0 {
            return i &+ 1 < end && base[i &+ 1] & 0xC0 == 0x80 ? 2 : 0
        }
        if lead < 0xF0 {
            guard i &+ 2 < end else { return 0 }
            let second = base[i &+ 1]
            let low: UInt8 = lead == 0xE0 ? 0xA0 : 0x80
            let high: UInt8 = lead == 0xED ? 0x9F : 0xBF
            return second >= low && second <= high && base[i &+ 2] & 0xC0 == 0x80 ? 3 : 0
        }
        guard lead <= 0xF4, i &+ 3 < end else { return 0 }
        let second = base[i &+ 1]
        let low: UInt8 = lead == 0xF0 ? 0x90 : 0x80
        let high: UInt8 = lead == 0xF4 ? 0x8F : 0xBF
        return second >= low && second <= high && base[i &+ 2] & 0xC0 == 0x80 && base[i &+ 3] & 0xC0 == 0x80 ? 4 : 0
    }

    /// Validates one UTF-8 sequence (Unicode Table 3-7): rejects overlong forms, encoded surrogates,
    /// code points above U+10FFFF, stray continuation bytes and truncated sequences.
    @inline(__always)
    private func decodeUTF8(at i: Int) throws(ScanFailure) -> (length: Int, scalar: UInt32) {
        let lead = base[i]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xED: length = 3; high = 0x9F
        case 0xE1...0xEF: length = 3
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        case 0x80...0xBF:
            throw plainFailure("invalid UTF-8: unexpected continuation byte 0x\(hexString(UInt32(lead), width: 2))",
                               code: "invalid_utf8", at: i)
        case 0xC0, 0xC1:
            throw plainFailure("invalid UTF-8: overlong encoding", code: "invalid_utf8", at: i)
        default:
            throw plainFailure("invalid UTF-8: byte 0x\(hexString(UInt32(lead), width: 2)) starts a code point above U+10FFFF",
                               code: "invalid_utf8", at: i)
        }
        guard i + length <= count else {
            throw plainFailure("invalid UTF-8: truncated \(length)-byte sequence", code: "invalid_utf8", at: i)
        }
        let second = base[i + 1]
        if second < low || second > high {
            if second >= 0x80 && second <= 0xBF {
                let reason = lead == 0xED ? "surrogate code point encoded in UTF-8"
                    : lead == 0xF4 ? "code point above U+10FFFF" : "overlong encoding"
                throw plainFailure("invalid UTF-8: \(reason)", code: "invalid_utf8", at: i)
            }
            throw plainFailure("invalid UTF-8: truncated \(length)-byte sequence", code: "invalid_utf8", at: i)
        }
        var scalar = UInt32(lead) & (0x7F >> UInt32(length))
        scalar = scalar << 6 | UInt32(second & 0x3F)
        for k in 2..<max(2, length) {
            let next = base[i + k]
            guard next & 0xC0 == 0x80 else {
                throw plainFailure("invalid UTF-8: truncated \(length)-byte sequence", code: "invalid_utf8", at: i)
            }
            scalar = scalar << 6 | UInt32(next & 0x3F)
        }
        return (length, scalar)
    }

    /// Unicode White_Space.
    static func isWhitespace(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    // MARK: Decoding (slow paths only)

    /// True when the token's decoded bytes equal `literal`.
    @inline(__always)
    mutating func tokenEquals(_ token: StringToken, _ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard token.decodedByteCount == length else { return false }
        if token.hasEscapes { return escapedTokenEquals(token, literal) }
        let first = token.start &+ 1
        for k in 0..<length where base[first &+ k] != literal.utf8Start[k] { return false }
        return true
    }

    private mutating func escapedTokenEquals(_ token: StringToken, _ literal: StaticString) -> Bool {
        decode(token)
        return decoded.withUnsafeBufferPointer { buffer in
            (0..<literal.utf8CodeUnitCount).allSatisfy { buffer[$0] == literal.utf8Start[$0] }
        }
    }

    /// Hash of the decoded bytes; escaped and unescaped spellings of the same text hash alike.
    mutating func hashDecoded(_ token: StringToken, seed: UInt64 = 0) -> UInt64 {
        if !token.hasEscapes {
            return ContentHash.hash(UnsafeRawPointer(base + token.start + 1), count: token.end - token.start - 2, seed: seed)
        }
        return hashEscaped(token, seed: seed)
    }

    /// `hashDecoded` for a token with escapes: feeds the decoded bytes to the hash as they are produced,
    /// so user content is hashed without being copied.
    private func hashEscaped(_ token: StringToken, seed: UInt64) -> UInt64 {
        var hasher = ContentHash.Stream(seed: seed, count: token.decodedByteCount)
        forEachDecodedPiece(of: token, run: { hasher.append($0, count: $1) }, byte: { hasher.append($0) })
        return hasher.finish()
    }

    /// Walks a scanned (hence valid) string token's decoded text: unescaped runs in bulk (`run`), each
    /// escape as the UTF-8 bytes it stands for (`byte`). The one decoder behind hashing and `decode`.
    @inline(__always)
    private func forEachDecodedPiece(
        of token: StringToken, run: (UnsafeRawPointer, Int) -> Void, byte: (UInt8) -> Void
    ) {
        let raw = UnsafeRawPointer(base)
        var i = token.start &+ 1
        let end = token.end &- 1
        var runStart = i
        let backslashes = SWAR.broadcast(0x5C)
        while i < end {
            // Skip to the next backslash a word at a time (the closing quote is past `end`).
            if i &+ 8 <= end {
                let hits = SWAR.zeroBytes(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ backslashes)
                if hits == 0 { i &+= 8; continue }
                i &+= hits.trailingZeroBitCount &>> 3
            } else if base[i] != 0x5C {
                i &+= 1
                continue
            }
            if runStart < i { run(raw + runStart, i &- runStart) }
            let escape = base[i &+ 1]
            switch escape {
            case UInt8(ascii: "b"): byte(0x08); i &+= 2
            case UInt8(ascii: "f"): byte(0x0C); i &+= 2
            case UInt8(ascii: "n"): byte(0x0A); i &+= 2
            case UInt8(ascii: "r"): byte(0x0D); i &+= 2
            case UInt8(ascii: "t"): byte(0x09); i &+= 2
            case UInt8(ascii: "u"):
                var scalar = (try? hex4(at: i &+ 2)) ?? 0xFFFD
                i &+= 6
                if scalar & 0xFC00 == 0xD800 {
                    let low = (try? hex4(at: i &+ 2)) ?? 0xDC00
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i &+= 6
                }
                if scalar < 0x80 {
                    byte(UInt8(scalar))
                } else if scalar < 0x800 {
                    byte(UInt8(0xC0 | scalar >> 6))
                    byte(UInt8(0x80 | scalar & 0x3F))
                } else if scalar < 0x10000 {
                    byte(UInt8(0xE0 | scalar >> 12))
                    byte(UInt8(0x80 | (scalar >> 6) & 0x3F))
                    byte(UInt8(0x80 | scalar & 0x3F))
                } else {
                    byte(UInt8(0xF0 | scalar >> 18))
                    byte(UInt8(0x80 | (scalar >> 12) & 0x3F))
                    byte(UInt8(0x80 | (scalar >> 6) & 0x3F))
                    byte(UInt8(0x80 | scalar & 0x3F))
                }
            default: byte(escape); i &+= 2
            }
            runStart = i
        }
        if runStart < end { run(raw + runStart, end &- runStart) }
    }

    /// The decoded text, for error messages only.
    func decodedString(_ token: StringToken, limit: Int = 80) -> String {
        var copy = self
        copy.decode(token)
        var text = String(decoding: copy.decoded, as: UTF8.self)
        if text.count > limit { text = String(text.prefix(limit)) + "…" }
        return text
    }

    /// Decodes a scanned (hence valid) string token into `decoded`, copying unescaped runs in bulk.
    mutating func decode(_ token: StringToken) {
        // Moved out and back so the walk (a read of self) and the appends do not overlap.
        var buffer = decoded
        decoded = []
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(token.decodedByteCount + 1)
        forEachDecodedPiece(
            of: token,
            run: { buffer.append(contentsOf: UnsafeRawBufferPointer(start: $0, count: $1)) },
            byte: { buffer.append($0) })
        decoded = buffer
    }

    /// The raw source bytes of a token (quotes included), for splicing into normalized output.
    func rawBytes(_ token: StringToken) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + token.start, count: token.end - token.start)
    }
}

/// Fast 64-bit hash (multiply-fold, 8 bytes per step) for duplicate detection. Collisions between
/// distinct texts are possible in theory (~n²/2⁶⁵) and would only cause a spurious warning.
enum ContentHash {
    @inline(__always) static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    static func hash(_ pointer: UnsafeRawPointer, count: Int, seed: UInt64 = 0) -> UInt64 {
        var state = fold(seed ^ 0xA076_1D64_78BD_642F, UInt64(truncatingIfNeeded: count) ^ 0xE703_7ED1_A0B4_28DB)
        var i = 0
        while i + 8 <= count {
            let word = UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            state = fold(state ^ word, 0x8EBC_6AF0_9C88_C6E3)
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < count {
            tail |= UInt64(pointer.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift += 8
            i += 1
        }
        return fold(state ^ tail ^ 0x5899_65CC_7537_4CC3, 0x1D8E_4E27_C47D_124F)
    }

    /// The same hash fed in pieces: equal to `hash` over the concatenated bytes, given their total
    /// `count` up front.
    struct Stream {
        private var state: UInt64
        private var pending: UInt64 = 0
        private var pendingCount = 0

        init(seed: UInt64, count: Int) {
            state = fold(seed ^ 0xA076_1D64_78BD_642F, UInt64(truncatingIfNeeded: count) ^ 0xE703_7ED1_A0B4_28DB)
        }

        @inline(__always) mutating func append(_ byte: UInt8) {
            pending |= UInt64(byte) &<< UInt64(truncatingIfNeeded: pendingCount &* 8)
            pendingCount &+= 1
            if pendingCount == 8 {
                state = fold(state ^ pending, 0x8EBC_6AF0_9C88_C6E3)
                pending = 0
                pendingCount = 0
            }
        }

        mutating func append(_ pointer: UnsafeRawPointer, count: Int) {
            var i = 0
            if pendingCount == 0 {
                while i &+ 8 <= count {
                    let word = UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    state = fold(state ^ word, 0x8EBC_6AF0_9C88_C6E3)
                    i &+= 8
                }
            } else {
                // Each full word completes the pending bytes, and its last `pendingCount` bytes become the
                // new pending ones.
                let shift = UInt64(truncatingIfNeeded: pendingCount &* 8)
                while i &+ 8 <= count {
                    let word = UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    state = fold(state ^ (pending | word &<< shift), 0x8EBC_6AF0_9C88_C6E3)
                    pending = word &>> (64 &- shift)
                    i &+= 8
                }
            }
            while i < count {
                append(pointer.load(fromByteOffset: i, as: UInt8.self))
                i &+= 1
            }
        }

        func finish() -> UInt64 { fold(state ^ pending ^ 0x5899_65CC_7537_4CC3, 0x1D8E_4E27_C47D_124F) }
    }

    static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 { fold(a ^ 0x9E37_79B9_7F4A_7C15, b ^ 0xD6E8_FEB8_6659_FD93) }
}
