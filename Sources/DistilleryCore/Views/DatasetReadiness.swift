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
/// training needs is not a broken upload: its rows are good, there are just not enough of them yet.
public struct DatasetReadiness: Codable, Sendable, Equatable {
    public let trainable: Bool
    public let rows: Int
    public let minimumRows: Int
    /// Rows still missing before training is possible (0 when trainable).
    public let rowsNeeded: Int
    /// "20 rows; 80 more needed to train, minimum 100."
    public let summary: String
    /// What the user can do about it, in order.
    public let nextSteps: [String]

    public static let minimumTrainingRows = ValidationOptions.defaultMinimumExamples

    /// Nil unless the dataset is a synthesized child held back only by its size: every line became a row (so
    /// the only problem left is "too few examples", the one dataset error of chat mode). Reads the record's
    /// counts, not its summary, so the list (which loads no summaries) shows the same badge as the page.
    public init?(record: DatasetRecord) {
        guard record.parentID != nil, record.mode == .chat, record.status == .invalid,
            record.rowCount < Self.minimumTrainingRows, record.lineCount == record.rowCount
        else { return nil }
        rows = record.rowCount
        trainable = false
        minimumRows = Self.minimumTrainingRows
        rowsNeeded = max(0, minimumRows - rows)
        self.summary = "\(Formatting.count(rows)) row\(rows == 1 ? "" : "s"); \(Formatting.count(rowsNeeded)) more needed to train, minimum \(Formatting.count(minimumRows))."
        nextSteps = [
            "Synthesize more seeds: add seeds to the parent dataset (or upload more) and run another synthesis job.",
            "Merge it with other chat datasets: select them on the Datasets page and choose Merge selected.",
        ]
    }

    /// The badge a not-yet-trainable child shows instead of the red "Invalid".
    public static let statusLabel = "Not yet trainable"
    public static let statusTone = "warn"
}

/// Training needs at least 100 rows; a synthesis with fewer seeds cannot reach that in one job.
public enum SynthesisSizeCheck {
    /// Nil when the seeds can make a trainable child; otherwise a warning to show before the start.
    public static func warning(seedCount: Int, minimumRows: Int = DatasetReadiness.minimumTrainingRows) -> String? {
        guard seedCount < minimumRows else { return nil }
        return "\(Formatting.count(seedCount)) seed\(seedCount == 1 ? "" : "s") can make at most \(Formatting.count(seedCount)) rows; "
            + "training needs at least \(Formatting.count(minimumRows)). The child will not be trainable until it has "
            + "\(Formatting.count(minimumRows - seedCount)) more: add seeds first, or plan to synthesize more later."
    }
}
