import Testing
@testable import DistilleryCore

private func normalized(_ line: String, mode: DatasetMode = .chat) -> String? {
    let outcome = run(lines: [line], mode: mode)
    return outcome.sink.rows.first.map { String(decoding: $0.normalizedJSON, as: UTF8.self) }
}

@Test func preferredRowIsCopiedWithOnlyRoleAndContent() {
    let line = #"{"id":7,"messages":[{"role":"system","content":"S","name":"x"},{"content":"Hi \"there\"\n\u00e9 日本","role":"user"},{"role":"assistant","content":"A\/B"}],"meta":{"k":[1]}}"#
    #expect(normalized(line) == #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"Hi \"there\"\n\u00e9 日本"},{"role":"assistant","content":"A\/B"}]}"#)
}

@Test func legacyCompletionIsAppendedAsAnAssistantMessage() {
    let line = #"{"completion":"明日までに\ud83d\ude00","messages":[{"role":"system","content":"You translate."},{"role":"user","content":"Tomorrow?"}]}"#
    #expect(normalized(line) == #"{"messages":[{"role":"system","content":"You translate."},{"role":"user","content":"Tomorrow?"},{"role":"assistant","content":"明日までに\ud83d\ude00"}]}"#)
}

@Test func escapedRoleNamesAreWrittenCanonically() {
    let line = #"{"messages":[{"role":"sys\u0074em","content":"S"},{"role":"user","content":"U"},{"role":"assistan\u0074","content":"A"}]}"#
    #expect(normalized(line) == #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"U"},{"role":"assistant","content":"A"}]}"#)
}

@Test func whitespaceAroundTokensIsDropped() {
    let line = "  { \"messages\" : [ { \"role\" : \"system\" , \"content\" : \"S\" } ,\t{\"role\":\"user\",\"content\":\"U\"},{\"role\":\"assistant\",\"content\":\"A\"} ] }  "
    #expect(normalized(line) == #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"U"},{"role":"assistant","content":"A"}]}"#)
}

@Test func seedRowIsNormalized() {
    #expect(normalized(#"{"tag":1,"input":"Write a \"tagline\""}"#, mode: .seeds) == #"{"input":"Write a \"tagline\""}"#)
}

@Test func rowsAreNotCollectedUnlessAsked() {
    let outcome = run(Chat.file([Chat.valid()]), options: ValidationOptions(mode: .chat, collectRows: false))
    #expect(outcome.sink.rows.isEmpty)
    #expect(outcome.summary.examples == 1)
}

@Test func rowCarriesItsLineAndTokenEstimate() throws {
    let outcome = run(lines: ["", Chat.valid()])
    let row = try #require(outcome.sink.rows.first)
    #expect(row.line == 2)
    #expect(row.estimatedTokens == outcome.summary.estimatedTokens)
}
