import Testing
@testable import DistilleryCore

let seedCases: [(String, [FieldCode])] = [
    (#"{"input":"Write a tagline."}"#, []),
    (#"{"input":"x","source":"crm"}"#, []),
    (#"{"prompt":"x"}"#, [.init("input", "missing_input")]),
    (#"{"input":42}"#, [.init("input", "input_not_string")]),
    (#"{"input":null}"#, [.init("input", "input_not_string")]),
    (#"{"input":""}"#, [.init("input", "empty_input")]),
    (#"{"input":" \t\n"}"#, [.init("input", "whitespace_input")]),
    (#"{"input":"\u3000\u00a0"}"#, [.init("input", "whitespace_input")]),
    (#"{"input":"x","input":"y"}"#, [.init("input", "duplicate_key")]),
    (#"["x"]"#, [.init("", "not_an_object")]),
    (#"{"input":"x",}"#, [.init("", "invalid_json")]),
    (#"{"input":"\ud800"}"#, [.init("", "lone_surrogate")]),
]

@Test(arguments: seedCases)
func seedRule(_ line: String, _ expected: [FieldCode]) {
    #expect(run(lines: [line], mode: .seeds).fieldCodes == expected, "\(line)")
}

@Test func seedInputLimitIs64KiB() {
    let exactly = String(repeating: "a", count: 65_536)
    #expect(run(lines: [#"{"input":"\#(exactly)"}"#], mode: .seeds).errors.isEmpty)
    #expect(run(lines: [#"{"input":"\#(exactly)a"}"#], mode: .seeds).fieldCodes == [.init("input", "content_too_large")])
}

@Test func seedsStatusAndWarnings() throws {
    let outcome = run(lines: [#"{"input":"a"}"#, #"{"input":"b","id":1}"#, "", #"{"input":"a"}"#, #"{"input":"\u0061"}"#], mode: .seeds)
    #expect(outcome.summary.status == .validSeeds)
    #expect(outcome.summary.examples == 4)
    #expect(outcome.summary.datasetErrors.isEmpty)
    let duplicates = try #require(outcome.summary.warnings.first { $0.code == "duplicate_input" })
    #expect(duplicates.lines == [4, 5])
    #expect(duplicates.relatedLines == [1, 1])
    #expect(duplicates.message.contains("line 4 repeats line 1"))
    let unknown = try #require(outcome.summary.warnings.first { $0.code == "unknown_key" })
    #expect(unknown.lines == [2])
    #expect(unknown.message.contains("\"id\""))
    // No chat-only warnings in seeds mode.
    #expect(!outcome.summary.warnings.contains { $0.code == "few_examples" })
}

@Test func seedsNeedAtLeastOneSeed() {
    let empty = run([], options: ValidationOptions(mode: .seeds))
    #expect(empty.summary.status == .invalid)
    #expect(empty.summary.datasetErrors.map(\.code) == ["no_seeds"])
    let bad = run(lines: [#"{"input":""}"#, #"{"input":"ok"}"#], mode: .seeds)
    #expect(bad.summary.status == .invalid)
    #expect(bad.summary.datasetErrors.isEmpty)
}

@Test func skillPromptIsRequiredAndBounded() {
    #expect(validateSkillPrompt("You are a marketing copywriter.") == nil)
    #expect(validateSkillPrompt("")?.contains("required") == true)
    #expect(validateSkillPrompt(" \n\t\u{3000}")?.contains("required") == true)
    #expect(validateSkillPrompt(String(repeating: "é", count: 32_768)) == nil)
    #expect(validateSkillPrompt(String(repeating: "é", count: 32_768) + "x")?.contains("65537 bytes") == true)
}
