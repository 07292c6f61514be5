/// The detail page's splits section (and its JSON twin): per-split rows, tokens and token-length histogram
/// (drawn over the same buckets for the three splits, so they compare), the leakage check, and the form that
/// (re)splits the dataset.
public struct DatasetSplitsView: Encodable, Sendable {
    public struct Part: Encodable, Sendable, Equatable {
        public let name: String
        public let rows: Int
        public let rowsText: String
        public let quota: Int
        public let tokens: Int
        public let tokensText: String
        /// nil for an empty split.
        public let histogram: HistogramChart?
    }

    public struct PresetOption: Encodable, Sendable, Equatable {
        public let value: String
        public let selected: Bool
    }

    public let isSplit: Bool
    public let parts: [Part]
    public let settingsText: String?
    public let crossSplitPairs: Int?
    public let leakageText: String?
    public let bentText: String?
    // The form: what was submitted (or the current settings), and each field's problem.
    public let presets: [PresetOption]
    public let train: String
    public let validation: String
    public let test: String
    public let seed: String
    public let fieldErrors: [String: String]
    public let hasFieldErrors: Bool

    enum CodingKeys: String, CodingKey {
        case isSplit, parts, settingsText, crossSplitPairs, leakageText, bentText
    }

    /// `applied` is the stored split (nil before the first); `lengths` each split's estimated tokens and
    /// histogram; `submitted` the rejected form fields with their `problems`, to show them again.
    public init(
        applied: SplitRecord?, lengths: SplitLengths, submitted: [String: String] = [:], problems: [String: String] = [:]
    ) {
        isSplit = applied != nil
        if let applied {
            let quotas = applied.distribution.quotas(rowCount: applied.counts.total)
            let span = HistogramChart.nonEmptySpan(lengths.histograms)
            parts = DatasetSplit.allCases.map { split in
                Part(name: split.rawValue, rows: applied.counts[split], rowsText: Formatting.count(applied.counts[split]),
                     quota: quotas[split], tokens: lengths.tokens[split], tokensText: Formatting.count(lengths.tokens[split]),
                     histogram: span.flatMap { HistogramChart(lengths.histogram(split), span: $0) })
            }
            settingsText = "\(Self.percentages(applied.distribution)) · seed \(applied.seed) · near duplicates at word-shingle Jaccard ≥ \(applied.threshold)"
            crossSplitPairs = applied.crossSplitPairs
            let groups = applied.groupsKeptTogether
            leakageText = "\(Formatting.count(applied.crossSplitPairs)) cross-split near-duplicate pairs; "
                + "\(Formatting.count(groups)) group\(groups == 1 ? "" : "s") of duplicates (\(Formatting.count(applied.rowsInGroups)) rows) kept together"
            bentText = applied.bentBy == 0 ? nil
                : "Keeping groups whole moved the split sizes \(Formatting.count(applied.bentBy)) row\(applied.bentBy == 1 ? "" : "s") off the exact quotas."
        } else {
            parts = []
            settingsText = nil
            crossSplitPairs = nil
            leakageText = nil
            bentText = nil
        }
        let current = applied?.distribution ?? RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1)
        let preset = submitted["preset"]
            ?? RecipeDistribution.splitPresets.first(where: { $0.distribution == current })?.name ?? "custom"
        presets = (RecipeDistribution.splitPresets.map(\.name) + ["custom"]).map { PresetOption(value: $0, selected: $0 == preset) }
        train = submitted["train"] ?? "\(current.train)"
        validation = submitted["validation"] ?? "\(current.validation)"
        test = submitted["test"] ?? "\(current.test)"
        seed = submitted["seed"] ?? "\(applied?.seed ?? SplitRequest.defaultSeed)"
        fieldErrors = problems
        hasFieldErrors = !problems.isEmpty
    }

    static func percentages(_ distribution: RecipeDistribution) -> String {
        DatasetSplit.allCases.map { split in
            let percent = distribution.fraction(split) * 100
            return "\(split.rawValue) " + (percent.rounded() == percent ? "\(Int(percent))" : "\(percent)") + "%"
        }.joined(separator: ", ")
    }
}
