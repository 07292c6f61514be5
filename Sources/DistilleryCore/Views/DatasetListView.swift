/// A link to one parent dataset, in "from #3 + #7".
public struct DatasetParentLink: Codable, Sendable, Equatable {
    public let id: Int64
    public let url: String
    /// The first link is not preceded by " + ".
    public let isFirst: Bool

    public init(id: Int64, isFirst: Bool) {
        self.id = id
        url = "/datasets/\(id)"
        self.isFirst = isFirst
    }
}

/// One dataset as a row of the list and the header of its detail page; also its JSON shape.
public struct DatasetListItem: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let mode: String
    public let modeLabel: String
    public let status: String
    public let statusLabel: String
    public let statusTone: String
    public let baseModel: String
    public let rows: Int
    public let rowsText: String
    public let lineCount: Int
    public let lineCountText: String
    public let byteSize: Int
    public let sizeText: String
    public let createdAt: String
    public let createdText: String
    public let parentID: Int64?
    public let usedInJobs: Int
    public let usedInJobsText: String
    public let url: String
    public let createdBy: String?
    /// A seeds dataset that passed validation: the Generate Synthetic Data button shows.
    public let canSynthesize: Bool
    /// Set for a synthesized child held back only by its size ("Not yet trainable"), nil otherwise.
    public let readiness: DatasetReadiness?
    /// Every parent: a merged dataset's in merge order, a synthesized child's one seeds dataset.
    public let parents: [Int64]
    public let parentLinks: [DatasetParentLink]
    public let hasParents: Bool
    /// Exact duplicate rows its merge dropped; nil unless the dataset is a merge.
    public let duplicatesDropped: Int?
    /// "2 exact duplicate rows dropped"; nil unless the dataset is a merge.
    public let duplicatesDroppedText: String?
    /// A chat dataset with valid rows and a finished validation: it can be selected for a merge.
    public let canMerge: Bool

    public init(_ record: DatasetRecord) {
        id = record.id
        name = record.name
        mode = record.mode.rawValue
        modeLabel = record.mode.label
        status = record.status.rawValue
        readiness = DatasetReadiness(record: record)
        statusLabel = readiness == nil ? record.status.label : DatasetReadiness.statusLabel
        statusTone = readiness == nil ? record.status.tone : DatasetReadiness.statusTone
        baseModel = record.baseModel
        rows = record.rowCount
        rowsText = record.status == .validating ? "…" : Formatting.count(record.rowCount)
        lineCount = record.lineCount
        lineCountText = Formatting.count(record.lineCount)
        byteSize = record.byteSize
        sizeText = Formatting.bytes(record.byteSize)
        createdAt = Formatting.iso8601(milliseconds: record.createdAt)
        createdText = Formatting.timestamp(milliseconds: record.createdAt)
        parentID = record.parentID
        usedInJobs = record.usedInJobs
        usedInJobsText = record.usedInJobs == 1 ? "1 job" : "\(Formatting.count(record.usedInJobs)) jobs"
        url = "/datasets/\(record.id)"
        createdBy = record.createdByName
        canSynthesize = record.mode == .seeds && (record.status == .validSeeds || record.status == .synthesizing)
        parents = !record.mergeParentIDs.isEmpty ? record.mergeParentIDs : record.parentID.map { [$0] } ?? []
        parentLinks = parents.enumerated().map { DatasetParentLink(id: $0.element, isFirst: $0.offset == 0) }
        hasParents = !parents.isEmpty
        duplicatesDropped = record.mergeDuplicatesDropped
        duplicatesDroppedText = record.mergeDuplicatesDropped.map {
            "\(Formatting.count($0)) exact duplicate row\($0 == 1 ? "" : "s") dropped"
        }
        canMerge = DatasetMergeRules.ineligibility(record) == nil
    }
}

/// GET /datasets and GET /api/datasets.
public struct DatasetListView: Encodable, Sendable {
    public let datasets: [DatasetListItem]
    public let count: Int
    public let isEmpty: Bool
    public var chrome: PageChrome?
    /// At least two datasets can be merged: the list offers its checkboxes and the Merge selected form.
    public let offersMerge: Bool
    /// A merge refused from the list page: the reason, and the name typed, shown again above the table.
    public var mergeError: String?
    public var mergeName = ""

    /// The JSON twin carries the data, not the page chrome.
    enum CodingKeys: String, CodingKey {
        case datasets, count
    }

    public init(records: [DatasetRecord]) {
        datasets = records.map(DatasetListItem.init)
        count = records.count
        isEmpty = records.isEmpty
        offersMerge = datasets.filter(\.canMerge).count >= DatasetMergeRules.minimumDatasets
    }
}
