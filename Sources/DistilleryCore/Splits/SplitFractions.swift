/// One of the three parts a dataset is divided into, in their fixed order (train, validation, test).
public enum DatasetSplit: String, Sendable, CaseIterable {
    case train, validation, test
}

/// A number of rows per split.
public struct SplitCounts: Sendable, Equatable {
    public var train: Int
    public var validation: Int
    public var test: Int

    public init(train: Int = 0, validation: Int = 0, test: Int = 0) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    public subscript(split: DatasetSplit) -> Int {
        get {
            switch split {
            case .train: return train
            case .validation: return validation
            case .test: return test
            }
        }
        set {
            switch split {
            case .train: train = newValue
            case .validation: validation = newValue
            case .test: test = newValue
            }
        }
    }

    public var total: Int { train + validation + test }
}

extension RecipeDistribution {
    public static let splitPresets: [(name: String, distribution: RecipeDistribution)] = [
        ("80/10/10", RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1)),
        ("90/10/0", RecipeDistribution(train: 0.9, validation: 0.1, test: 0)),
        ("80/20/0", RecipeDistribution(train: 0.8, validation: 0.2, test: 0)),
        ("100/0/0", .allTrain),
    ]

    public func fraction(_ split: DatasetSplit) -> Double {
        switch split {
        case .train: return train
        case .validation: return validation
        case .test: return test
        }
    }

    /// Each broken rule keyed by the field it is about (`train`, `validation`, `test`, or `fractions` for the sum).
    /// Empty means the fractions can be used to split.
    public var splitProblems: [String: String] {
        var problems: [String: String] = [:]
        for split in DatasetSplit.allCases {
            let value = fraction(split)
            if !value.isFinite || value < 0 || value > 1 {
                problems[split.rawValue] = "must be a number from 0 to 1; got \(value)"
            }
        }
        let sum = train + validation + test
        if problems.isEmpty && abs(sum - 1) > Recipe.distributionTolerance {
            problems["fractions"] = "train + validation + test must sum to 1; got \(sum)"
        }
        return problems
    }

    /// The split sizes for `rowCount` rows by `LargestRemainder`: each split first gets the floor of its share of
    /// rowCount; the rows left over go one each to the largest remainders, ties in split order (train, validation,
    /// test). A split whose fraction is 0 never gets a row.
    public func quotas(rowCount: Int) -> SplitCounts {
        let shares = LargestRemainder.apportion(rowCount, weights: DatasetSplit.allCases.map(fraction))
        var counts = SplitCounts()
        for (split, share) in zip(DatasetSplit.allCases, shares) { counts[split] = share }
        return counts
    }
}
