import Foundation
import Testing
@testable import DistilleryCore

private func validLines(_ count: Int, from start: Int = 1) -> [String] {
    (start..<(start + count)).map { Chat.valid($0) }
}

@Test func hundredExamplesIsTheFloor() {
    let below = run(lines: validLines(99))
    #expect(below.summary.status == .invalid)
    #expect(below.summary.datasetErrors.map(\.code) == ["too_few_examples"])
    #expect(below.summary.datasetErrors.first?.message.contains("99 valid examples") == true)
    #expect(below.summary.errorCount == 0)

    let floor = run(lines: validLines(100))
    #expect(floor.summary.status == .validWithWarnings)
    #expect(floor.summary.datasetErrors.isEmpty)
    #expect(floor.summary.warnings.map(\.code) == ["few_examples"])
}

@Test func aThousandCleanExamplesIsValid() {
    let outcome = run(lines: validLines(1000))
    #expect(outcome.summary.status == .valid)
    #expect(outcome.summary.warnings.isEmpty)
    #expect(outcome.summary.examples == 1000)
}

@Test func anyLineErrorMakesTheDatasetInvalid() {
    let outcome = run(lines: validLines(1000) + [#"{"messages":[]}"#])
    #expect(outcome.summary.status == .invalid)
    #expect(outcome.summary.invalidLines == 1)
    #expect(outcome.summary.examples == 1000)
}

@Test func countsAndTokenEstimates() {
    // system "S": 1 + 4; user "abcdefgh": 2 + 4; assistant "日本": 2 + 4 → 17.
    let row = Chat.line(Chat.message("system", "S"), Chat.message("user", "abcdefgh"), Chat.message("assistant", "日本"))
    // legacy: system "S" 5, user "abcde" 2 + 4, completion "é" 1 + 4 → 16.
    let legacy = Chat.line(Chat.message("system", "S"), Chat.message("user", "abcde"), extra: #","completion":"\u00e9""#)
    let outcome = run(lines: [row, "", legacy, "not json"])
    let summary = outcome.summary
    #expect(summary.lines == 4)
    #expect(summary.blankLines == 1)
    #expect(summary.examples == 2)
    #expect(summary.invalidLines == 1)
    #expect(summary.messages == 6)
    #expect(summary.estimatedTokens == 33)
    #expect(summary.maxExampleTokens == 17)
    #expect(outcome.sink.rows.map(\.estimatedTokens) == [17, 16])
    #expect(summary.tokensAreEstimates)
    #expect(summary.baseModelID == "llama-3.1-8b-instruct")
    #expect(summary.contextWindow == 131_072)
    #expect(summary.mode == .chat)
    #expect(TokenEstimator.estimate("abcdefgh日本") == 4)
}

@Test func duplicateUserContentNamesTheLines() throws {
    var lines = validLines(10)
    lines[6] = Chat.valid(3, assistant: "a different answer")      // line 7 repeats line 3
    lines[8] = Chat.line(Chat.message("system", "other"), Chat.message("user", "question 3"), Chat.message("assistant", "B"))  // line 9 too
    lines[9] = Chat.line(Chat.message("system", "S"), Chat.message("user", "question \\u0031"), Chat.message("assistant", "B"))  // line 10 repeats line 1 via an escape
    let warning = try #require(run(lines: lines).summary.warnings.first { $0.code == "duplicate_user_content" })
    #expect(warning.count == 3)
    #expect(warning.lines == [7, 9, 10])
    #expect(warning.relatedLines == [3, 3, 1])
    #expect(warning.message.contains("line 7 repeats line 3, line 9 repeats line 3, line 10 repeats line 1"))
}

@Test func multiTurnRowsCompareAllTheirUserTurns() {
    let a = Chat.line(Chat.message("system", "S"), Chat.message("user", "hi"), Chat.message("assistant", "A"),
                      Chat.message("user", "more"), Chat.message("assistant", "B"))
    let b = Chat.line(Chat.message("system", "S"), Chat.message("user", "hi"), Chat.message("assistant", "A"),
                      Chat.message("user", "less"), Chat.message("assistant", "B"))
    let c = Chat.line(Chat.message("system", "S"), Chat.message("user", "himore"), Chat.message("assistant", "A"))
    #expect(!run(lines: [a, b, c]).summary.warnings.contains { $0.code == "duplicate_user_content" })
    #expect(run(lines: [a, a]).summary.warnings.contains { $0.code == "duplicate_user_content" })
}

@Test func extremeLengthVarianceNeedsTenExamples() throws {
    let long = Chat.valid(0, assistant: String(repeating: "word ", count: 12_000))
    let nine = run(lines: validLines(8, from: 1) + [long])
    #expect(nine.summary.examples == 9)
    #expect(!nine.summary.warnings.contains { $0.code == "length_variance" })
    let ten = run(lines: validLines(9, from: 1) + [long])
    let warning = try #require(ten.summary.warnings.first { $0.code == "length_variance" })
    #expect(ten.summary.lengthCoefficientOfVariation > 1)
    #expect(warning.message.contains("coefficient of variation"))
    // Uniform lengths: no warning, coefficient 0.
    let uniform = run(lines: validLines(20))
    #expect(uniform.summary.lengthCoefficientOfVariation < 0.01)
    #expect(!uniform.summary.warnings.contains { $0.code == "length_variance" })
}

@Test func onlineVarianceMatchesTheTwoPassFormula() {
    let values: [Double] = [3, 7, 7, 19, 24, 100, 1]
    var statistics = RunningStatistics()
    values.forEach { statistics.add($0) }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
    #expect(abs(statistics.coefficientOfVariation - variance.squareRoot() / mean) < 1e-12)
}

@Test func rowLevelWarnings() throws {
    let sys = Chat.message("system", "S"), usr = Chat.message("user", "U"), asst = Chat.message("assistant", "A")
    let lines = [
        Chat.line(sys, usr, asst, extra: #","id":1"#),                                      // 1 unknown top-level key
        Chat.line(sys, #"{"role":"user","content":"U2","name":"n"}"#, asst),                 // 2 unknown message key
        Chat.line(sys, Chat.message("user", " \\n\\t "), asst),                              // 3 whitespace-only content
        Chat.line(sys, Chat.message("user", "U4"), Chat.message("user", "again"), asst),     // 4 not alternating
        Chat.line(sys, Chat.message("assistant", "A5")),                                     // 5 not alternating
        Chat.line(sys, Chat.message("user", "U6"), extra: #","completion":"A""#),            // 6 fine (legacy)
        Chat.line(sys, Chat.message("user", "U7"), Chat.message("assistant", "A"), Chat.message("user", "U"), extra: #","completion":"A""#),  // 7 fine
        Chat.line(sys, Chat.message("user", "U8"), Chat.message("system", "S"), Chat.message("assistant", "A")),  // 8 not alternating
    ]
    let warnings = run(lines: lines).summary.warnings
    let byCode = Dictionary(uniqueKeysWithValues: warnings.map { ($0.code, $0) })
    #expect(byCode["unknown_key"]?.lines == [1, 2])
    #expect(byCode["unknown_key"]?.message.contains("\"id\"") == true)
    #expect(byCode["whitespace_content"]?.lines == [3])
    #expect(byCode["roles_not_alternating"]?.lines == [4, 5, 8])
}

@Test func warningsOnInvalidLinesAreNotCounted() {
    let bad = Chat.line(Chat.message("system", "S"), Chat.message("user", "U"), extra: #","id":1"#)
    let warnings = run(lines: [bad]).summary.warnings
    #expect(!warnings.contains { $0.code == "unknown_key" })
}

@Test func keptErrorsAndWarningLinesAreCappedButCountsAreNot() {
    let lines = (1...120).map { "{\"messages\":[],\"n\":\($0)}" } + (1...30).map { _ in "" }
    let outcome = run(lines: lines)
    #expect(outcome.summary.errors.count == 50)
    #expect(outcome.summary.errors.last?.line == 50)
    #expect(outcome.summary.errorCount == 120)
    #expect(outcome.sink.errors.count == 120)
    let blank = outcome.summary.warnings.first { $0.code == "blank_lines" }
    #expect(blank?.count == 30)
    #expect(blank?.lines.count == 20)
}

@Test func histogramUsesFixedLogBuckets() {
    #expect(TokenHistogram.bucketIndex(for: 0) == 0)
    #expect(TokenHistogram.bucketIndex(for: 31) == 0)
    #expect(TokenHistogram.bucketIndex(for: 32) == 1)
    #expect(TokenHistogram.bucketIndex(for: 63) == 1)
    #expect(TokenHistogram.bucketIndex(for: 64) == 2)
    #expect(TokenHistogram.bucketIndex(for: 131_071) == 12)
    #expect(TokenHistogram.bucketIndex(for: 131_072) == 13)
    #expect(TokenHistogram.bucketIndex(for: 10_000_000) == 13)
    #expect(TokenHistogram().upperBounds.count == TokenHistogram().counts.count)

    let short = Chat.valid(1)  // 5 + 7 + 5 = 17 tokens
    let medium = Chat.valid(2, assistant: String(repeating: "abcd", count: 100))  // 5 + 7 + 104 = 116
    let histogram = run(lines: [short, medium, Chat.valid(3)]).summary.histogram
    #expect(histogram.counts[0] == 2)
    #expect(histogram.counts[2] == 1)  // [64, 128)
    #expect(histogram.counts.reduce(0, +) == 3)
}

@Test func summaryRoundTripsThroughJSON() throws {
    let summary = run(lines: validLines(3) + ["oops"]).summary
    let data = try JSONEncoder().encode(summary)
    #expect(try JSONDecoder().decode(ValidationSummary.self, from: data) == summary)
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.contains(#""status":"invalid""#))
}

@Test func textReportListsCountsWarningsAndErrors() {
    let summary = run(lines: validLines(2) + ["", Chat.line(Chat.message("system", "S"), Chat.message("user", "U"))]).summary
    let report = ValidationReportFormatter.text(summary)
    #expect(report.contains("Status: invalid (chat mode)"))
    #expect(report.contains("Lines: 4 (blank 1, invalid 1)"))
    #expect(report.contains("Examples: 2"))
    #expect(report.contains("estimate"))
    #expect(report.contains("[too_few_examples]"))
    #expect(report.contains("[blank_lines]"))
    #expect(report.contains("line 4 messages [missing_assistant_turn]: the conversation must end with an assistant message"))
}

@Test func statusValuesMatchTheDocumentedStrings() {
    #expect(DatasetStatus.validWithWarnings.rawValue == "valid_with_warnings")
    #expect(DatasetStatus.validSeeds.rawValue == "valid_seeds")
    #expect(DatasetStatus.readyForTraining.rawValue == "ready_for_training")
    #expect(DatasetStatus.allCases.map(\.rawValue) == [
        "validating", "valid", "valid_with_warnings", "invalid", "valid_seeds", "synthesizing", "ready_for_training",
    ])
    #expect(DatasetMode.allCases == [.chat, .seeds])
}
