/// Whole-number shares of a total in given proportions that add up to the total exactly: the splits' row
/// counts and generation's per-stratum quotas follow this one rule.
///
/// Floating point: each weight is multiplied by the one power of ten that gives the largest weight 12 digits
/// before the point, and rounded to a whole number of units; the shares and remainders are then exact integer
/// arithmetic. Weights as people write them (0.1, 0.2, 0.7, 1/3 each, or products of such weights like
/// 0.15 = 0.5 × 0.3) become exact units, so 0.1 / 0.2 / 0.7 of 10 is 1 / 2 / 7 although the doubles sum to
/// 1.0000000000000002, equal remainders are real ties (broken by index), and huge totals lose nothing. A weight
/// below 10⁻¹² of the largest counts as 0.
public enum LargestRemainder {
    static let significantDigits = 12

    /// Splits `total` across `weights` (each ≥ 0, finite, not all 0): floor(total × w / Σw) each, then the leftover
    /// units go one each to the largest remainders; ties go to the lower index. Sums to `total` exactly. Weight 0 → 0.
    ///
    /// Callers validate their weights first (`StratumPlan.make`, `RecipeDistribution.splitProblems`); should a
    /// negative, NaN or infinite weight slip through it counts as 0, and when no weight is positive (or `total`
    /// is below 1) every share is 0 rather than a crash.
    public static func apportion(_ total: Int, weights: [Double]) -> [Int] {
        let usable = weights.map { $0.isFinite && $0 > 0 ? $0 : 0 }
        guard total > 0, let largest = usable.max(), largest > 0 else { return Array(repeating: 0, count: weights.count) }
        let exponent = unitExponent(largest: largest, count: usable.count)
        let units = usable.map { UInt64(timesPowerOfTen($0, exponent).rounded()) }
        let unitSum = units.reduce(0, +)

        var shares: [Int] = []
        var remainders: [UInt64] = []
        shares.reserveCapacity(units.count)
        remainders.reserveCapacity(units.count)
        for unit in units {
            // total × unit < 2⁶³ · 2⁴⁰ fits the 128-bit product, and the quotient (≤ total) fits 64 bits.
            let (quotient, remainder) = unitSum.dividingFullWidth(UInt64(total).multipliedFullWidth(by: unit))
            shares.append(Int(quotient))
            remainders.append(remainder)
        }
        let leftover = total - shares.reduce(0, +)
        guard leftover > 0 else { return shares }
        // Σ remainders = leftover × unitSum with every remainder < unitSum, so at least `leftover` of them are
        // positive and a weight of 0 (remainder 0) never gets a leftover unit.
        let byRemainder = remainders.indices.sorted { lhs, rhs in
            remainders[lhs] != remainders[rhs] ? remainders[lhs] > remainders[rhs] : lhs < rhs
        }
        for index in byRemainder.prefix(leftover) { shares[index] += 1 }
        return shares
    }

    /// The power of ten that scales `largest` to `significantDigits` digits before the point (fewer for millions of
    /// weights, so that the units' sum stays below 2⁶³).
    static func unitExponent(largest: Double, count: Int) -> Int {
        var digits = significantDigits
        while digits > 1 && Double(count) * timesPowerOfTen(1, digits) >= 9e18 { digits -= 1 }
        var exponent = 0
        while timesPowerOfTen(largest, exponent) < timesPowerOfTen(1, digits - 1) { exponent += 1 }
        while timesPowerOfTen(largest, exponent) >= timesPowerOfTen(1, digits) { exponent -= 1 }
        return exponent
    }

    /// value × 10^exponent, multiplying or dividing by exact powers of ten (10²² is the largest exact double).
    static func timesPowerOfTen(_ value: Double, _ exponent: Int) -> Double {
        var result = value
        var remaining = exponent
        while remaining != 0 {
            let step = min(abs(remaining), 22)
            var power = 1.0
            for _ in 0..<step { power *= 10 }
            result = remaining > 0 ? result * power : result / power
            remaining -= remaining > 0 ? step : -step
        }
        return result
    }
}
