/// Rejection sampling's swap check, a control for the judge's position bias: on a sample of seeds the judge is asked
/// a second time with the candidates in the reverse order of its first prompt. A different pick is a flip: the row
/// (still the first verdict's pick) is marked low-confidence, and the job keeps its flip rate.
public enum SwapCheck {
    /// The share of seeds checked when a run does not say (`swap_check_fraction`).
    public static let defaultFraction = 0.1
    /// The published figure shown beside a job's flip rate: 12.9% of GPT-4's pairwise verdicts flip when the two
    /// answers swap positions.
    public static let publishedFlipRate = 0.129
    /// The stage part of the second verdict (the judge stage's part 0 is the first).
    public static let part = 1
}

/// Which seeds a job swap-checks: chosen from the seed's index alone, so a resumed job checks the same seeds.
public struct SwapCheckSample: Sendable, Equatable {
    /// The fraction in millionths, so the rule is exact integer arithmetic.
    public let perMillion: Int64

    /// `fraction` from 0 (no swap call at all) to 1 (every judged seed); outside values are clamped.
    public init(fraction: Double) {
        perMillion = fraction.isFinite ? Int64((min(1, max(0, fraction)) * 1_000_000).rounded()) : 0
    }

    /// Seed `index` (0-based) is checked when the count of checked seeds steps up at it: ⌊(i+1)·f⌋ > ⌊i·f⌋. The
    /// checks are spread evenly (every tenth seed at 10%, from the tenth), the first n seeds hold exactly ⌊n·f⌋ of them.
    public func includes(_ index: Int64) -> Bool {
        guard index >= 0, perMillion > 0 else { return false }
        return (index + 1) * perMillion / 1_000_000 > index * perMillion / 1_000_000
    }

    /// How many of the seeds with indexes 0..<n are checked: ⌊n·f⌋.
    public func count(amongFirst seeds: Int) -> Int { Int(Int64(max(0, seeds)) * perMillion / 1_000_000) }
}

/// A job's swap checks so far.
public struct SwapCheckTally: Sendable, Equatable {
    public var checked: Int
    public var flips: Int

    public init(checked: Int, flips: Int) {
        self.checked = checked
        self.flips = flips
    }

    /// Flips per swap-checked seed; nil before any check.
    public var flipRate: Double? { checked > 0 ? Double(flips) / Double(checked) : nil }
}
