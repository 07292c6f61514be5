import DistilleryCore
import Testing

/// Agreement statistics on fixed tables. Every expected value was computed by SciPy 1.17.1 (Python 3,
/// `scipy.stats.spearmanr(x, y).statistic`, `scipy.stats.kendalltau(x, y, variant="b").statistic`,
/// `scipy.stats.rankdata`), never by the code under test; accuracy by NumPy (`numpy.mean(x == y)`).
struct AgreementTests {
    struct Table: Sendable, CustomStringConvertible {
        var name: String
        var x: [Double]
        var y: [Double]
        var spearman: Double
        var kendallTauB: Double
        var description: String { name }
    }

    @Test(arguments: [
        // Twenty judge scores against reviewer ratings, with many ties (a 1–5 scale).
        Table(
            name: "ties20", x: [5, 4, 4, 3, 5, 2, 1, 3, 4, 5, 2, 3, 4, 4, 5, 1, 2, 3, 5, 4],
            y: [4, 4, 5, 3, 5, 2, 2, 3, 3, 5, 1, 3, 4, 5, 4, 1, 3, 2, 5, 4],
            spearman: 0.8629719889674246, kendallTauB: 0.7717081694263093),
        // SciPy's documentation example.
        Table(name: "docs5", x: [1, 2, 3, 4, 5], y: [5, 6, 7, 8, 7], spearman: 0.8207826816681233, kendallTauB: 0.7378647873726218),
        Table(
            name: "negative with ties", x: [1, 1, 2, 2, 3, 3, 4, 5], y: [5, 4, 4, 4, 3, 2, 2, 1],
            spearman: -0.9438237391101646, kendallTauB: -0.8981462390204988),
        Table(
            name: "weak", x: [3, 3, 3, 4, 4, 2, 5, 1, 2, 3], y: [2, 4, 3, 3, 5, 3, 4, 2, 1, 5],
            spearman: 0.6174431461432585, kendallTauB: 0.5001732201680236),
    ])
    func rankCorrelationsMatchSciPy(_ table: Table) throws {
        let spearman = try #require(Agreement.spearman(table.x, table.y))
        let tau = try #require(Agreement.kendallTauB(table.x, table.y))
        #expect(abs(spearman - table.spearman) < 1e-12)
        #expect(abs(tau - table.kendallTauB) < 1e-12)
    }

    @Test func tiedValuesShareTheirAverageRank() {
        #expect(Agreement.averageRanks([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]) == [4.5, 1.5, 6, 1.5, 7.5, 10, 3, 9, 7.5, 4.5])
    }

    @Test func accuracyIsTheShareOfMatchingVerdicts() {
        let judge = [1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1]
        let person = [1, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1]
        #expect(Agreement.accuracy(judge, person) == 0.85)
    }

    @Test func undefinedStatisticsAreNil() {
        #expect(Agreement.spearman([3, 3, 3], [1, 2, 3]) == nil, "one side never varies")
        #expect(Agreement.kendallTauB([3, 3, 3], [1, 2, 3]) == nil)
        #expect(Agreement.spearman([1], [1]) == nil)
        #expect(Agreement.kendallTauB([1, 2], [1]) == nil, "unequal lengths")
        #expect(Agreement.accuracy([Int](), []) == nil)
    }
}

/// The golden-set rule per dimension: which reviewed rows count, and the threshold of twenty.
struct CalibrationRuleTests {
    static let judge: [Int] = [5, 4, 4, 3, 5, 2, 1, 3, 4, 5, 2, 3, 4, 4, 5, 1, 2, 3, 5, 4]
    static let ratings: [Int] = [4, 4, 5, 3, 5, 2, 2, 3, 3, 5, 1, 3, 4, 5, 4, 1, 3, 2, 5, 4]

    @Test func aScaleDimensionComparesTheJudgeWithTheReviewersRating() throws {
        var rows = zip(Self.judge, Self.ratings).map { CalibrationRow(judgeScore: $0, review: ReviewGrade(accepted: true, rating: $1)) }
        // Rows nobody reviewed, and reviews without a rating, do not count for a scale.
        rows.append(CalibrationRow(judgeScore: 1, review: nil))
        rows.append(CalibrationRow(judgeScore: 5, review: ReviewGrade(accepted: false, rating: nil)))
        let calibration = DimensionCalibration(dimension: "correct", rubric: .scale, rows: rows)
        #expect(calibration.rows == 20 && calibration.moreNeeded == 0 && calibration.moreNeededText == nil)
        // SciPy 1.17.1 on the table "ties20" above.
        #expect(abs(try #require(calibration.spearman) - 0.8629719889674246) < 1e-12)
        #expect(abs(try #require(calibration.kendallTauB) - 0.7717081694263093) < 1e-12)
        #expect(calibration.accuracy == nil)
    }

    @Test func aPassFailDimensionReadsAcceptedAsPass() {
        let judge = [1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1]
        let person = [1, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1]
        let rows = zip(judge, person).map { CalibrationRow(judgeScore: $0, review: ReviewGrade(accepted: $1 == 1, rating: nil)) }
        let calibration = DimensionCalibration(dimension: "safe", rubric: .passFail, rows: rows)
        #expect(calibration.rows == 20 && calibration.accuracy == 0.85)
        #expect(calibration.spearman == nil && calibration.kendallTauB == nil)
    }

    @Test(arguments: [(0, "20 more reviewed rows needed (with the reviewer's rating)"), (19, "1 more reviewed row needed (with the reviewer's rating)")])
    func belowTwentyRowsNothingIsReported(reviewed: Int, text: String) {
        let rows = (0..<reviewed).map { CalibrationRow(judgeScore: 1 + $0 % 5, review: ReviewGrade(accepted: true, rating: 1 + $0 % 4)) }
        let calibration = DimensionCalibration(dimension: "correct", rubric: .scale, rows: rows)
        #expect(calibration.moreNeeded == 20 - reviewed && calibration.moreNeededText == text)
        #expect(calibration.spearman == nil && calibration.kendallTauB == nil)
        let passFail = DimensionCalibration(dimension: "safe", rubric: .passFail, rows: rows)
        #expect(passFail.moreNeededText == "\(20 - reviewed) more reviewed row\(reviewed == 19 ? "" : "s") needed" && passFail.accuracy == nil)
    }
}
