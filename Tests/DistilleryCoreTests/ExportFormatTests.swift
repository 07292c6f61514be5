import Testing
@testable import DistilleryCore

/// One stored (normalized) row and what each format must write for it, spelled out by hand.
private struct ExportCase: Sendable, CustomTestStringConvertible {
    let name: String
    let body: String
    let openai: String
    let sharegpt: String
    let alpaca: String
    let csv: String
    var testDescription: String { name }
}

private let cases: [ExportCase] = [
    ExportCase(
        name: "single turn with system",
        body: #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"U"},{"role":"assistant","content":"A"}]}"#,
        openai: #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"U"},{"role":"assistant","content":"A"}]}"# + "\n",
        sharegpt: #"{"conversations":[{"from":"system","value":"S"},{"from":"human","value":"U"},{"from":"gpt","value":"A"}]}"# + "\n",
        alpaca: #"{"instruction":"U","input":"","output":"A","system":"S","history":[]}"# + "\n",
        csv: ",S,U,A,\r\n"),
    ExportCase(
        name: "single turn without system",
        body: #"{"messages":[{"role":"user","content":"U"},{"role":"assistant","content":"A"}]}"#,
        openai: #"{"messages":[{"role":"user","content":"U"},{"role":"assistant","content":"A"}]}"# + "\n",
        sharegpt: #"{"conversations":[{"from":"human","value":"U"},{"from":"gpt","value":"A"}]}"# + "\n",
        alpaca: #"{"instruction":"U","input":"","output":"A","system":"","history":[]}"# + "\n",
        csv: ",,U,A,\r\n"),
    ExportCase(
        name: "multi turn with system",
        body: #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"u1"},{"role":"assistant","content":"a1"},{"role":"user","content":"u2"},{"role":"assistant","content":"a2"}]}"#,
        openai: #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"u1"},{"role":"assistant","content":"a1"},{"role":"user","content":"u2"},{"role":"assistant","content":"a2"}]}"# + "\n",
        sharegpt: #"{"conversations":[{"from":"system","value":"S"},{"from":"human","value":"u1"},{"from":"gpt","value":"a1"},{"from":"human","value":"u2"},{"from":"gpt","value":"a2"}]}"# + "\n",
        alpaca: #"{"instruction":"u2","input":"","output":"a2","system":"S","history":[["u1","a1"]]}"# + "\n",
        csv: #",,,,"[{""role"":""system"",""content"":""S""},{""role"":""user"",""content"":""u1""},{""role"":""assistant"",""content"":""a1""},{""role"":""user"",""content"":""u2""},{""role"":""assistant"",""content"":""a2""}]""# + "\r\n"),
    ExportCase(
        name: "multi turn without system",
        body: #"{"messages":[{"role":"user","content":"u1"},{"role":"assistant","content":"a1"},{"role":"user","content":"u2"},{"role":"assistant","content":"a2"},{"role":"user","content":"u3"},{"role":"assistant","content":"a3"}]}"#,
        openai: #"{"messages":[{"role":"user","content":"u1"},{"role":"assistant","content":"a1"},{"role":"user","content":"u2"},{"role":"assistant","content":"a2"},{"role":"user","content":"u3"},{"role":"assistant","content":"a3"}]}"# + "\n",
        sharegpt: #"{"conversations":[{"from":"human","value":"u1"},{"from":"gpt","value":"a1"},{"from":"human","value":"u2"},{"from":"gpt","value":"a2"},{"from":"human","value":"u3"},{"from":"gpt","value":"a3"}]}"# + "\n",
        alpaca: #"{"instruction":"u3","input":"","output":"a3","system":"","history":[["u1","a1"],["u2","a2"]]}"# + "\n",
        csv: #",,,,"[{""role"":""user"",""content"":""u1""},{""role"":""assistant"",""content"":""a1""},{""role"":""user"",""content"":""u2""},{""role"":""assistant"",""content"":""a2""},{""role"":""user"",""content"":""u3""},{""role"":""assistant"",""content"":""a3""}]""# + "\r\n"),
    ExportCase(
        name: "quotes, commas, newlines, non-ASCII and emoji, escaped and raw",
        body: #"{"messages":[{"role":"system","content":"Say \"hi\", then stop"},{"role":"user","content":"line1\nline2\r\n\u00e9t\u00e9 日本 😀 \ud83d\ude00 a\/b \\ tab\t"},{"role":"assistant","content":"=SUM(1), -ok"}]}"#,
        openai: #"{"messages":[{"role":"system","content":"Say \"hi\", then stop"},{"role":"user","content":"line1\nline2\r\n\u00e9t\u00e9 日本 😀 \ud83d\ude00 a\/b \\ tab\t"},{"role":"assistant","content":"=SUM(1), -ok"}]}"# + "\n",
        sharegpt: #"{"conversations":[{"from":"system","value":"Say \"hi\", then stop"},{"from":"human","value":"line1\nline2\r\n\u00e9t\u00e9 日本 😀 \ud83d\ude00 a\/b \\ tab\t"},{"from":"gpt","value":"=SUM(1), -ok"}]}"# + "\n",
        alpaca: #"{"instruction":"line1\nline2\r\n\u00e9t\u00e9 日本 😀 \ud83d\ude00 a\/b \\ tab\t","input":"","output":"=SUM(1), -ok","system":"Say \"hi\", then stop","history":[]}"# + "\n",
        csv: ",\"Say \"\"hi\"\", then stop\",\"line1\nline2\r\nété 日本 😀 😀 a/b \\ tab\t\",\"=SUM(1), -ok\",\r\n"),
]

@Test(arguments: cases)
private func eachFormatWritesTheRowInItsShape(_ row: ExportCase) throws {
    let messages = try NormalizedChatRow.messages(Array(row.body.utf8))
    func written(_ format: ExportFormat) throws -> String {
        var out: [UInt8] = []
        try format.appendRow(messages, split: nil, isFirst: true, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
    #expect(try written(.openai) == row.openai)
    #expect(try written(.sharegpt) == row.sharegpt)
    #expect(try written(.alpaca) == row.alpaca)
    #expect(try written(.csv) == row.csv)
    #expect(try written(.json) == "\n" + row.openai.dropLast())
}

@Test func theOpenAILineIsTheStoredBodyByteForByte() throws {
    for row in cases {
        var out: [UInt8] = []
        try ExportFormat.openai.appendRow(try NormalizedChatRow.messages(Array(row.body.utf8)), split: nil, isFirst: true, to: &out)
        #expect(out == Array(row.body.utf8) + [0x0A])
    }
}

@Test func jsonRowsAfterTheFirstAreCommaSeparatedInsideTheArray() throws {
    let messages = try NormalizedChatRow.messages(Array(cases[0].body.utf8))
    var out = ExportFormat.json.header
    try ExportFormat.json.appendRow(messages, split: nil, isFirst: true, to: &out)
    try ExportFormat.json.appendRow(messages, split: nil, isFirst: false, to: &out)
    out += ExportFormat.json.footer
    let line = #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"U"},{"role":"assistant","content":"A"}]}"#
    #expect(String(decoding: out, as: UTF8.self) == "[\n\(line),\n\(line)\n]\n")
    #expect(String(decoding: ExportFormat.json.header + ExportFormat.json.footer, as: UTF8.self) == "[\n]\n")
}

@Test func csvHeaderAndSplitColumn() throws {
    #expect(String(decoding: ExportFormat.csv.header, as: UTF8.self) == "split,system,user,assistant,messages\r\n")
    var out: [UInt8] = []
    try ExportFormat.csv.appendRow(try NormalizedChatRow.messages(Array(cases[0].body.utf8)), split: "train", isFirst: true, to: &out)
    #expect(String(decoding: out, as: UTF8.self) == "train,S,U,A,\r\n")
}

@Test(arguments: [
    #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"u1"},{"role":"user","content":"u2"},{"role":"assistant","content":"a"}]}"#,
    #"{"messages":[{"role":"system","content":"S"},{"role":"assistant","content":"a"}]}"#,
    #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"u"},{"role":"system","content":"S2"},{"role":"assistant","content":"a"}]}"#,
])
func alpacaRefusesRowsThatDoNotAlternate(_ body: String) throws {
    let messages = try NormalizedChatRow.messages(Array(body.utf8))
    var out: [UInt8] = []
    #expect(throws: ExportError.notAlternating) { try ExportFormat.alpaca.appendRow(messages, split: nil, isFirst: true, to: &out) }
    // Such a row still exports as CSV, whole, in the messages column.
    var csv: [UInt8] = []
    try ExportFormat.csv.appendRow(messages, split: nil, isFirst: true, to: &csv)
    #expect(String(decoding: csv, as: UTF8.self).hasPrefix(",,,,\"[{\"\"role\"\":\"\"system\"\""))
}

@Test(arguments: [
    ("", "the row is not a normalized chat row: expected {\"messages\":[ at byte 0"),
    (#"{"input":"x"}"#, "the row is not a normalized chat row: expected {\"messages\":[ at byte 0"),
    (#"{"messages":[{"role":"tool","content":"x"}]}"#, "the row is not a normalized chat row: unknown role \"tool\""),
    (#"{"messages":[{"role":"user","content":"x}]}"#, "the row is not a normalized chat row: unterminated string"),
    (#"{"messages":[{"role":"user","content":"x"}]} "#, "the row is not a normalized chat row: bytes after the closing brace"),
])
func malformedStoredRowsAreNamed(_ body: String, _ message: String) {
    #expect(throws: (any Error).self) { try NormalizedChatRow.messages(Array(body.utf8)) }
    do {
        _ = try NormalizedChatRow.messages(Array(body.utf8))
    } catch {
        #expect(error.description == message)
    }
}

@Test(arguments: [
    (nil, ExportFormat.openai), ("", .openai), ("openai", .openai), ("json", .json), ("csv", .csv), ("sharegpt", .sharegpt),
    ("alpaca", .alpaca), ("bundle", .bundle),
] as [(String?, ExportFormat)])
func formatNamesParse(_ value: String?, _ expected: ExportFormat) throws {
    #expect(try ExportFormat.parse(value) == expected)
}

@Test func anUnknownFormatIsNamedWithTheChoices() {
    #expect(throws: ExportError.unknownFormat("CSV")) { try ExportFormat.parse("CSV") }
    #expect(ExportError.unknownFormat("xml").description == "format must be one of openai, json, csv, sharegpt, alpaca, bundle; found \"xml\"")
}

@Test(arguments: [
    (#""plain""#, "plain"),
    (#""a\"b\\c\/d""#, "a\"b\\c/d"),
    (#""\n\r\t\b\f""#, "\n\r\t\u{08}\u{0C}"),
    (#""\u00e9\u65e5""#, "é日"),
    (#""\ud83d\ude00 😀""#, "😀 😀"),
])
func jsonStringLiteralsDecode(_ literal: String, _ text: String) {
    #expect(JSONStringLiteral.decode(Array(literal.utf8)[...]) == Array(text.utf8))
}
