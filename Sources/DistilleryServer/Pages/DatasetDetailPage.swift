import DistilleryCore
import Foundation

// GET /datasets/{id}  — status (followed live while validating), summary, warnings, the first 50
// line errors, the token histogram, a preview of the first rows and the child datasets.
// JSON twin: GET /api/datasets/{id}
func showDatasetDetailPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var view = try loadDatasetDetailView(id: request.datasetID(), context: context)
    view.chrome = context.chrome(section: .datasets)
    return context.renderer.html("dataset_detail", view)
}

// GET /api/datasets/{id}  — HTML twin: GET /datasets/{id}
func getDatasetJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try loadDatasetDetailView(id: request.datasetID(), context: context))
}

// GET /api/datasets/{id}/rows?page=1&per_page=50  — the normalized rows, paged:
// {"items": [{"index", "line", "estimatedTokens", "row", "metadata"}], "page", "perPage", "total"}.
// Rows are stored as validated JSON, so they are spliced in as-is rather than parsed and re-encoded.
func getDatasetRowsJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (page, perPage) = try request.paging()
    let record = try context.datasets.requireDataset(id: request.datasetID())
    let rows = try context.datasets.rows(datasetID: record.id, offset: (page - 1) * perPage, limit: perPage)
    var body = Array("{\"items\":[".utf8)
    for (position, row) in rows.enumerated() {
        if position > 0 { body.append(UInt8(ascii: ",")) }
        body += Array("{\"index\":\(row.index),\"line\":\(row.line),\"estimatedTokens\":\(row.tokens),\"row\":".utf8)
        body += Array(row.body.utf8)
        body += Array(",\"metadata\":".utf8)
        body += Array((row.meta ?? "null").utf8)
        body.append(UInt8(ascii: "}"))
    }
    body += Array("],\"page\":\(page),\"perPage\":\(perPage),\"total\":\(record.rowCount)}".utf8)
    var headers = HTTPHeaders()
    headers.set("Content-Type", "application/json; charset=utf-8")
    return HTTPResponse(status: 200, headers: headers, body: .bytes(body))
}

// GET /api/datasets/{id}/errors?page=1&per_page=50  — every line error, paged.
func getDatasetErrorsJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (page, perPage) = try request.paging()
    let record = try context.datasets.requireDataset(id: request.datasetID())
    let errors = try context.datasets.errors(datasetID: record.id, offset: (page - 1) * perPage, limit: perPage)
    let total = try context.datasets.errorCount(datasetID: record.id)
    return context.renderer.json(Page(items: errors, page: page, perPage: perPage, total: total))
}

func loadDatasetDetailView(id: Int64, context: RequestContext) throws -> DatasetDetailView {
    let record = try context.datasets.requireDataset(id: id)
    let previewRows = record.status == .validating ? [] : try context.datasets.rows(datasetID: id, offset: 0, limit: 5)
    let preview = previewRows.map { PreviewDecoding.previewRow(line: $0.line, json: $0.body) }
    let children = try context.datasets.children(of: id)
    return DatasetDetailView(record: record, preview: preview, children: children, viewer: context.identity?.user)
}

struct Page<Item: Encodable>: Encodable {
    let items: [Item]
    let page: Int
    let perPage: Int
    let total: Int
}

enum PreviewDecoding {
    private struct ChatRow: Decodable {
        struct Message: Decodable {
            let role: String
            let content: String
        }
        let messages: [Message]
    }

    private struct SeedRow: Decodable {
        let input: String
    }

    /// A stored row as conversation turns (a seed shows as one user turn).
    static func previewRow(line: Int, json: String) -> PreviewRow {
        let data = Data(json.utf8)
        if let chat = try? JSONDecoder().decode(ChatRow.self, from: data) {
            return PreviewRow(line: line, messages: chat.messages.map { .init(role: $0.role, content: $0.content) })
        }
        if let seed = try? JSONDecoder().decode(SeedRow.self, from: data) {
            return PreviewRow(line: line, messages: [.init(role: "user", content: seed.input)])
        }
        return PreviewRow(line: line, messages: [])
    }
}
