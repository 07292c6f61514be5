/// The length-bias figure of a scale dimension: Pearson's correlation r between the judge's score (1–5) and the
/// answer's length in characters, over the rows scored. Judges favour longer answers (published: the longer answer
/// wins 68% of pairwise verdicts); |r| ≥ `warningThreshold` is shown as a warning — the scores may reward length
/// rather than quality. Pass/fail dimensions get no figure.
public enum LengthBias {
    /// |r| at or above this reads as a warning (a moderate correlation by the usual rule of thumb).
    public static let warningThreshold = 0.3
    /// Fewer rows than this give no figure (too few to mean anything).
    public static let minimumRows = 5

    /// r of (score, length) pairs; nil with fewer than `minimumRows` pairs or when either side does not vary.
    public static func correlation(_ pairs: [(score: Int, length: Int)]) -> Double? {
        guard pairs.count >= minimumRows else { return nil }
        let n = Double(pairs.count)
        let meanScore = pairs.reduce(0.0) { $0 + Double($1.score) } / n
        let meanLength = pairs.reduce(0.0) { $0 + Double($1.length) } / n
        var covariance = 0.0
        var scoreSpread = 0.0
        var lengthSpread = 0.0
        for pair in pairs {
            let ds = Double(pair.score) - meanScore
            let dl = Double(pair.length) - meanLength
            covariance += ds * dl
            scoreSpread += ds * ds
            lengthSpread += dl * dl
        }
        guard scoreSpread > 0, lengthSpread > 0 else { return nil }
        return covariance / (scoreSpread.squareRoot() * lengthSpread.squareRoot())
    }

    /// The warning for a figure, or nil below the threshold.
    public static func warning(dimensionTitle: String, r: Double?) -> String? {
        guard let r, abs(r) >= warningThreshold else { return nil }
        let direction = r > 0 ? "longer" : "shorter"
        return "\(dimensionTitle): scores follow answer length (r = \(format(r))): the judge may be rewarding \(direction) answers rather "
            + "than better ones. Read a sample of high and low scores before filtering on this dimension."
    }

    /// r with two decimals ("0.42", "-0.31").
    public static func format(_ r: Double) -> String {
        let hundredths = Int((abs(r) * 100).rounded())
        let text = "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
        return r < 0 && hundredths > 0 ? "-" + text : text
    }
}
