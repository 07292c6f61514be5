/// The statistics an evaluation report needs, without Foundation: Wilson intervals, percentiles and the exponential
/// the length-controlled win rate's logistic fit uses.
public enum EvaluationStatistics {
    /// The two-sided 95% normal quantile, Φ⁻¹(0.975).
    public static let z95 = 1.959_963_984_540_054

    /// A proportion's 95% Wilson score interval (Wilson 1927): with p = k/n and z = 1.96,
    /// centre = (p + z²/2n) / (1 + z²/n), half-width = z/(1 + z²/n) · √(p(1 − p)/n + z²/4n²).
    /// Unlike p ± z√(p(1−p)/n) it stays inside [0, 1] and is not zero-width at 0/n or n/n. nil when n = 0.
    public static func wilsonInterval(successes: Int, of n: Int, z: Double = z95) -> ClosedRange<Double>? {
        guard n > 0, successes >= 0, successes <= n else { return nil }
        let total = Double(n)
        let p = Double(successes) / total
        let zz = z * z
        let denominator = 1 + zz / total
        let centre = (p + zz / (2 * total)) / denominator
        let half = z / denominator * (p * (1 - p) / total + zz / (4 * total * total)).squareRoot()
        return max(0, centre - half)...min(1, centre + half)
    }

    /// The `fraction` quantile by linear interpolation between closest ranks (Hyndman–Fan type 7, numpy's default):
    /// h = (n − 1)·fraction, value = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋ + 1] − x[⌊h⌋]) over the sorted values. nil when empty.
    public static func percentile(_ values: [Int], _ fraction: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let h = Double(sorted.count - 1) * min(1, max(0, fraction))
        let lower = Int(h)
        guard lower + 1 < sorted.count else { return Double(sorted[lower]) }
        return Double(sorted[lower]) + (h - Double(lower)) * Double(sorted[lower + 1] - sorted[lower])
    }

    /// eˣ without Foundation: x = k·ln 2 + r with |r| ≤ ln 2 / 2, eʳ by its Taylor series (25 terms leave an error far
    /// below Double's precision for |r| < 0.35), then scaled by 2ᵏ exactly.
    static func exponential(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.78 { return .infinity }
        if x < -745.2 { return 0 }
        let ln2High = 0.693_147_180_369_123_8  // ln 2 split in two, so k·ln2High is exact for |k| < 2¹¹
        let ln2Low = 1.908_214_929_270_587_7e-10
        let k = (x / 0.693_147_180_559_945_3).rounded()
        let r = (x - k * ln2High) - k * ln2Low
        var term = 1.0
        var sum = 1.0
        for power in 1...25 {
            term *= r / Double(power)
            sum += term
        }
        // Scale in two steps so 2ᵏ itself never under- or overflows before the product does.
        let half = Int(k) / 2
        return sum * Double(sign: .plus, exponent: half, significand: 1) * Double(sign: .plus, exponent: Int(k) - half, significand: 1)
    }

    /// The logistic function 1/(1 + e⁻ᶻ), written so neither branch overflows.
    static func logistic(_ z: Double) -> Double {
        if z >= 0 { return 1 / (1 + exponential(-z)) }
        let e = exponential(z)
        return e / (1 + e)
    }

    /// tanh(x) = (1 − e⁻²ˣ)/(1 + e⁻²ˣ) for x ≥ 0, odd.
    static func hyperbolicTangent(_ x: Double) -> Double {
        let e = exponential(-2 * abs(x))
        let magnitude = (1 - e) / (1 + e)
        return x < 0 ? -magnitude : magnitude
    }

    /// log(1 + eᶻ), the logistic loss's building block, without overflow.
    static func softplus(_ z: Double) -> Double {
        max(z, 0) + naturalLog(1 + exponential(-abs(z)))
    }
}
