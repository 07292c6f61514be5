import DistilleryCore
import DistilleryStorage

/// One page of a dataset's rows through a `RowFilter`, with each row's flags, scores and review: what the explorer
/// page and the rows API both render.
struct RowExplorerPage {
    let record: DatasetRecord
    let filter: RowFilter
    let page: Int
    let perPage: Int
    let total: Int
    let rows: [StoredRow]
    let annotations: [Int64: RowAnnotations]
    /// False while the background indexer builds the dataset's search index (searches scan meanwhile).
    let searchIndexed: Bool

    init(_ request: HTTPRequest, context: RequestContext, defaultPerPage: Int) throws {
        (page, perPage) = try request.paging(defaultPerPage: defaultPerPage)
        filter = try RowFilter(parameter: request.query)
        record = try context.datasets.requireSettledDataset(id: request.datasetID())
        rows = try context.datasets.filteredRows(datasetID: record.id, filter: filter, offset: (page - 1) * perPage, limit: perPage)
        total = filter.isEmpty ? record.rowCount : try context.datasets.filteredRowCount(datasetID: record.id, filter: filter)
        annotations = try context.datasets.annotations(datasetID: record.id, indices: rows.map(\.index))
        searchIndexed = try context.datasets.isSearchIndexed(datasetID: record.id)
    }
}

// GET /datasets/{id}/rows?q=&split=&flag=&min_score=&category=&min_length=&max_length=&review=&representatives=&page=&per_page=
// — the row explorer: the filter form and a page of matching rows (20 by default), each as a conversation with its
// metadata, flags, scores and review, linking to its row page. JSON twin: GET /api/datasets/{id}/rows.
func showRowExplorerPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let loaded = try RowExplorerPage(request, context: context, defaultPerPage: RowExplorerView.defaultPerPage)
    let inputs = loaded.rows.map { row in
        ExplorerRowInput(
            index: row.index, line: row.line, body: row.body, metadata: row.meta, split: row.split,
            annotations: loaded.annotations[row.index] ?? RowAnnotations())
    }
    var view = RowExplorerView(
        datasetID: loaded.record.id, datasetName: loaded.record.name, rowCount: loaded.record.rowCount, filter: loaded.filter,
        page: loaded.page, perPage: loaded.perPage, total: loaded.total, rows: inputs,
        usualSystemPrompt: try loaded.record.skillPrompt ?? context.datasets.usualSystemPrompt(datasetID: loaded.record.id))
    view.chrome = context.chrome(section: .datasets)
    view.canCurate = loaded.record.mode == .chat
    view.searchIndexBuilding = !loaded.searchIndexed
    if loaded.record.mode == .chat { view.tabs = DatasetTabs(datasetID: loaded.record.id, current: .rows) }
    return context.renderer.html(.rowExplorer, view)
}

// GET /api/datasets/{id}/rows?page=1&per_page=50 and the explorer's filters (q, split, flag, min_score, category,
// min_length, max_length, review, representatives; a bad one is a 400 naming it) — the matching rows, paged:
// {"items": [{"index", "line", "estimatedTokens", "row", "metadata", "split", "flags", "scores", "review"}], "page",
// "perPage", "total", "searchIndex"} with `total` the matching rows and `searchIndex` "ready", or "building" while the
// background indexer has not indexed every row (searches scan meanwhile: same results, slower). HTML twin: GET /datasets/{id}/rows, from the same
// `RowExplorerPage`. Rows are stored as validated JSON and spliced in as-is (their bytes and key order kept, no parse
// and re-encode of up to 500 rows); the annotations are encoded.
func getDatasetRowsJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let loaded = try RowExplorerPage(request, context: context, defaultPerPage: 50)
    var body = Array("{\"items\":[".utf8)
    for (position, row) in loaded.rows.enumerated() {
        if position > 0 { body.append(UInt8(ascii: ",")) }
        body += Array("{\"index\":\(row.index),\"line\":\(row.line),\"estimatedTokens\":\(row.tokens),\"row\":".utf8)
        body += Array(row.body.utf8)
        body += Array(",\"metadata\":".utf8)
        body += Array((row.meta ?? "null").utf8)
        body += Array(",\"split\":".utf8)
        body += Array((row.split.map { "\"\($0.rawValue)\"" } ?? "null").utf8)
        // The annotations object's members, without its braces, close this row's object.
        let annotations = Renderer.encode(loaded.annotations[row.index] ?? RowAnnotations())
        body += Array(",".utf8) + annotations.dropFirst()
    }
    body += Array("],\"page\":\(loaded.page),\"perPage\":\(loaded.perPage),\"total\":\(loaded.total)".utf8)
    body += Array(",\"searchIndex\":\"\(loaded.searchIndexed ? "ready" : "building")\"}".utf8)
    var headers = HTTPHeaders()
    headers.set("Content-Type", "application/json; charset=utf-8")
    return HTTPResponse(status: 200, headers: headers, body: .bytes(body))
}
