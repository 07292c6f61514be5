/// Removes one exact secret (a teacher API key) from text that a teacher sent back, in every form the
/// key can take there: raw (also after `Bearer `), percent-encoded (`%2F`, either case), JSON-escaped
/// (`\/`, `\"`, `\\`, `\u002F`, also nested: `\\/`) and HTML-escaped (`&#47;`, `&#x2F;`, `&amp;`, ...), mixed freely
/// within one occurrence. Some providers and proxies echo the `Authorization` header in their error
/// bodies; a short key or one without digits slips past the key-shaped heuristic of `SecretRedaction`,
/// so this exact match is the first line and the heuristic the second.
///
/// Works on bytes and reads the secret through a raw buffer, so the caller can keep the key in guarded
/// memory (`SecureBytes`) and never turn it into a Swift `String`. Matching is a small NFA walk per
/// start position (each key byte may be consumed by any of its forms), linear in practice: a position
/// that cannot start the key is rejected by its first byte.
///
/// Multi-byte (non-ASCII) key bytes are matched raw and percent-encoded only; JSON and HTML escape the
/// code point, not its bytes, and keys are printable ASCII in practice (the dialog enforces it).
public enum ExactSecretRedaction {
    public static let replacement: [UInt8] = Array("[redacted]".utf8)
    static let maxEscapeRun = 8

    /// `text` with every occurrence of `secret` (in any form) replaced by `[redacted]`, or nil when the
    /// text holds none (the common case: no copy is made). An empty secret matches nothing.
    public static func redact(_ text: [UInt8], secret: UnsafeRawBufferPointer) -> [UInt8]? {
        guard !secret.isEmpty, !text.isEmpty else { return nil }
        let key = secret.bindMemory(to: UInt8.self)
        return text.withUnsafeBufferPointer { haystack -> [UInt8]? in
            var output: [UInt8]?
            var copiedUpTo = 0
            var position = 0
            while position < haystack.count {
                // Most positions cannot start the key in any form: skip them without the NFA walk.
                let first = haystack[position]
                guard first == key[0] || first == UInt8(ascii: "%") || first == UInt8(ascii: "\\") || first == UInt8(ascii: "&"),
                    let end = matchEnd(haystack, from: position, key: key)
                else {
                    position += 1
                    continue
                }
                if output == nil { output = []; output!.reserveCapacity(haystack.count) }
                output!.append(contentsOf: haystack[copiedUpTo..<position])
                output!.append(contentsOf: replacement)
                copiedUpTo = end
                position = end
            }
            guard var result = output else { return nil }
            result.append(contentsOf: haystack[copiedUpTo...])
            return result
        }
    }

    /// The end of the longest occurrence of `key` starting exactly at `start`, or nil.
    static func matchEnd(_ text: UnsafeBufferPointer<UInt8>, from start: Int, key: UnsafeBufferPointer<UInt8>) -> Int? {
        // Positions in `text` reachable after consuming the key's first `index` bytes.
        var reachable = [start]
        var next: [Int] = []
        for keyByte in key {
            next.removeAll(keepingCapacity: true)
            for position in reachable {
                forEachForm(of: keyByte, in: text, at: position) { end in
                    if !next.contains(end) { next.append(end) }
                }
            }
            if next.isEmpty { return nil }
            swap(&reachable, &next)
        }
        return reachable.max()
    }

    /// Calls `found(end)` for each encoding of `byte` that appears at `position`.
    private static func forEachForm(of byte: UInt8, in text: UnsafeBufferPointer<UInt8>, at position: Int, _ found: (Int) -> Void) {
        guard position < text.count else { return }
        let first = text[position]
        if first == byte { found(position + 1) }
        switch first {
        case UInt8(ascii: "%"):
            if let value = hexValue(text, position + 1, digits: 2), value == Int(byte) { found(position + 3) }
        case UInt8(ascii: "\\"):
            // JSON escapes, nested too: a JSON text quoted inside a JSON string doubles its backslashes
            // (`\\/`, `\\u002F`), so a short run of backslashes may introduce the escape. Runs are capped,
            // and a key's own backslash has only three forms: a teacher sending a megabyte of backslashes
            // must not make this quadratic.
            var run = 0
            while run < maxEscapeRun && position + run < text.count && text[position + run] == first { run += 1 }
            if byte == first {
                for length in [2, 4] where length <= run { found(position + length) }
            }
            guard byte < 0x80, position + run < text.count else { return }
            let escape = text[position + run]
            if escape == UInt8(ascii: "u") {
                if let value = hexValue(text, position + run + 1, digits: 4), value == Int(byte) { found(position + run + 5) }
            } else if byte != first, let short = jsonShortEscape(byte), short == escape {
                found(position + run + 1)
            }
        case UInt8(ascii: "&"):
            guard byte < 0x80 else { return }
            if let end = htmlEntityEnd(text, at: position, for: byte) { found(end) }
        default:
            return
        }
    }

    private static func jsonShortEscape(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return byte
        case 0x08: return UInt8(ascii: "b")
        case 0x0C: return UInt8(ascii: "f")
        case 0x0A: return UInt8(ascii: "n")
        case 0x0D: return UInt8(ascii: "r")
        case 0x09: return UInt8(ascii: "t")
        default: return nil
        }
    }

    private static let namedEntities: [(name: [UInt8], byte: UInt8)] = [
        (Array("amp;".utf8), UInt8(ascii: "&")), (Array("lt;".utf8), UInt8(ascii: "<")), (Array("gt;".utf8), UInt8(ascii: ">")),
        (Array("quot;".utf8), UInt8(ascii: "\"")), (Array("apos;".utf8), UInt8(ascii: "'")),
    ]

    /// `&#47;`, `&#x2F;` or a named entity for `byte` at `position` (which holds `&`): its end, or nil.
    private static func htmlEntityEnd(_ text: UnsafeBufferPointer<UInt8>, at position: Int, for byte: UInt8) -> Int? {
        var cursor = position + 1
        guard cursor < text.count else { return nil }
        if text[cursor] == UInt8(ascii: "#") {
            cursor += 1
            let hex = cursor < text.count && (text[cursor] | 0x20) == UInt8(ascii: "x")
            if hex { cursor += 1 }
            var value = 0
            let digitsStart = cursor
            while cursor < text.count, cursor - digitsStart < 7, let digit = digitValue(text[cursor], hex: hex) {
                value = value * (hex ? 16 : 10) + digit
                cursor += 1
            }
            guard cursor > digitsStart, cursor < text.count, text[cursor] == UInt8(ascii: ";"), value == Int(byte) else { return nil }
            return cursor + 1
        }
        for entity in namedEntities where entity.byte == byte {
            let end = cursor + entity.name.count
            if end <= text.count && text[cursor..<end].elementsEqual(entity.name) { return end }
        }
        return nil
    }

    private static func hexValue(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, digits: Int) -> Int? {
        guard start + digits <= text.count else { return nil }
        var value = 0
        for index in start..<(start + digits) {
            guard let digit = digitValue(text[index], hex: true) else { return nil }
            value = value * 16 + digit
        }
        return value
    }

    private static func digitValue(_ byte: UInt8, hex: Bool) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: return Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: return Int(byte - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }
}
