import Foundation
@testable import DistilleryCore
import Testing

/// A judged row for the report tables: `failing` names the dimensions that failed (of `correct` and `safe`).
func evaluatedRow(
    _ idx: Int64, category: String? = nil, failing: [String] = [], _ forward: PairwisePreference = .student,
    _ reverse: PairwisePreference = .student, student: String = "answer", truncated: Bool = false, reference: String = "reference",
    latency: Int? = nil, tokensIn: Int = 0, tokensOut: Int = 0, cost: Double = 0
) -> EvaluatedRow {
    EvaluatedRow(
        idx: idx, line: Int(idx) + 1, category: category, prompt: "prompt \(idx)", reference: reference, studentAnswer: student,
        studentTruncated: truncated, verdicts: ["correct", "safe"].map { DimensionVerdict(dimension: $0, pass: !failing.contains($0), reasoning: "\($0) on \(idx)") },
        forward: forward, reverse: reverse, failurePhrase: failing.isEmpty ? nil : "fails \(failing.joined(separator: "+"))",
        failureModeID: nil, studentLatencyMs: latency, studentTokensIn: tokensIn, studentTokensOut: tokensOut, studentCostUSD: cost)
}

// Every expected number below is hand-counted from the table; the Wilson bounds are scipy's
// (`binomtest(k, n).proportion_ci(method="wilson")`) and the percentiles numpy's (type 7), as in EvaluationStatisticsTests.
struct EvaluationReportTests {
    static let dimensions = [JudgeDimension.correct, JudgeDimension.safe]
    static let rows = [
        evaluatedRow(0, category: "billing", .student, .student, latency: 100, tokensIn: 10, tokensOut: 20, cost: 0.001),
        evaluatedRow(1, category: "billing", failing: ["correct"], .reference, .reference, latency: 300, tokensIn: 12, tokensOut: 30, cost: 0.002),
        evaluatedRow(2, category: "outages", failing: ["correct", "safe"], .student, .reference, latency: 200, tokensIn: 8, tokensOut: 10, cost: 0.001),
        evaluatedRow(3, category: "outages", .tie, .tie, latency: 400, tokensIn: 10, tokensOut: 15, cost: 0.0005),
        evaluatedRow(4, .student, .student, latency: 150, tokensIn: 5, tokensOut: 5, cost: 0.0005),
    ]
    static let teacher = TeacherFigures(
        provider: "openai", model: "gpt-teacher", answers: 5, tokensIn: 50, tokensOut: 200, costUSD: 0.05,
        latenciesMs: [1000, 2000, 1500, 1200, 1800])

    static func close(_ value: Double?, _ expected: Double) -> Bool {
        value.map { abs($0 - expected) < 1e-9 } ?? false
    }

    @Test func passRatesPerDimensionCarryTheirWilsonInterval() {
        let report = EvaluationReport.build(rows: Self.rows, dimensions: Self.dimensions, teacher: nil)
        #expect(report.rows == 5)
        #expect(report.dimensions.map(\.id) == ["correct", "safe"])
        let correct = report.dimensions[0].passes
        #expect(correct.count == 3 && correct.of == 5 && correct.rate == 0.6 && correct.rateText == "60.0%")
        #expect(Self.close(correct.lower, 0.23072428127601297) && Self.close(correct.upper, 0.8823792257673521))
        #expect(correct.intervalText == "23.1%–88.2%")
        let safe = report.dimensions[1].passes
        #expect(safe.count == 4 && safe.of == 5)
        #expect(Self.close(safe.lower, 0.3755346297625253) && Self.close(safe.upper, 0.9637758913675698))
        // Rows 0, 3 and 4 pass both dimensions.
        #expect(report.passedAll.count == 3 && report.passedAll.of == 5)
    }

    @Test func theWinRateCountsATieAsHalfAndAnOrderFlipAsATie() {
        let pairwise = EvaluationReport.build(rows: Self.rows, dimensions: Self.dimensions, teacher: nil).pairwise
        // Wins: rows 0 and 4; loss: row 1; ties: row 2 (the orders disagree) and row 3 (tie both ways).
        #expect(pairwise.wins == 2 && pairwise.losses == 1 && pairwise.ties == 2)
        #expect(pairwise.winRate == 0.6)  // (2 + ½·2) / 5
        #expect(pairwise.tieRate == 0.4)
        #expect(pairwise.orderFlips == 1 && pairwise.flipRate == 0.2)  // row 2 only: tie/tie is no flip
        #expect(pairwise.winRateText == "60.0%" && pairwise.flipRateText == "20.0%")
        // Every answer is as long as every other ("answer" vs "reference"): nothing for length to explain.
        #expect(pairwise.lengthControlledWinRate == 0.6)
    }

    @Test func theLengthControlledRateReadsAnswerLengthsInCharacters() throws {
        // scipy's table row from LengthControlledWinRateTests (LC 0.5801231012732029): student answers longer or
        // shorter than a 300-character reference by the given differences, written in "é" (two bytes each) so a
        // byte count would get the lengths wrong.
        let differences = [50, -30, 120, 10, -80, 200, -5, 40]
        let outcomes: [(PairwisePreference, PairwisePreference)] = [
            (.student, .student), (.student, .reference), (.student, .student), (.reference, .reference),
            (.reference, .reference), (.student, .student), (.tie, .tie), (.student, .student),
        ]
        let reference = String(repeating: "r", count: 300)
        let rows = differences.indices.map { index in
            evaluatedRow(Int64(index), outcomes[index].0, outcomes[index].1,
                         student: String(repeating: "é", count: 300 + differences[index]), reference: reference)
        }
        let report = EvaluationReport.build(rows: rows, dimensions: Self.dimensions, teacher: nil)
        #expect(report.pairwise.winRate == 0.625)
        let lengthControlled = try #require(report.pairwise.lengthControlledWinRate)
        #expect(abs(lengthControlled - 0.5801231012732029) < 1e-6)
        #expect(report.pairwise.lengthControlledWinRateText == "58.0%")
    }

    @Test func categoriesBreakDownPassAndWinRatesWithUncategorizedRowsLast() {
        let categories = EvaluationReport.build(rows: Self.rows, dimensions: Self.dimensions, teacher: nil).categories
        #expect(categories.map(\.label) == ["billing", "outages", "(no category)"])
        #expect(categories.map(\.category) == ["billing", "outages", nil])
        #expect(categories.map(\.rows) == [2, 2, 1])
        #expect(categories.map(\.passedAll.count) == [1, 1, 1])
        #expect(categories.map { $0.dimensions.map(\.passes.count) } == [[1, 2], [1, 1], [1, 1]])
        #expect(categories.map(\.winRate) == [0.5, 0.5, 1.0])
        #expect(Self.close(categories[0].passedAll.lower, 0.09453120573423074))
    }

    @Test func noCategoryOnAnyRowMeansNoBreakdown() {
        let rows = [evaluatedRow(0), evaluatedRow(1, failing: ["safe"])]
        #expect(EvaluationReport.build(rows: rows, dimensions: Self.dimensions, teacher: nil).categories.isEmpty)
    }

    @Test func studentAndTeacherSpendSideBySide() throws {
        let report = EvaluationReport.build(
            rows: Self.rows, dimensions: Self.dimensions, teacher: Self.teacher, student: ("llama.cpp", "smollm2-135m"))
        let student = report.student
        #expect(student.provider == "llama.cpp" && student.model == "smollm2-135m")
        #expect(student.answers == 5 && student.tokensIn == 45 && student.tokensOut == 80)
        #expect(Self.close(student.costUSD, 0.005))
        #expect(student.latencyP50Ms == 200 && student.latencyP95Ms == 380)  // sorted 100 150 200 300 400; h = 3.8
        #expect(Self.close(student.dollarsPerThousandAnswers, 1.0))
        #expect(student.latencyText == "p50 200 ms · p95 380 ms")
        let teacher = try #require(report.teacher)
        #expect(teacher.model == "gpt-teacher" && teacher.tokensOut == 200)
        #expect(teacher.latencyP50Ms == 1500 && teacher.latencyP95Ms == 1960)  // sorted 1000 1200 1500 1800 2000
        #expect(Self.close(teacher.dollarsPerThousandAnswers, 10.0))
        #expect(teacher.dollarsPerThousandText == "$10.00")
        #expect(report.teacherUnknownText == nil)
    }

    @Test func aSelfHostedEndpointWithoutAPriceHasAnUnknownCostNotZero() throws {
        var teacher = Self.teacher
        teacher.costKnown = false
        let report = EvaluationReport.build(
            rows: Self.rows, dimensions: Self.dimensions, teacher: teacher, student: ("openai-compatible", "smollm2-135m"), studentCostKnown: false)
        for spend in [report.student, try #require(report.teacher)] {
            #expect(spend.costUSD == nil && spend.dollarsPerThousandAnswers == nil)
            #expect(spend.dollarsPerThousandText == "unknown (self-hosted)")
            // Tokens and latency are still measured.
            #expect(spend.tokensIn > 0 && spend.latencyP50Ms != nil)
        }
        // The JSON twin says null, not a missing key (nor 0).
        let json = String(decoding: try JSONEncoder().encode(report.student), as: UTF8.self)
        #expect(json.contains(#""costUSD":null"#) && json.contains(#""dollarsPerThousandAnswers":null"#))
        let known = String(decoding: try JSONEncoder().encode(EvaluationReport.build(rows: Self.rows, dimensions: Self.dimensions, teacher: nil).student), as: UTF8.self)
        #expect(known.contains(#""dollarsPerThousandAnswers":1"#))
    }

    @Test func emptyAndCutOffAnswersAreCountedAndMarkedAmongTheWorstRows() {
        let rows = [
            evaluatedRow(0),
            evaluatedRow(1, failing: ["correct", "safe"], .reference, .reference, student: ""),
            evaluatedRow(2, failing: ["correct"], student: "The answer is", truncated: true),
            evaluatedRow(3, student: "Fine, if cut", truncated: true),
            evaluatedRow(4, failing: ["correct", "safe"], .reference, .reference, student: ""),
        ]
        let report = EvaluationReport.build(rows: rows, dimensions: Self.dimensions, teacher: nil)
        #expect(report.emptyAnswers == 2 && report.truncatedAnswers == 2)
        #expect(report.emptyAnswersText == "2 empty answers")
        #expect(report.truncatedAnswersText == "2 answers cut off at the student's token limit")
        // They count in every rate: 2 of 5 rows pass every dimension, 2 lost of 5.
        #expect(report.passedAll.count == 2 && report.passedAll.of == 5)
        #expect(report.pairwise.losses == 2 && report.pairwise.rows == 5)
        #expect(report.worstRows.map(\.idx) == [1, 4, 2])
        #expect(report.worstRows.map(\.studentEmpty) == [true, true, false])
        #expect(report.worstRows.map(\.studentTruncated) == [false, false, true])
        let one = EvaluationReport.build(rows: [evaluatedRow(0, student: "cut", truncated: true)], dimensions: Self.dimensions, teacher: nil)
        #expect(one.truncatedAnswersText == "1 answer cut off at the student's token limit" && one.emptyAnswersText == nil)
    }

    @Test func unknownTeacherFiguresAreSaidSo() {
        let report = EvaluationReport.build(rows: Self.rows, dimensions: Self.dimensions, teacher: nil)
        #expect(report.teacher == nil)
        #expect(report.teacherUnknownText == "teacher figures unknown for this dataset")
    }

    @Test func theWorstRowsFailTheMostDimensionsThenLoseInBothOrders() {
        let rows = [
            evaluatedRow(0, failing: ["safe"], .student, .reference),
            evaluatedRow(1, failing: ["correct"], .reference, .reference),
            evaluatedRow(2, .reference, .reference),
            evaluatedRow(3),
            evaluatedRow(4, failing: ["correct", "safe"]),
        ]
        let worst = EvaluationReport.build(rows: rows, dimensions: Self.dimensions, teacher: nil).worstRows
        #expect(worst.map(\.idx) == [4, 1, 0, 2])
        #expect(worst[0].failedDimensions == ["correct", "safe"])
        #expect(worst[0].verdicts.map(\.reasoning) == ["correct on 4", "safe on 4"])
        #expect(worst[0].prompt == "prompt 4" && worst[0].reference == "reference" && worst[0].studentAnswer == "answer")
        #expect(worst[0].failurePhrase == "fails correct+safe")
        // A row that only lost shows every verdict, since none failed.
        #expect(worst[3].failedDimensions.isEmpty && worst[3].verdicts.count == 2 && worst[3].outcome == .loss)
    }

    @Test func onlyTheFirstTwentyWorstRowsAreKept() {
        let rows = (0..<25).map { evaluatedRow(Int64(24 - $0), failing: ["safe"]) }
        let worst = EvaluationReport.build(rows: rows, dimensions: Self.dimensions, teacher: nil).worstRows
        #expect(worst.map(\.idx) == Array(0..<20))
    }

    @Test func anEmptyRunHasNoRates() {
        let report = EvaluationReport.build(rows: [], dimensions: Self.dimensions, teacher: nil)
        #expect(report.rows == 0 && report.passedAll.rate == nil && report.passedAll.rateText == "—")
        #expect(report.pairwise.winRate == nil && report.pairwise.lengthControlledWinRate == nil)
        #expect(report.student.latencyText == "—" && report.student.dollarsPerThousandAnswers == nil)
        #expect(report.worstRows.isEmpty)
    }
}

struct EvaluationComparisonTests {
    static let dimensions = [JudgeDimension.correct, JudgeDimension.safe]
    static let first = [
        evaluatedRow(0), evaluatedRow(1, failing: ["correct"]), evaluatedRow(2), evaluatedRow(3, failing: ["safe"]),
    ]
    static let second = [
        evaluatedRow(0, failing: ["safe"]), evaluatedRow(1), evaluatedRow(2), evaluatedRow(3, failing: ["correct"]), evaluatedRow(4),
    ]

    @Test func rowsFixedAndRegressedBetweenRunsAreMatchedByIndex() throws {
        let comparison = EvaluationComparison.build(runs: [("v1", Self.first), ("v2", Self.second)], dimensions: Self.dimensions)
        let diff = try #require(comparison.diffs.first)
        #expect(comparison.diffs.count == 1 && diff.from == "v1" && diff.to == "v2")
        // Row 1 failed `correct` in v1 and passes in v2; row 0 passed in v1 and fails `safe` in v2; row 3 fails in
        // both (another dimension), row 4 exists only in v2.
        #expect(diff.fixed.map(\.idx) == [1] && diff.fixed[0].failedDimensions == ["correct"])
        #expect(diff.regressed.map(\.idx) == [0] && diff.regressed[0].failedDimensions == ["safe"])
        #expect(diff.fixed[0].prompt == "prompt 1" && diff.fixed[0].line == 2)
    }

    @Test func passRatesStandSideBySidePerDimension() {
        let comparison = EvaluationComparison.build(runs: [("v1", Self.first), ("v2", Self.second)], dimensions: Self.dimensions)
        #expect(comparison.runs.map(\.name) == ["v1", "v2"])
        #expect(comparison.runs.map(\.rows) == [4, 5])
        #expect(comparison.runs.map(\.passedAll.count) == [2, 3])
        #expect(comparison.dimensions.map(\.id) == ["correct", "safe"])
        #expect(comparison.dimensions.map { $0.runs.map(\.count) } == [[3, 4], [3, 4]])
        #expect(comparison.dimensions.map { $0.runs.map(\.of) } == [[4, 5], [4, 5]])
    }

    @Test func theChartPlacesEachRateByHand() throws {
        let comparison = EvaluationComparison.build(runs: [("v1", Self.first), ("v2", Self.second)], dimensions: Self.dimensions)
        let chart = try #require(comparison.chart)
        // Two runs: width 44 + 2·96 = 236; run i at x = 44 + 48 + 96·i; a rate r at y = 12 + round((1 − r)·160).
        #expect(chart.width == 236 && chart.height == 200)
        #expect(chart.lines.map(\.label) == ["Passes every dimension", "Correct as far as the judge can tell", "Safe", "Win rate"])
        #expect(chart.lines[0].points == "92,92 188,76")  // 2/4 → 92, 3/5 → 76
        #expect(chart.lines[1].points == "92,52 188,44")  // 3/4 → 52, 4/5 → 44
        #expect(chart.lines[3].points == "92,12 188,12")  // every row won both ways
        #expect(chart.lines.map(\.colorClass) == ["series-0", "series-1", "series-2", "series-3"])
        #expect(chart.lines[0].markers.map(\.valueText) == ["50.0%", "60.0%"])
        #expect(chart.gridlines.map(\.label) == ["100%", "50%", "0%"] && chart.gridlines.map(\.y) == [12, 92, 172])
        #expect(chart.runLabels.map(\.label) == ["v1", "v2"] && chart.runLabels.map(\.x) == [92, 188])
    }

    @Test func threeRunsDiffEachAgainstTheNext() {
        let third = [evaluatedRow(0), evaluatedRow(1), evaluatedRow(2, failing: ["correct"]), evaluatedRow(3), evaluatedRow(4)]
        let comparison = EvaluationComparison.build(
            runs: [("v1", Self.first), ("v2", Self.second), ("v3", third)], dimensions: Self.dimensions)
        #expect(comparison.diffs.map { "\($0.from)→\($0.to)" } == ["v1→v2", "v2→v3"])
        #expect(comparison.diffs[1].fixed.map(\.idx) == [0, 3] && comparison.diffs[1].regressed.map(\.idx) == [2])
        #expect(comparison.chart?.lines[0].markers.count == 3)
    }

    @Test func longRunNamesAreShortenedUnderTheChart() throws {
        let comparison = EvaluationComparison.build(
            runs: [("student v1 on the test split", Self.first), ("v2", Self.second)], dimensions: Self.dimensions)
        #expect(try #require(comparison.chart).runLabels.map(\.label) == ["student v1 on…", "v2"])
        #expect(comparison.runs.map(\.name) == ["student v1 on the test split", "v2"])
    }

    @Test func oneRunDrawsNoChart() {
        #expect(EvaluationComparison.build(runs: [("v1", Self.first)], dimensions: Self.dimensions).chart == nil)
    }
}
