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
    }
}

/// GET /datasets and GET /api/datasets.
public struct DatasetListView: Encodable, Sendable {
    public let datasets: [DatasetListItem]
    public let count: Int
    public let isEmpty: Bool
    public var chrome: PageChrome?

    /// The JSON twin carries the data, not the page chrome.
    enum CodingKeys: String, CodingKey {
        case datasets, count
    }

    public init(records: [DatasetRecord]) {
        datasets = records.map(DatasetListItem.init)
        count = records.count
        isEmpty = records.isEmpty
    }
}
