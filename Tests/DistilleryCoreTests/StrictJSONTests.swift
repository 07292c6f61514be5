import Testing
@testable import DistilleryCore

struct SyntaxCase: Sendable, CustomStringConvertible {
    let line: String
    let code: String
    /// A fragment the message must contain (byte column, what was expected).
    let mentions: String
    var description: String { line.count > 60 ? String(line.prefix(60)) + "…" : line }
}

private let valid = Chat.valid()
/// A valid line with `value` under an extra key, so only the JSON syntax is under test.
private func withExtra(_ value: String) -> String { String(valid.dropLast()) + #","x":\#(value)}"# }

let syntaxCases: [SyntaxCase] = [
    .init(line: String(valid.dropLast()) + ",}", code: "invalid_json", mentions: "expected a string key after ','"),
    .init(line: withExtra("[1,2,]"), code: "invalid_json", mentions: "trailing commas"),
    .init(line: withExtra("[,1]"), code: "invalid_json", mentions: "expected a value"),
    .init(line: #"{'messages':[]}"#, code: "invalid_json", mentions: "byte 2: expected a string key or '}', found '''"),
    .init(line: withExtra("'single'"), code: "invalid_json", mentions: "expected a value"),
    .init(line: withExtra("NaN"), code: "invalid_json", mentions: "found 'N'"),
    .init(line: withExtra("Infinity"), code: "invalid_json", mentions: "expected a value"),
    .init(line: withExtra("-Infinity"), code: "invalid_json", mentions: "expected a digit"),
    .init(line: withExtra("01"), code: "invalid_json", mentions: "leading zeros"),
    .init(line: withExtra("-012"), code: "invalid_json", mentions: "leading zeros"),
    .init(line: withExtra("1."), code: "invalid_json", mentions: "expected a digit after '.'"),
    .init(line: withExtra(".5"), code: "invalid_json", mentions: "expected a value"),
    .init(line: withExtra("1e"), code: "invalid_json", mentions: "exponent"),
    .init(line: withExtra("+1"), code: "invalid_json", mentions: "expected a value"),
    .init(line: withExtra("0x10"), code: "invalid_json", mentions: "expected ',' or '}'"),
    .init(line: withExtra("tru"), code: "invalid_json", mentions: "expected 'true'"),
    .init(line: withExtra("True"), code: "invalid_json", mentions: "expected a value"),
    .init(line: withExtra("nul"), code: "invalid_json", mentions: "expected 'null'"),
    .init(line: withExtra(#""\x""#), code: "invalid_json", mentions: "invalid escape"),
    .init(line: withExtra(#""\u12""#), code: "invalid_json", mentions: "4 hex digits"),
    .init(line: withExtra(#""\u12G4""#), code: "invalid_json", mentions: "4 hex digits"),
    .init(line: withExtra("\"tab\there\""), code: "invalid_json", mentions: "raw control character 0x09"),
    .init(line: withExtra("\"nul\u{0}\""), code: "invalid_json", mentions: "raw control character 0x00"),
    .init(line: withExtra("1 /* comment */"), code: "invalid_json", mentions: "found '/'"),
    .init(line: valid + " // comment", code: "invalid_json", mentions: "expected end of line"),
    .init(line: valid + valid, code: "invalid_json", mentions: "expected end of line"),
    .init(line: #"{"messages" []}"#, code: "invalid_json", mentions: "byte 13: expected ':' after an object key, found '['"),
    .init(line: #"{messages:[]}"#, code: "invalid_json", mentions: "expected a string key"),
    .init(line: String(valid.dropLast()), code: "invalid_json", mentions: "found end of line"),
    .init(line: #"{"messages":"abc"#, code: "invalid_json", mentions: "unterminated string"),
    .init(line: #"{"a":1 "b":2}"#, code: "invalid_json", mentions: "expected ',' or '}' after an object member"),
    .init(line: withExtra(#""\ud800""#), code: "lone_surrogate", mentions: "high surrogate \\uD800"),
    .init(line: withExtra(#""\ud800\u0041""#), code: "lone_surrogate", mentions: "not followed by a low surrogate"),
    .init(line: withExtra(#""\ud800x""#), code: "lone_surrogate", mentions: "not followed"),
    .init(line: withExtra(#""\udc00""#), code: "lone_surrogate", mentions: "low surrogate \\uDC00"),
    .init(line: withExtra(#""\ud83d\ud83d""#), code: "lone_surrogate", mentions: "not followed"),
    .init(line: withExtra(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)), code: "nesting_too_deep", mentions: "deeper than 64"),
    .init(line: withExtra(String(repeating: "[", count: 100_000)), code: "nesting_too_deep", mentions: "deeper than 64"),
    .init(line: withExtra(String(repeating: #"{"a":"#, count: 70) + "1" + String(repeating: "}", count: 70)), code: "nesting_too_deep", mentions: "deeper than 64"),
]

@Test(arguments: syntaxCases)
func strictJSONRejects(_ testCase: SyntaxCase) throws {
    let errors = run(Chat.file([testCase.line]), options: ValidationOptions(mode: .chat)).errors
    #expect(errors.count == 1)
    let error = try #require(errors.first)
    #expect(error.code == testCase.code)
    #expect(error.field == "")
    #expect(error.line == 1)
    #expect(error.message.contains(testCase.mentions), "\(error.message)")
}

@Test(arguments: [
    "0", "-0", "1.5", "-1.5e+10", "1E5", "0.0e-0", "123456789012345678901234567890", "true", "false", "null",
    #""\"\\\/\b\f\n\r\t""#, #""\ud83d\ude00 \u00e9 \u0000""#, "[]", "{}", #"[{"a":[{"b":null}]}]"#, " [ 1 , 2 ] ",
])
func strictJSONAccepts(_ value: String) {
    #expect(chatErrors(withExtra(value)).isEmpty, "\(value)")
}

@Test func nestingExactlyAtTheLimitIsAccepted() {
    // The line's object is depth 1 and the value of "x" starts at depth 2, so 63 brackets reach 64.
    let deepest = withExtra(String(repeating: "[", count: 63) + String(repeating: "]", count: 63))
    #expect(chatErrors(deepest).isEmpty)
}

@Test func syntaxErrorNamesTheByteColumn() throws {
    let errors = run(Chat.file([#"{"a":1,}"#]), options: ValidationOptions(mode: .chat)).errors
    let message = try #require(errors.first?.message)
    #expect(message == "byte 8: expected a string key after ',', found '}'")
}

@Test func syntaxErrorSuppressesSchemaErrors() {
    // The schema problems before the syntax error are not reported: the line is not JSON at all.
    let line = #"{"messages":[{"role":"bot","content":""}],}"#
    #expect(chatErrors(line).map(\.code) == ["invalid_json"])
}

// MARK: UTF-8

struct UTF8Case: Sendable, CustomStringConvertible {
    let name: String
    let bytes: [UInt8]
    let mentions: String?
    var description: String { name }
}

let invalidUTF8Cases: [UTF8Case] = [
    .init(name: "overlong 2-byte", bytes: [0xC0, 0xAF], mentions: "overlong"),
    .init(name: "overlong C1", bytes: [0xC1, 0xBF], mentions: "overlong"),
    .init(name: "overlong 3-byte", bytes: [0xE0, 0x80, 0xAF], mentions: "overlong"),
    .init(name: "overlong 4-byte", bytes: [0xF0, 0x80, 0x80, 0xAF], mentions: "overlong"),
    .init(name: "UTF-8 encoded high surrogate", bytes: [0xED, 0xA0, 0x80], mentions: "surrogate"),
    .init(name: "UTF-8 encoded low surrogate", bytes: [0xED, 0xBF, 0xBF], mentions: "surrogate"),
    .init(name: "above U+10FFFF via F4", bytes: [0xF4, 0x90, 0x80, 0x80], mentions: "above U+10FFFF"),
    .init(name: "F5 lead byte", bytes: [0xF5, 0x80, 0x80, 0x80], mentions: "above U+10FFFF"),
    .init(name: "FF byte", bytes: [0xFF], mentions: nil),
    .init(name: "lone continuation", bytes: [0x80], mentions: "continuation"),
    .init(name: "truncated 3-byte", bytes: [0xE6, 0x97], mentions: "truncated"),
    .init(name: "truncated 4-byte", bytes: [0xF0, 0x9F, 0x98], mentions: "truncated"),
    .init(name: "lead followed by ASCII", bytes: [0xC3, 0x41], mentions: "truncated"),
    .init(name: "invalid in the middle of a long ASCII run", bytes: Array(repeating: 0x61, count: 37) + [0xC0, 0x80] + Array(repeating: 0x61, count: 20), mentions: "overlong"),
]

@Test(arguments: invalidUTF8Cases)
func invalidUTF8IsRejected(_ testCase: UTF8Case) throws {
    let errors = chatErrors(bytes: lineWithUserContent(testCase.bytes))
    let error = try #require(errors.first)
    #expect(errors.count == 1)
    #expect(error.code == "invalid_utf8")
    #expect(error.field == "")
    if let mentions = testCase.mentions { #expect(error.message.contains(mentions), "\(error.message)") }
}

@Test func invalidUTF8ReportsItsByteColumn() throws {
    let prefix = lineWithUserContent([]).count - #""},{"role":"assistant","content":"A"}]}"#.utf8.count
    let errors = chatErrors(bytes: lineWithUserContent([0x61, 0xC0, 0xAF]))
    #expect(errors.first?.message.hasPrefix("byte \(prefix + 2):") == true, "\(errors.first?.message ?? "")")
}

@Test func nonASCIIOutsideStringsIsASyntaxError() {
    let errors = chatErrors(bytes: Array(#"{"messages":[]"#.utf8) + [0xC3, 0xA9] + [0x7D])
    #expect(errors.map(\.code) == ["invalid_json"])
}

@Test(arguments: [
    ("é", [0xC3, 0xA9] as [UInt8]), ("日", [0xE6, 0x97, 0xA5]), ("😀", [0xF0, 0x9F, 0x98, 0x80]),
    ("U+FFFF", [0xEF, 0xBF, 0xBF]), ("U+10FFFF", [0xF4, 0x8F, 0xBF, 0xBF]), ("U+E000", [0xEE, 0x80, 0x80]),
])
func validUTF8IsAccepted(_ name: String, _ bytes: [UInt8]) {
    #expect(chatErrors(bytes: lineWithUserContent(bytes + Array("long enough ascii tail".utf8))).isEmpty, "\(name)")
}
