/// How many line errors share one code: the dataset page groups 589 identical errors into one line.
public struct ErrorCodeCount: Codable, Sendable, Equatable {
    public let code: String
    public let count: Int
    /// "589 × missing_input"
    public let text: String

    public init(code: String, count: Int) {
        self.code = code
        self.count = count
        text = "\(Formatting.count(count)) × \(code)"
    }
}

/// Whether a dataset can be trained on, and if not, what to do next. A synthesized child with fewer rows than
/// training needs is not a broken upload: its rows are good, there are just not enough of them yet. Once a
/// dataset is split, the floor applies to its train split alone: validation and test may be as small as they like.
public struct DatasetReadiness: Codable, Sendable, Equatable {
    public let trainable: Bool
    /// The rows that count towards the floor: the train split's once split, else every row.
    public let rows: Int
    /// True when `rows` counts the train split only.
    public let countsTrainSplit: Bool
    public let minimumRows: Int
    /// Rows still missing before training is possible (0 when trainable).
    public let rowsNeeded: Int
    /// "20 rows; 80 more needed to train, minimum 100." or "88 train rows; 12 more needed to train, minimum 100."
    public let summary: String
    /// What the user can do about it, in order.
    public let nextSteps: [String]

    public static let minimumTrainingRows = ValidationOptions.defaultMinimumExamples

    /// Nil unless the dataset's rows are good but too few to train on: a split chat dataset whose train split is
    /// under the floor, or a synthesized child held back only by its size (every line became a row, so the only
    /// problem left is "too few examples", the one dataset error of chat mode). Reads the record's counts, not
    /// its summary, so the list (which loads no summaries) shows the same badge as the page.
    public init?(record: DatasetRecord) {
        guard record.mode == .chat else { return nil }
        let minimum = Self.minimumTrainingRows
        let heldBackOnlyBySize = record.parentID != nil && record.status == .invalid && record.rowCount < minimum
            && record.lineCount == record.rowCount
        let counted: Int
        if let trainRows = record.trainRows {
            let rowsAreGood = heldBackOnlyBySize || [.valid, .validWithWarnings, .readyForTraining].contains(record.status)
            guard rowsAreGood, trainRows < minimum else { return nil }
            counted = trainRows
        } else {
            guard heldBackOnlyBySize else { return nil }
            counted = record.rowCount
        }
        rows = counted
        countsTrainSplit = record.trainRows != nil
        trainable = false
        minimumRows = minimum
        rowsNeeded = minimum - counted
        let noun = (countsTrainSplit ? "train row" : "row") + (counted == 1 ? "" : "s")
        summary = "\(Formatting.count(counted)) \(noun); \(Formatting.count(rowsNeeded)) more needed to train, minimum \(Formatting.count(minimum))."
        var steps: [String] = []
        if countsTrainSplit && record.rowCount >= minimum {
            steps.append("Split again with a larger train fraction: validation and test may be small, the train split needs \(Formatting.count(minimum)) rows.")
        }
        if record.parentID != nil {
            steps.append("Synthesize more seeds: add seeds to the parent dataset (or upload more) and run another synthesis job.")
        }
        steps.append("Merge it with other chat datasets: select them on the Datasets page and choose Merge selected.")
        nextSteps = steps
    }

    /// The badge a not-yet-trainable dataset shows instead of its status ("Invalid", "Valid").
    public static let statusLabel = "Not yet trainable"
    public static let statusTone = "warn"
}

/// Training needs at least 100 rows (in the train split, once split); a synthesis with fewer seeds cannot reach
/// that in one job.
public enum SynthesisSizeCheck {
    /// Nil when the seeds can make a trainable child; otherwise a warning to show before the start. With a
    /// `distribution` the child is split when it is built, so only its train quota counts.
    public static func warning(
        seedCount: Int, distribution: RecipeDistribution? = nil, minimumRows: Int = DatasetReadiness.minimumTrainingRows
    ) -> String? {
        let trainRows = distribution?.quotas(rowCount: seedCount).train ?? seedCount
        guard trainRows < minimumRows else { return nil }
        let seeds = "\(Formatting.count(seedCount)) seed\(seedCount == 1 ? "" : "s") can make at most \(Formatting.count(seedCount)) rows"
        if trainRows < seedCount {
            return seeds + ", \(Formatting.count(trainRows)) of them in the train split; training needs at least "
                + "\(Formatting.count(minimumRows)) train rows. The child will not be trainable until it has "
                + "\(Formatting.count(minimumRows - trainRows)) more: add seeds first, raise the train fraction, or plan to synthesize more later."
        }
        return seeds + "; training needs at least \(Formatting.count(minimumRows)). The child will not be trainable until it has "
            + "\(Formatting.count(minimumRows - seedCount)) more: add seeds first, or plan to synthesize more later."
    }
}
