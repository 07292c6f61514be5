/// One row of the preview, rendered as a conversation.
public struct PreviewRow: Codable, Sendable, Equatable {
    public struct Message: Codable, Sendable, Equatable {
        public let role: String
        public let content: String

        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public struct MetadataItem: Codable, Sendable, Equatable {
        public let key: String
        public let value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public let line: Int
    public let messages: [Message]
    /// A synthesized row's teacher, candidate, judge reason, tokens and latency.
    public let metadata: [MetadataItem]
    public let hasMetadata: Bool

    public init(line: Int, messages: [Message], metadata: [MetadataItem] = []) {
        self.line = line
        self.messages = messages
        self.metadata = metadata
        hasMetadata = !metadata.isEmpty
    }
}

/// A synthesis job as listed on its seeds dataset's page.
public struct SynthesisJobSummary: Codable, Sendable, Equatable {
    public let id: Int64
    /// "J-12"
    public let number: String
    public let statusLabel: String
    public let statusTone: String
    public let progressText: String
    public let teacher: String
    public let url: String

    public init(id: Int64, statusLabel: String, statusTone: String, progressText: String, teacher: String) {
        self.id = id
        number = JobNumber.text(id)
        self.statusLabel = statusLabel
        self.statusTone = statusTone
        self.progressText = progressText
        self.teacher = teacher
        url = "/synthesis/\(id)"
    }
}

/// The synthesis job that made a child dataset, linked from the child's page.
public struct ProducingJob: Codable, Sendable, Equatable {
    public let id: Int64
    /// "J-12": job numbers never read like dataset numbers.
    public let number: String
    public let url: String

    public init(id: Int64) {
        self.id = id
        number = JobNumber.text(id)
        url = "/synthesis/\(id)"
    }
}

/// GET /datasets/{id} and its JSON twin GET /api/datasets/{id}.
public struct DatasetDetailView: Encodable, Sendable {
    public struct Stat: Codable, Sendable, Equatable {
        public let label: String
        public let value: String
    }

    public struct WarningItem: Codable, Sendable, Equatable {
        public let code: String
        public let message: String
        public let count: Int
        public let lines: [Int]
        public let linesText: String?
    }

    public struct Links: Codable, Sendable, Equatable {
        public let page: String
        public let rows: String
        public let errors: String
        public let download: String
        public let errorsCSV: String
        public let errorsJSONL: String
    }

    /// One entry of the Export menu: a chat dataset's rows in a trainer's shape.
    public struct ExportLink: Codable, Sendable, Equatable {
        public let format: String
        public let label: String
        /// nil when the format cannot hold this dataset's rows (`unavailableReason` says why).
        public let url: String?
        public let unavailableReason: String?
    }

    /// One split's entries of the Export menu (every format but the bundle, which holds all the splits).
    public struct SplitExports: Codable, Sendable, Equatable {
        public let split: String
        public let rowsText: String
        public let links: [ExportLink]
    }

    public let dataset: DatasetListItem
    public let baseModelName: String
    public let contextWindow: Int
    public let contextWindowText: String
    public let skillPrompt: String?
    public let summary: ValidationSummary?
    public let children: [DatasetListItem]
    public let synthesisJobs: [SynthesisJobSummary]
    public let hasSynthesisJobs: Bool
    public let canSynthesize: Bool
    public let canDelete: Bool
    public let deleteBlockedReason: String?
    /// The validation ended without judging the file (crashes, a server error): offer to run it again.
    public let canValidateAgain: Bool
    public let links: Links
    /// What the download holds, in words ("The 32 valid rows as JSONL"): an invalid dataset's file is not the upload.
    public let downloadDescription: String
    /// The download button: "Download JSONL", or "Download the 32 valid rows" on an invalid dataset.
    public let downloadLabel: String
    /// Every line error counted by code, most frequent first.
    public let errorCodeCounts: [ErrorCodeCount]
    public let producedBy: ProducingJob?
    /// Set by the loader for a chat dataset with rows: its splits and the (re)split form.
    public var splits: DatasetSplitsView?

    // Page-only presentation, left out of the JSON twin.
    public var chrome: PageChrome?
    /// Set by the loader on a chat dataset a judge can score: the "Score with a judge" form.
    public var judgeScoresURL: String?
    public let isValidating: Bool
    public let hasSummary: Bool
    /// One sentence under the status badge saying what the status means for the user.
    public let statusExplanation: String?
    /// For a not-yet-trainable child: the way forward.
    public let nextSteps: [String]
    public let hasNextSteps: Bool
    /// Above the warnings: whether they stand in the way (they do not, on a usable dataset).
    public let warningsNote: String
    public let hasErrorCodeCounts: Bool
    public let stats: [Stat]
    public let warnings: [WarningItem]
    public let hasWarnings: Bool
    public let errors: [LineError]
    public let hasErrors: Bool
    public let errorCountText: String
    public let errorsTruncated: Bool
    public let shownErrorCount: Int
    public let datasetErrors: [DatasetError]
    public let hasDatasetErrors: Bool
    public let histogram: HistogramChart?
    public let maxTokensText: String
    public let preview: [PreviewRow]
    public let hasPreview: Bool
    public let previewCount: Int
    public let hasChildren: Bool
    public let hasRows: Bool
    public let downloadURL: String
    /// Empty on seeds, while validating, or without rows.
    public let exports: [ExportLink]
    public let hasExports: Bool
    /// Set by the loader once the dataset is split (`showSplitExports`): the menu per non-empty split.
    public private(set) var splitExports: [SplitExports] = []
    public private(set) var hasSplitExports = false

    enum CodingKeys: String, CodingKey {
        case dataset, baseModelName, contextWindow, skillPrompt, summary, children, synthesisJobs, canDelete, deleteBlockedReason, links
        case preview, downloadDescription, downloadLabel, errorCodeCounts, producedBy, statusExplanation, canValidateAgain, exports, splits
        case splitExports
    }

    public init(
        record: DatasetRecord, preview: [PreviewRow], children: [DatasetRecord], viewer: User?, synthesisJobs: [SynthesisJobSummary] = [],
        errorCodeCounts: [ErrorCodeCount] = [], producedBy: ProducingJob? = nil
    ) {
        self.errorCodeCounts = errorCodeCounts
        hasErrorCodeCounts = !errorCodeCounts.isEmpty
        self.producedBy = producedBy
        let readiness = DatasetReadiness(record: record)
        nextSteps = readiness?.nextSteps ?? []
        hasNextSteps = !nextSteps.isEmpty
        let usable = record.status != .invalid || readiness != nil
        warningsNote = usable
            ? "The dataset can still be used; fix these before training if they are not intended."
            : "Fix these too when you fix the problems above."
        let rowNoun = record.mode == .seeds ? "seed" : "row"
        let plural = record.rowCount == 1 ? "" : "s"
        downloadDescription = usable
            ? "All \(Formatting.count(record.rowCount)) \(rowNoun)\(plural), normalized, as JSONL."
            : "Only the \(Formatting.count(record.rowCount)) valid \(rowNoun)\(plural) (the lines with errors are left out), as JSONL."
        downloadLabel = usable ? "Download JSONL" : "Download the \(Formatting.count(record.rowCount)) valid \(rowNoun)\(plural)"
        self.synthesisJobs = synthesisJobs
        hasSynthesisJobs = !synthesisJobs.isEmpty
        canSynthesize = DatasetListItem(record).canSynthesize
        let model = BaseModelCatalog.model(id: record.baseModel)
        dataset = DatasetListItem(record)
        baseModelName = model?.displayName ?? record.baseModel
        contextWindow = model?.contextWindow ?? record.summary?.contextWindow ?? 0
        contextWindowText = Formatting.count(contextWindow)
        skillPrompt = record.skillPrompt
        summary = record.summary
        self.children = children.map(DatasetListItem.init)
        hasChildren = !children.isEmpty
        if let viewer, !viewer.mayDelete(createdBy: record.createdBy) {
            canDelete = false
            let creator = record.createdByName.map { "its creator (\($0)) or " } ?? ""
            deleteBlockedReason = "Only \(creator)an admin can delete this dataset."
        } else if record.activeJobs > 0 {
            canDelete = false
            deleteBlockedReason = record.status == .validating
                ? "Validation is running; the dataset can be deleted when it finishes."
                : record.status == .synthesizing ? "A synthesis job is using it; delete it when the job ends (or cancel the job)."
                : "Used by \(record.activeJobs) active job\(record.activeJobs == 1 ? "" : "s"); it can be deleted when they finish."
        } else {
            canDelete = true
            deleteBlockedReason = nil
        }
        canValidateAgain = record.canValidateAgain
        let base = "/datasets/\(record.id)"
        links = Links(
            page: base, rows: "/api\(base)/rows", errors: "/api\(base)/errors", download: "\(base)/download",
            errorsCSV: "\(base)/errors.csv", errorsJSONL: "\(base)/errors.jsonl")
        downloadURL = links.download
        isValidating = record.status == .validating
        self.preview = preview
        hasPreview = !preview.isEmpty
        previewCount = preview.count
        hasRows = record.rowCount > 0 && !isValidating
        exports = hasRows && record.mode == .chat ? Self.exportLinks(record) : []
        hasExports = !exports.isEmpty

        guard let summary = record.summary, !isValidating else {
            hasSummary = false
            statusExplanation = nil
            stats = []
            warnings = []
            hasWarnings = false
            errors = []
            hasErrors = false
            errorCountText = "0"
            errorsTruncated = false
            shownErrorCount = 0
            datasetErrors = []
            hasDatasetErrors = false
            histogram = nil
            maxTokensText = "0"
            return
        }
        hasSummary = true
        statusExplanation = record.retryableValidationFailure?.message ?? readiness?.summary ?? Self.explanation(summary)
        let exampleNoun = summary.mode == .seeds ? "Seeds" : "Valid examples"
        stats = [
            Stat(label: "Lines", value: Formatting.count(summary.lines)),
            Stat(label: exampleNoun, value: Formatting.count(summary.examples)),
            Stat(label: "Invalid lines", value: Formatting.count(summary.invalidLines)),
            Stat(label: "Messages", value: Formatting.count(summary.messages)),
            Stat(label: "Tokens (estimated)", value: Formatting.count(summary.estimatedTokens)),
            Stat(label: "Longest example (est. tokens)", value: Formatting.count(summary.maxExampleTokens)),
        ]
        warnings = summary.warnings.map { warning in
            let shown = warning.lines.map(String.init).joined(separator: ", ")
            let more = warning.count > warning.lines.count && !warning.lines.isEmpty ? " and \(Formatting.count(warning.count - warning.lines.count)) more" : ""
            return WarningItem(
                code: warning.code, message: warning.message, count: warning.count, lines: warning.lines,
                linesText: warning.lines.isEmpty ? nil : shown + more)
        }
        hasWarnings = !warnings.isEmpty
        errors = summary.errors
        hasErrors = !summary.errors.isEmpty
        errorCountText = Formatting.count(summary.errorCount)
        errorsTruncated = summary.errorCount > summary.errors.count
        shownErrorCount = summary.errors.count
        datasetErrors = summary.datasetErrors
        hasDatasetErrors = !summary.datasetErrors.isEmpty
        histogram = HistogramChart(summary.histogram)
        maxTokensText = Formatting.count(summary.maxExampleTokens)
    }

    static func explanation(_ summary: ValidationSummary) -> String {
        switch summary.status {
        case .valid: return "Ready to train: every line passed."
        case .validWithWarnings: return "Ready to train. Review the warnings below before you do."
        case .validSeeds: return "Ready to synthesize: \(Formatting.count(summary.examples)) seeds."
        case .invalid:
            var reasons: [String] = []
            if summary.invalidLines > 0 {
                reasons.append("\(Formatting.count(summary.invalidLines)) line\(summary.invalidLines == 1 ? " has" : "s have") errors")
            }
            reasons += summary.datasetErrors.map(\.message)
            return "Not usable yet: \(reasons.joined(separator: "; ")). Fix the source file and upload it as a new dataset."
        default: return summary.status.label
        }
    }
}

extension DatasetDetailView {
    /// Alpaca holds user/assistant pairs only, so rows that break the alternation rule it out.
    static func exportLinks(_ record: DatasetRecord, split: DatasetSplit? = nil) -> [ExportLink] {
        let notAlternating = record.summary?.warnings.first { $0.code == "roles_not_alternating" }
        let splitQuery = split.map { "&split=\($0.rawValue)" } ?? ""
        return ExportFormat.allCases.filter { split == nil || $0 != .bundle }.map { format in
            if format == .alpaca, let notAlternating {
                return ExportLink(
                    format: format.rawValue, label: format.label, url: nil,
                    unavailableReason: "\(Formatting.count(notAlternating.count)) rows do not alternate user and assistant turns.")
            }
            return ExportLink(
                format: format.rawValue, label: format.label,
                url: "/datasets/\(record.id)/export?format=\(format.rawValue)\(splitQuery)", unavailableReason: nil)
        }
    }

    /// Adds each non-empty split's Export menu, for a dataset that has exports and is split.
    public mutating func showSplitExports(_ record: DatasetRecord, counts: SplitCounts) {
        guard hasExports else { return }
        splitExports = DatasetSplit.allCases.filter { counts[$0] > 0 }.map { split in
            SplitExports(
                split: split.rawValue, rowsText: "\(Formatting.count(counts[split])) row\(counts[split] == 1 ? "" : "s")",
                links: Self.exportLinks(record, split: split))
        }
        hasSplitExports = !splitExports.isEmpty
    }
}
