import DistilleryCore
import DistilleryStorage

/// Where j / k lead from a row: the rows before and after it in row order. The page's query string is kept on
/// every link and form, so the explorer's filter survives moving from row to row.
struct RowNavigation {
    let previousURL: String?
    let nextURL: String?
    /// "?…" or "".
    let query: String
    let filterSummary: String

    init(_ request: HTTPRequest, datasetID: Int64, index: Int64, context: RequestContext) throws {
        query = ""
        filterSummary = ""
        let (previous, next) = try context.reviews.neighbors(datasetID: datasetID, index: index)
        previousURL = previous.map { "/datasets/\(datasetID)/rows/\($0)" }
        nextURL = next.map { "/datasets/\(datasetID)/rows/\($0)" }
    }
}
