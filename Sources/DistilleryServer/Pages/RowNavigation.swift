import DistilleryCore
import DistilleryStorage

/// Where j / k lead from a row: the rows before and after it among those the explorer's filter selects (the page's
/// query string is that filter; without one, all rows), in row order. Links and forms keep the filter.
struct RowNavigation {
    let previousURL: String?
    let nextURL: String?
    /// `RowFilter.queryString`: "?…" or "".
    let query: String
    /// The filter in words; "" without one.
    let filterSummary: String

    init(_ request: HTTPRequest, datasetID: Int64, index: Int64, context: RequestContext) throws {
        let filter = try RowFilter(parameter: request.query)
        query = filter.queryString
        filterSummary = filter.isEmpty ? "" : filter.summary
        let (previous, next) = try context.datasets.neighbors(datasetID: datasetID, index: index, filter: filter)
        previousURL = previous.map { "/datasets/\(datasetID)/rows/\($0)\(filter.queryString)" }
        nextURL = next.map { "/datasets/\(datasetID)/rows/\($0)\(filter.queryString)" }
    }
}
