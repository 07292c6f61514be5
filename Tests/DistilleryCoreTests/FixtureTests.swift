import Foundation
import Testing
@testable import DistilleryCore

/// Fixtures/broken_chat.jsonl: two good lines, then one of each common mistake (first three lines CRLF).
@Test func brokenFixtureYieldsExactlyTheExpectedErrors() throws {
    let url = try #require(Bundle.module.url(forResource: "broken_chat", withExtension: "jsonl", subdirectory: "Fixtures"))
    let bytes = try [UInt8](Data(contentsOf: url))
    let outcome = run(bytes, options: ValidationOptions(mode: .chat))
    let expected: [(Int, String, String)] = [
        (3, "", "invalid_json"),
        (5, "messages[0].role", "first_role_not_system"),
        (6, "messages", "missing_assistant_turn"),
        (7, "messages[1].content", "empty_content"),
        (8, "", "invalid_json"),
        (9, "messages[1].role", "invalid_role"),
        (10, "completion", "completion_conflict"),
        (11, "", "lone_surrogate"),
        (12, "", "invalid_utf8"),
        (13, "", "not_an_object"),
        (14, "messages[1].content", "duplicate_key"),
        (15, "messages", "messages_not_array"),
        (16, "completion", "completion_not_string"),
        (16, "completion", "completion_conflict"),
    ]
    let actual = outcome.errors.map { ($0.line, $0.field, $0.code) }
    #expect(actual.count == expected.count)
    for (got, want) in zip(actual, expected) {
        #expect(got == want)
    }
    let summary = outcome.summary
    #expect(summary.lines == 16)
    #expect(summary.blankLines == 1)
    #expect(summary.examples == 2)
    #expect(summary.invalidLines == 13)
    #expect(summary.errorCount == 14)
    #expect(summary.status == .invalid)
    #expect(summary.datasetErrors.map(\.code) == ["too_few_examples"])
    #expect(summary.warnings.first { $0.code == "crlf_line_endings" }?.lines == [1, 2, 3])
    #expect(outcome.errors[0].message == "byte 111: expected a value after ',' (trailing commas are not allowed), found ']'")
}

@Test func tenMegabyteLineIsHandled() {
    // A 10 MB string: parsed in full, rejected for its size with the decoded byte count.
    let huge = String(repeating: "0123456789", count: 1_000_000)
    let big = Chat.line(Chat.message("system", "S"), Chat.message("user", huge), Chat.message("assistant", "A"))
    let outcome = run(lines: [big, Chat.valid(2)])
    #expect(outcome.errors.map(\.code) == ["content_too_large"])
    #expect(outcome.errors.first?.message.contains("10000000 bytes") == true)
    #expect(outcome.summary.examples == 1)

    // A 10 MB line of many small messages: valid JSON, but far over the context window.
    let turns = String(repeating: "," + Chat.message("user", "q") + "," + Chat.message("assistant", "a"), count: 160_000)
    let long = #"{"messages":[\#(Chat.message("system", "S"))\#(turns)]}"#
    #expect(long.utf8.count > 10_000_000)
    let many = run(lines: [long])
    #expect(many.errors.map(\.code) == ["context_window_exceeded"])
}
