import DistilleryCore
import Foundation

// GET /datasets/{id}  — status (followed live while validating), summary, warnings, the first 50
// line errors, the token histogram, a preview of the first rows and the child datasets.
// JSON twin: GET /api/datasets/{id}
func showDatasetDetailPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var view = try loadDatasetDetailView(id: request.datasetID(), context: context)
    view.chrome = context.chrome(section: .datasets)
    return context.renderer.html(.datasetDetail, view)
}

// GET /api/datasets/{id}  — HTML twin: GET /datasets/{id}
func getDatasetJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try loadDatasetDetailView(id: request.datasetID(), context: context))
}

// GET /api/datasets/{id}/rows?page=1&per_page=50  — the normalized rows, paged:
// {"items": [{"index", "line", "estimatedTokens", "row", "metadata", "split"}], "page", "perPage", "total"};
// `?split=train|validation|test` lists one split (split is null until the dataset has been split).
// Rows are stored as validated JSON, so they are spliced in as-is rather than parsed and re-encoded.
func getDatasetRowsJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (page, perPage) = try request.paging()
    let record = try context.datasets.requireSettledDataset(id: request.datasetID())
    let split = try request.query("split").map { name in
        guard let split = DatasetSplit(rawValue: name) else {
            throw AppError.badRequest("split must be train, validation or test; got \"\(name.prefix(40))\".")
        }
        return split
    }
    let rows = try context.datasets.rows(datasetID: record.id, offset: (page - 1) * perPage, limit: perPage, split: split)
    var body = Array("{\"items\":[".utf8)
    for (position, row) in rows.enumerated() {
        if position > 0 { body.append(UInt8(ascii: ",")) }
        body += Array("{\"index\":\(row.index),\"line\":\(row.line),\"estimatedTokens\":\(row.tokens),\"row\":".utf8)
        body += Array(row.body.utf8)
        body += Array(",\"metadata\":".utf8)
        body += Array((row.meta ?? "null").utf8)
        body += Array(",\"split\":".utf8)
        body += Array((row.split.map { "\"\($0.rawValue)\"" } ?? "null").utf8)
        body.append(UInt8(ascii: "}"))
    }
    let total = try split.map { try context.datasets.split(datasetID: record.id)?.counts[$0] ?? 0 } ?? record.rowCount
    body += Array("],\"page\":\(page),\"perPage\":\(perPage),\"total\":\(total)}".utf8)
    var headers = HTTPHeaders()
    headers.set("Content-Type", "application/json; charset=utf-8")
    return HTTPResponse(status: 200, headers: headers, body: .bytes(body))
}

// GET /api/datasets/{id}/errors?page=1&per_page=50  — every line error, paged.
func getDatasetErrorsJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (page, perPage) = try request.paging()
    let record = try context.datasets.requireSettledDataset(id: request.datasetID())
    let errors = try context.datasets.errors(datasetID: record.id, offset: (page - 1) * perPage, limit: perPage)
    let total = try context.datasets.errorCount(datasetID: record.id)
    return context.renderer.json(Page(items: errors, page: page, perPage: perPage, total: total))
}

func loadDatasetDetailView(id: Int64, context: RequestContext) throws -> DatasetDetailView {
    let record = try context.datasets.requireDataset(id: id)
    let previewRows = record.status == .validating ? [] : try context.datasets.rows(datasetID: id, offset: 0, limit: 5)
    let preview = previewRows.map { PreviewDecoding.previewRow(line: $0.line, json: $0.body, metadata: $0.meta) }
    let children = try context.datasets.children(of: id)
    let jobs = try context.services.synthesis.jobs(parentDatasetID: id).map { job in
        let (label, tone) = SynthesisJobPresentation.label(job.status, cancelRequested: job.cancelRequested)
        return SynthesisJobSummary(
            id: job.jobID, statusLabel: label, statusTone: tone,
            progressText: "\(Formatting.count(job.processed)) of \(Formatting.count(job.total)) processed, \(Formatting.count(job.written)) written, \(Formatting.count(job.skipped)) skipped",
            teacher: "\(context.services.catalog.provider(id: job.provider)?.displayName ?? job.provider) · \(job.model)")
    }
    let producedBy = record.parentID == nil ? nil : try context.services.synthesis.job(childDatasetID: id).map { ProducingJob(id: $0.jobID) }
    var view = DatasetDetailView(
        record: record, preview: preview, children: children, viewer: context.identity?.user, synthesisJobs: jobs,
        errorCodeCounts: record.status == .validating ? [] : try context.datasets.errorCountsByCode(datasetID: id), producedBy: producedBy)
    if record.mode == .chat && record.rowCount > 0 && record.status != .validating {
        let applied = try context.datasets.split(datasetID: id)
        view.splits = DatasetSplitsView(applied: applied, lengths: try context.datasets.splitLengths(datasetID: id))
        if let applied { view.showSplitExports(record, counts: applied.counts) }
    }
    if ScoringService.isScorable(record) {
        view.judgeScoresURL = "/datasets/\(id)/judge-scores/new"
    }
    return view
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

    /// A stored row as conversation turns (a seed shows as one user turn), with its metadata.
    static func previewRow(line: Int, json: String, metadata: String? = nil) -> PreviewRow {
        let data = Data(json.utf8)
        if let chat = try? JSONDecoder().decode(ChatRow.self, from: data) {
            return PreviewRow(
                line: line, messages: chat.messages.map { .init(role: $0.role, content: $0.content) }, metadata: metadataItems(metadata))
        }
        if let seed = try? JSONDecoder().decode(SeedRow.self, from: data) {
            return PreviewRow(line: line, messages: [.init(role: "user", content: seed.input)])
        }
        return PreviewRow(line: line, messages: [])
    }

    /// The metadata's scalar fields as "key: value" pairs (candidates are in the metadata export).
    static func metadataItems(_ json: String?) -> [PreviewRow.MetadataItem] {
        guard let json, let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [] }
        let order = ["provider", "model", "candidate_index", "judge_reason", "tokens_in", "tokens_out", "latency_ms", "attempts"]
        return order.compactMap { key in
            guard let value = object[key] else { return nil }
            if let text = value as? String { return .init(key: key.replacingOccurrences(of: "_", with: " "), value: text) }
            if let number = value as? NSNumber { return .init(key: key.replacingOccurrences(of: "_", with: " "), value: number.stringValue) }
            return nil
        }
    }
}
