import DistilleryCore
import DistilleryStorage

/// A rejection-sampling job's swap check on its page and in its JSON: how many seeds were asked again with the
/// candidates reversed, how many flipped, and the published figure to read the rate against.
struct SwapCheckView: Encodable {
    /// The share of judged seeds checked (0–1).
    let fraction: Double
    let checked: Int
    let flips: Int
    /// Flips per checked seed; nil before any check.
    let flipRate: Double?
    let publishedFlipRate: Double
    let summary: String
    let publishedText: String

    /// nil for a job without rejection sampling (nothing is judged).
    init?(settings: SynthesisSettings, tally: SwapCheckTally) {
        guard settings.rejectionSampling, settings.candidateCount > 1 else { return nil }
        fraction = settings.swapCheckFraction ?? 0
        checked = tally.checked
        flips = tally.flips
        flipRate = tally.flipRate
        publishedFlipRate = SwapCheck.publishedFlipRate
        let share = "\(Formatting.oneDecimal(fraction * 100))% of seeds"
        if fraction == 0 {
            summary = "Off: no verdict was asked again."
        } else if let rate = tally.flipRate {
            summary = "\(Formatting.count(tally.flips)) of \(Formatting.count(tally.checked)) swap-checked seeds flipped "
                + "(\(Formatting.oneDecimal(rate * 100))%; \(share) checked); a flipped seed's row is marked low-confidence."
        } else {
            summary = "No seed swap-checked yet (\(share) are)."
        }
        publishedText = "Published: \(Formatting.oneDecimal(SwapCheck.publishedFlipRate * 100))% of GPT-4's pairwise verdicts flip "
            + "when the answers swap positions."
    }
}
