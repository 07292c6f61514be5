/// The tab bar of a chat dataset's pages (Overview · Rows · Quality), the `dataset_tabs` partial's view.
public struct DatasetTabs: Encodable, Sendable, Equatable {
    public enum Tab: String, Sendable {
        case overview, rows, quality
    }

    public let datasetID: Int64
    public let overview: Bool
    public let rows: Bool
    public let quality: Bool

    public init(datasetID: Int64, current: Tab) {
        self.datasetID = datasetID
        overview = current == .overview
        rows = current == .rows
        quality = current == .quality
    }
}
