import DistilleryCore
import Testing

/// The exact-key redaction applied to everything a teacher sends back: every form a key can take in
/// an echoed `Authorization` header, for keys the key-shaped heuristic cannot recognise.
struct ExactSecretRedactionTests {
    static func redact(_ text: String, key: String) -> String? {
        Array(key.utf8).withUnsafeBytes { secret in
            ExactSecretRedaction.redact(Array(text.utf8), secret: secret).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test(arguments: [
        // (key, teacher text, expected text after redaction)
        ("abcdefgh", #"Incorrect API key provided: Bearer abcdefgh"#, #"Incorrect API key provided: Bearer [redacted]"#),
        ("abcdefgh", "abcdefghabcdefgh and abcdefgh.", "[redacted][redacted] and [redacted]."),
        ("a/b+c=d", "sent a%2Fb%2Bc%3Dd and a%2fb%2bc%3dd", "sent [redacted] and [redacted]"),
        ("a/b+c=d", #"{"error":"Bearer a\/b+c=d"}"#, #"{"error":"Bearer [redacted]"}"#),
        ("a/b+c=d", #"{"error":"\u0061\u002F\u0062\u002b\u0063\u003D\u0064"}"#, #"{"error":"[redacted]"}"#),
        ("a/b+c=d", #"{"error":"{\"detail\":\"a\\/b+c=d\"}"}"#, #"{"error":"{\"detail\":\"[redacted]\"}"}"#),
        ("a/b+c=d", #"nested \\u0061/b+c=d"#, #"nested [redacted]"#),
        ("a/b+c=d", "mixed a%2F\\u0062+c&#61;d", "mixed [redacted]"),
        ("k&y<1>", "<p>Bearer k&amp;y&lt;1&gt;</p> or k&#38;y&#x3C;1&#62;", "<p>Bearer [redacted]</p> or [redacted]"),
        ("q\"\\z", #"{"m":"q\"\\z"}"#, #"{"m":"[redacted]"}"#),
        ("q\\z", #"{"m":"{\"k\":\"q\\\\z\"}"}"#, #"{"m":"{\"k\":\"[redacted]\"}"}"#),
        (String(repeating: "Xy", count: 20), "key=" + String(repeating: "Xy", count: 20) + ";", "key=[redacted];"),
    ])
    func everyFormOfTheKeyIsReplaced(key: String, text: String, expected: String) {
        #expect(Self.redact(text, key: key) == expected)
    }

    @Test(arguments: [
        ("abcdefgh", "abcdefg is only a prefix; ABCDEFGH differs in case"),
        ("a/b", "a%2Gb is no escape; a\\xb neither"),
        ("abc", ""),
    ])
    func textWithoutTheKeyIsLeftAloneAndNotCopied(key: String, text: String) {
        #expect(Self.redact(text, key: key) == nil)
    }

    @Test func anEmptySecretMatchesNothing() {
        #expect(Self.redact("anything", key: "") == nil)
    }

    @Test func aHostileRunOfBackslashesStaysLinear() {
        // Uncapped, each of the 400,000 positions would scan the rest of the run (about 10^11 steps).
        let text = String(repeating: "\\", count: 400_000) + "x"
        #expect(Self.redact(text, key: "\\/k") == nil)
        #expect(Self.redact(text, key: "q/k") == nil)
    }

    @Test func aLongKeyInABigBodyIsFoundWherever() {
        let key = String((0..<200).map { Character(UnicodeScalar(UInt8(33 + ($0 * 7) % 90))) }).filter { $0 != "\\" && $0 != "\"" }
        let filler = String(repeating: "lorem ipsum ", count: 5_000)
        let text = filler + key + filler + key.replacingOccurrences(of: "/", with: "\\/")
        let redacted = Self.redact(text, key: key)
        #expect(redacted == filler + "[redacted]" + filler + "[redacted]")
    }
}
