/// The win rate with the answer-length difference controlled for, as AlpacaEval 2.0 does (Dubois et al. 2024,
/// "Length-Controlled AlpacaEval"), reduced to one student against one reference:
///
/// - each row i gives a preference yᵢ = 1 (win), ½ (tie), 0 (loss), and a length feature
///   xᵢ = tanh(dᵢ / s), where dᵢ = (student answer length − reference length) in characters (Unicode scalars) and
///   s is the population standard deviation of the dᵢ;
/// - a logistic regression P(student preferred) = σ(θ₀ + θ₁·xᵢ) is fitted to the yᵢ (the binomial log-likelihood,
///   which takes a tie's ½ as is) with a ridge penalty ½·λ·θ₁² (λ = 1; a N(0, 1) prior on the length coefficient, so a
///   preference that length explains completely still has a finite fit), by Newton steps (IRLS) halved until the
///   penalized loss drops;
/// - the length-controlled win rate is the win probability with the length term set to 0: **LC = σ(θ₀)**.
///
/// With no length effect (y uncorrelated with x) the fit gives θ₁ = 0 and LC equals the raw win rate; when the
/// preference follows length alone and lengths differ symmetrically, θ₀ = 0 and LC = ½. When every difference is
/// the same (s = 0) length cannot be told apart from quality, and LC is the raw win rate; so it is when every row has
/// the same outcome.
public enum LengthControlledWinRate {
    public static let lengthPenalty = 1.0
    static let maximumSteps = 100
    static let tolerance = 1e-12

    public struct Observation: Sendable, Equatable {
        public var preference: Double
        public var lengthDifference: Int

        public init(preference: Double, lengthDifference: Int) {
            self.preference = preference
            self.lengthDifference = lengthDifference
        }

        public init(outcome: PairwiseOutcome, studentLength: Int, referenceLength: Int) {
            self.init(preference: outcome.preference, lengthDifference: studentLength - referenceLength)
        }
    }

    public struct Fit: Sendable, Equatable {
        public var intercept: Double
        public var lengthCoefficient: Double
        /// σ(θ₀).
        public var winRate: Double
    }

    /// nil when there are no observations.
    public static func fit(_ observations: [Observation], lengthPenalty: Double = lengthPenalty) -> Fit? {
        guard !observations.isEmpty else { return nil }
        let n = Double(observations.count)
        let y = observations.map(\.preference)
        let differences = observations.map { Double($0.lengthDifference) }
        let mean = differences.reduce(0, +) / n
        let deviation = (differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        let rawRate = y.reduce(0, +) / n
        // All the same length difference, or all one verdict: nothing for length to explain.
        guard deviation > 0, rawRate > 0, rawRate < 1 else {
            return Fit(intercept: logit(rawRate), lengthCoefficient: 0, winRate: rawRate)
        }
        let x = differences.map { EvaluationStatistics.hyperbolicTangent($0 / deviation) }

        func loss(_ b0: Double, _ b1: Double) -> Double {
            var total = 0.5 * lengthPenalty * b1 * b1
            for i in y.indices {
                let eta = b0 + b1 * x[i]
                total += EvaluationStatistics.softplus(eta) - y[i] * eta
            }
            return total
        }

        var b0 = 0.0
        var b1 = 0.0
        var current = loss(b0, b1)
        for _ in 0..<maximumSteps {
            // Gradient and Hessian of the penalized loss.
            var g0 = 0.0, g1 = lengthPenalty * b1
            var h00 = 0.0, h01 = 0.0, h11 = lengthPenalty
            for i in y.indices {
                let p = EvaluationStatistics.logistic(b0 + b1 * x[i])
                let w = p * (1 - p)
                g0 += p - y[i]
                g1 += (p - y[i]) * x[i]
                h00 += w
                h01 += w * x[i]
                h11 += w * x[i] * x[i]
            }
            let determinant = h00 * h11 - h01 * h01
            guard determinant > 0 else { break }
            let step0 = (h11 * g0 - h01 * g1) / determinant
            let step1 = (h00 * g1 - h01 * g0) / determinant
            var scale = 1.0
            var accepted = false
            for _ in 0..<40 {
                let candidate = loss(b0 - scale * step0, b1 - scale * step1)
                if candidate <= current {
                    b0 -= scale * step0
                    b1 -= scale * step1
                    current = candidate
                    accepted = true
                    break
                }
                scale /= 2
            }
            if !accepted || max(abs(scale * step0), abs(scale * step1)) < tolerance { break }
        }
        return Fit(intercept: b0, lengthCoefficient: b1, winRate: EvaluationStatistics.logistic(b0))
    }

    /// log(p/(1 − p)); ±∞ at 0 and 1.
    static func logit(_ p: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        return naturalLog(p / (1 - p))
    }
}

extension PairwiseOutcome {
    /// The outcome as a preference for the student: 1, ½, 0.
    public var preference: Double {
        switch self {
        case .win: 1
        case .tie: 0.5
        case .loss: 0
        }
    }
}
