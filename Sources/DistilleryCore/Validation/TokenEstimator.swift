/// The documented token estimate (README "Validation rules"). Real tokenizers differ per model; this is
/// a deliberately simple, tokenizer-free figure that errs on the high side for non-Latin scripts.
public enum TokenEstimator {
    /// Chat-template tokens added per message (role header, separators).
    public static let perMessageOverhead = 4

    /// ceil(ASCII bytes / 4) + one token per non-ASCII code point.
    public static func estimate(_ text: String) -> Int {
        var asciiBytes = 0
        var nonASCII = 0
        for scalar in text.unicodeScalars {
            if scalar.isASCII { asciiBytes += 1 } else { nonASCII += 1 }
        }
        return (asciiBytes + 3) / 4 + nonASCII
    }
}
