@testable import DistilleryCore
import Testing

// Expected values from an independent tool: scipy 1.17.1 / numpy 2.4.6 in a scratch interpreter outside the repo
// (`scipy.stats.binomtest(k, n).proportion_ci(method="wilson")`, `numpy.percentile`, `numpy.exp`, `numpy.tanh`, and
// `scipy.optimize.minimize(method="BFGS")` on the penalized loss `LengthControlledWinRate` documents), or by hand
// where a comment says so.
struct EvaluationStatisticsTests {
    @Test(arguments: [
        (8, 10, 0.4901624715366418, 0.9433178485456248),
        (0, 10, 0.0, 0.27753279986288926),
        (10, 10, 0.7224672001371109, 1.0),
        (1, 3, 0.06149194472039626, 0.7923403991979523),
        (2, 3, 0.20765960080204782, 0.9385080552796038),
        (45, 50, 0.7863976856252034, 0.9565242350681095),
    ])
    func theWilsonIntervalMatchesScipy(successes: Int, n: Int, lower: Double, upper: Double) throws {
        let interval = try #require(EvaluationStatistics.wilsonInterval(successes: successes, of: n))
        #expect(abs(interval.lowerBound - lower) < 1e-9)
        #expect(abs(interval.upperBound - upper) < 1e-9)
    }

    @Test func noRowsHaveNoInterval() {
        #expect(EvaluationStatistics.wilsonInterval(successes: 0, of: 0) == nil)
    }

    @Test(arguments: [
        ([120, 80, 300, 95, 150], 0.5, 120.0), ([120, 80, 300, 95, 150], 0.95, 270.0),
        ([100, 200], 0.5, 150.0), ([100, 200], 0.95, 195.0), ([7], 0.95, 7.0),
    ] as [([Int], Double, Double)])
    func percentilesInterpolateLikeNumpy(values: [Int], fraction: Double, expected: Double) {
        #expect(EvaluationStatistics.percentile(values, fraction) == expected)
    }

    @Test func anEmptyListHasNoPercentile() {
        #expect(EvaluationStatistics.percentile([], 0.5) == nil)
    }

    @Test(arguments: [
        (0.0, 1.0), (1.0, 2.718281828459045), (-1.0, 0.36787944117144233), (0.5, 1.6487212707001282),
        (10.0, 22026.465794806718), (-10.0, 4.5399929762484854e-05), (100.0, 2.6881171418161356e+43),
        (-100.0, 3.720075976020836e-44), (700.0, 1.0142320547350045e+304), (-700.0, 9.85967654375977e-305),
        (1e-9, 1.000000001),
    ])
    func theExponentialMatchesNumpyToTheLastFewBits(x: Double, expected: Double) {
        #expect(abs(EvaluationStatistics.exponential(x) - expected) <= 4 * expected.ulp)
    }

    @Test func theExponentialSaturatesInsteadOfTrapping() {
        #expect(EvaluationStatistics.exponential(1000) == .infinity)
        #expect(EvaluationStatistics.exponential(-1000) == 0)
    }

    @Test func theHyperbolicTangentMatchesNumpy() {
        #expect(abs(EvaluationStatistics.hyperbolicTangent(0.3) - 0.2913126124515909) < 1e-15)
        #expect(abs(EvaluationStatistics.hyperbolicTangent(-2.5) - -0.9866142981514303) < 1e-15)
    }
}

struct LengthControlledWinRateTests {
    static func observations(_ differences: [Int], _ preferences: [Double]) -> [LengthControlledWinRate.Observation] {
        zip(differences, preferences).map { .init(preference: $1, lengthDifference: $0) }
    }

    @Test(arguments: [
        // By hand: each length difference has the same outcomes (2 wins, 1 loss), so length explains nothing,
        // θ₁ = 0 and LC is the raw 2/3. scipy agrees (0.66666666).
        ([10, 10, 10, -10, -10, -10], [1, 1, 0, 1, 1, 0], 2.0 / 3.0),
        // By hand: the longer answer always wins and the lengths differ symmetrically, so θ₀ = 0 and LC = ½.
        ([20, 10, -10, -20], [1, 1, 0, 0], 0.5),
        // scipy BFGS on the penalized loss (raw win rate 0.625; θ₀ 0.32327875, θ₁ 0.96264393).
        ([50, -30, 120, 10, -80, 200, -5, 40], [1, 0.5, 1, 0, 0, 1, 0.5, 1], 0.5801231012732029),
        // scipy BFGS (raw 0.6; θ₀ 0.28473676, θ₁ 1.15626523).
        ([300, 250, -40, -60, 15, -10, 90, -200, 5, 60], [1, 1, 0, 0.5, 1, 0, 1, 0, 0.5, 1], 0.5707071192769541),
    ] as [([Int], [Double], Double)])
    func theLengthControlledWinRateIsTheWinProbabilityWithoutTheLengthTerm(
        differences: [Int], preferences: [Double], expected: Double
    ) throws {
        let fit = try #require(LengthControlledWinRate.fit(Self.observations(differences, preferences)))
        #expect(abs(fit.winRate - expected) < 1e-6)
    }

    @Test func theFitMatchesScipysCoefficients() throws {
        let fit = try #require(LengthControlledWinRate.fit(
            Self.observations([50, -30, 120, 10, -80, 200, -5, 40], [1, 0.5, 1, 0, 0, 1, 0.5, 1])))
        #expect(abs(fit.intercept - 0.32327875454828126) < 1e-6)
        #expect(abs(fit.lengthCoefficient - 0.9626439348694895) < 1e-6)
    }

    @Test(arguments: [
        // By hand: one length difference for every row (s = 0), or one outcome for every row: the raw rate.
        ([15, 15, 15], [1, 0, 0.5], 0.5), ([0, 0], [1, 1], 1.0), ([10, -40, 90], [1, 1, 1], 1.0), ([10, -40, 90], [0, 0, 0], 0.0),
    ] as [([Int], [Double], Double)])
    func withNothingForLengthToExplainTheRateIsTheRawOne(differences: [Int], preferences: [Double], expected: Double) throws {
        let fit = try #require(LengthControlledWinRate.fit(Self.observations(differences, preferences)))
        #expect(fit.winRate == expected)
        #expect(fit.lengthCoefficient == 0)
    }

    @Test func noObservationsHaveNoRate() {
        #expect(LengthControlledWinRate.fit([]) == nil)
    }

    @Test(arguments: [
        (PairwisePreference.student, PairwisePreference.student, PairwiseOutcome.win),
        (.reference, .reference, .loss), (.tie, .tie, .tie), (.student, .reference, .tie), (.reference, .student, .tie),
        (.student, .tie, .tie), (.tie, .reference, .tie),
    ])
    func bothOrdersMustAgreeForAWinOrALoss(forward: PairwisePreference, reverse: PairwisePreference, outcome: PairwiseOutcome) {
        #expect(PairwiseOutcome.combine(forward: forward, reverse: reverse) == outcome)
    }
}
