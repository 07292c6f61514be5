/// Each split's estimated tokens and token-length histogram (the rows' stored estimates, the same buckets as the
/// whole dataset's), for the detail page's Splits card.
public struct SplitLengths: Sendable, Equatable {
    public private(set) var tokens = SplitCounts()
    public private(set) var histograms = [TokenHistogram](repeating: TokenHistogram(), count: DatasetSplit.allCases.count)

    public init() {}

    public mutating func add(rowTokens: Int, to split: DatasetSplit) {
        tokens[split] += rowTokens
        histograms[split.position].add(rowTokens)
    }

    public func histogram(_ split: DatasetSplit) -> TokenHistogram { histograms[split.position] }
}

extension DatasetSplit {
    /// The split's place in `allCases` (train 0, validation 1, test 2).
    var position: Int {
        switch self {
        case .train: return 0
        case .validation: return 1
        case .test: return 2
        }
    }
}
