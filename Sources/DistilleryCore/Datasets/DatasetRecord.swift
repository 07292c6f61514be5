/// A dataset as stored: what the store returns and the view models are built from.
public struct DatasetRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var mode: DatasetMode
    public var baseModel: String
    public var skillPrompt: String?
    public var status: DatasetStatus
    public var byteSize: Int
    public var lineCount: Int
    public var rowCount: Int
    public var summary: ValidationSummary?
    public var parentID: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64
    /// Jobs other than its own validation that used this dataset (synthesis, later training).
    public var usedInJobs: Int
    /// Queued or running jobs that reference it: while non-zero it cannot be deleted.
    public var activeJobs: Int
    /// Who uploaded it (nil for rows from before accounts, or a deleted user).
    public var createdBy: Int64?
    public var createdByName: String?
    /// A merged dataset's parents in merge order (those not deleted since); empty for any other dataset.
    public var mergeParentIDs: [Int64]
    /// How many exact duplicate rows the merge dropped; nil for a dataset that is not a merge.
    public var mergeDuplicatesDropped: Int?
    /// Rows in the train split once the dataset has been split; nil before (the training floor then counts every row).
    public var trainRows: Int?

    public init(
        id: Int64, name: String, mode: DatasetMode, baseModel: String, skillPrompt: String?, status: DatasetStatus,
        byteSize: Int, lineCount: Int, rowCount: Int, summary: ValidationSummary?, parentID: Int64?,
        createdAt: Int64, updatedAt: Int64, usedInJobs: Int = 0, activeJobs: Int = 0, createdBy: Int64? = nil,
        createdByName: String? = nil, mergeParentIDs: [Int64] = [], mergeDuplicatesDropped: Int? = nil, trainRows: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.mode = mode
        self.baseModel = baseModel
        self.skillPrompt = skillPrompt
        self.status = status
        self.byteSize = byteSize
        self.lineCount = lineCount
        self.rowCount = rowCount
        self.summary = summary
        self.parentID = parentID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.usedInJobs = usedInJobs
        self.activeJobs = activeJobs
        self.createdBy = createdBy
        self.createdByName = createdByName
        self.mergeParentIDs = mergeParentIDs
        self.mergeDuplicatesDropped = mergeDuplicatesDropped
        self.trainRows = trainRows
    }
}

extension DatasetStatus {
    public var label: String {
        switch self {
        case .validating: return "Validating"
        case .valid: return "Valid"
        case .validWithWarnings: return "Valid with warnings"
        case .invalid: return "Invalid"
        case .validSeeds: return "Ready to synthesize"
        case .synthesizing: return "Synthesizing"
        case .readyForTraining: return "Ready for training"
        }
    }

    /// The badge colour class: ok, warn, bad or busy.
    public var tone: String {
        switch self {
        case .valid, .validSeeds, .readyForTraining: return "ok"
        case .validWithWarnings: return "warn"
        case .invalid: return "bad"
        case .validating, .synthesizing: return "busy"
        }
    }
}

extension DatasetMode {
    public var label: String {
        switch self {
        case .chat: return "Chat format"
        case .seeds: return "Seeds + skill prompt"
        }
    }
}
