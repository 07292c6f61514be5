import DistilleryCore
import DistilleryStorage
import Foundation

// GET /datasets/{id}/download  — the valid rows as normalized JSONL: always the plain
// {"messages": [...]} form (seeds: {"input": ...}), one per line, streamed.
func downloadDatasetJSONL(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try rowExport(request, context, suffix: ".jsonl") { Array($0.body.utf8) + [10] }
}

// GET /datasets/{id}/metadata.jsonl  — each row with its metadata (teacher, candidate, judge reason,
// tokens, latency): {"line", "row", "metadata"} per line. The plain download stays the clean training shape.
func downloadRowMetadataJSONL(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try rowExport(request, context, suffix: "-metadata.jsonl") { row in
        Array("{\"line\":\(row.line),\"row\":".utf8) + Array(row.body.utf8) + Array(",\"metadata\":".utf8)
            + Array((row.meta ?? "null").utf8) + Array("}\n".utf8)
    }
}

/// The dataset's rows, streamed a page at a time, each written by `format`.
private func rowExport(
    _ request: HTTPRequest, _ context: RequestContext, suffix: String, format: @escaping @Sendable (StoredRow) -> [UInt8]
) throws -> HTTPResponse {
    let record = try context.datasets.requireSettledDataset(id: request.datasetID())
    let store = context.datasets
    let logger = context.logger
    let source = PagedExport(
        fetchPage: { after in
            let rows = try store.rows(datasetID: record.id, afterIndex: after, limit: 1000)
            guard let last = rows.last else { return nil }
            return (rows.flatMap(format), last.index)
        },
        onError: { logger.error("dataset export failed", metadata: ["dataset": "\(record.id)", "cause": "\($0)"]) })
    return PagedExport.response(
        contentType: "application/jsonl; charset=utf-8", filename: PagedExport.filename(for: record, suffix: suffix), source: source)
}

// GET /datasets/{id}/errors.csv  — every line error (not only the first 50) as CSV.
func downloadErrorReportCSV(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try errorReport(request, context, suffix: "-errors.csv", contentType: "text/csv; charset=utf-8",
        header: Array("line,field,code,message\r\n".utf8)) { error in
        [String(error.line), error.field, error.code, error.message].map(CSV.field).joined(separator: ",") + "\r\n"
    }
}

// GET /datasets/{id}/errors.jsonl  — every line error as JSON Lines.
func downloadErrorReportJSONL(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try errorReport(request, context, suffix: "-errors.jsonl", contentType: "application/jsonl; charset=utf-8", header: nil) {
        String(decoding: Renderer.encode($0), as: UTF8.self) + "\n"
    }
}

private func errorReport(
    _ request: HTTPRequest, _ context: RequestContext, suffix: String, contentType: String, header: [UInt8]?,
    format: @escaping @Sendable (LineError) -> String
) throws -> HTTPResponse {
    let record = try context.datasets.requireSettledDataset(id: request.datasetID())
    let store = context.datasets
    let logger = context.logger
    let source = PagedExport(
        header: header,
        fetchPage: { after in
            let page = try store.errors(datasetID: record.id, afterSequence: after, limit: 2000)
            guard let last = page.last else { return nil }
            var bytes: [UInt8] = []
            for stored in page { bytes.append(contentsOf: format(stored.error).utf8) }
            return (bytes, last.sequence)
        },
        onError: { logger.error("error report download failed", metadata: ["dataset": "\(record.id)", "cause": "\($0)"]) })
    return PagedExport.response(
        contentType: contentType, filename: PagedExport.filename(for: record, suffix: suffix), source: source)
}

/// RFC 4180 quoting, plus a leading apostrophe on cells a spreadsheet would run as a formula.
enum CSV {
    static func field(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@\t\r".contains(first), Int(value) == nil {
            value = "'" + value
        }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}

extension DatasetStore {
    /// The dataset, unless it is (re)validating: its rows and line errors are then a partial run's,
    /// which may be cleared and rewritten at any moment, so they are never served as the dataset's.
    func requireSettledDataset(id: Int64) throws -> DatasetRecord {
        let record = try requireDataset(id: id)
        guard record.status != .validating else {
            throw AppError.conflict("Dataset \(id) is still validating; its rows and report are served when validation has finished.")
        }
        return record
    }
}

// GET /datasets/{id}/export?format=openai|json|csv|sharegpt|alpaca|bundle[&split=train|validation|test]  — a chat
// dataset's rows in a trainer's shape (README "Exports"), streamed a page at a time; `bundle` is a .zip of every split.
func exportDataset(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let format: ExportFormat
    let split: DatasetSplit?
    do {
        format = try ExportFormat.parse(request.query("format"))
    } catch {
        throw AppError.badRequest("Query parameter \"format\": \(error)")
    }
    do {
        split = try ExportFormat.parseSplit(request.query("split"))
    } catch {
        throw AppError.badRequest("Query parameter \"split\": \(error)")
    }
    if format == .bundle, split != nil {
        throw AppError.badRequest("Query parameter \"split\": the bundle holds every split in its own file; leave split out.")
    }
    let record = try context.datasets.requireSettledDataset(id: request.datasetID())
    guard record.mode == .chat else {
        throw AppError.conflict("Dataset \(record.id) holds seeds, not chat rows; exports are for chat datasets (use /datasets/\(record.id)/download).")
    }
    if format == .alpaca, let warning = record.summary?.warnings.first(where: { $0.code == "roles_not_alternating" }) {
        throw AppError.conflict(
            "Alpaca holds user/assistant pairs, but \(warning.count) rows of dataset \(record.id) do not alternate roles (lines \(warning.lines.map(String.init).joined(separator: ", "))); export openai or sharegpt instead.")
    }
    let applied = try context.datasets.split(datasetID: record.id)
    if let split, applied == nil {
        throw AppError.conflict(
            "Dataset \(record.id) is not split, so it has no \(split.rawValue) rows; split it first (the Splits section or PUT /api/datasets/\(record.id)/split), or export without split.")
    }
    if format == .bundle { return try trainerBundleResponse(record, applied: applied, context) }
    let store = context.datasets
    let logger = context.logger
    let source = PagedExport(
        header: format.header.isEmpty ? nil : format.header,
        footer: format.footer.isEmpty ? nil : format.footer,
        fetchPage: { after in
            try store.exportPage(datasetID: record.id, after: after, split: split, format: format).map { ($0.bytes, $0.lastKey) }
        },
        onError: { logger.error("dataset export failed", metadata: ["dataset": "\(record.id)", "format": "\(format.rawValue)", "cause": "\($0)"]) })
    let suffix = (split.map { "-\($0.rawValue)" } ?? "") + format.filenameSuffix
    return PagedExport.response(
        contentType: format.contentType, filename: PagedExport.filename(for: record, suffix: suffix), source: source)
}

extension DatasetStore {
    /// The next page (keyset, after row index `after`) of a chat dataset's rows, all or one split's, written in
    /// `format` with each row's split in the CSV column; nil when no row is left.
    func exportPage(
        datasetID: Int64, after: Int64, split: DatasetSplit?, format: ExportFormat
    ) throws -> (bytes: [UInt8], lastKey: Int64, rows: Int)? {
        let rows = try rows(datasetID: datasetID, afterIndex: after, limit: 1000, split: split)
        guard let last = rows.last else { return nil }
        var bytes: [UInt8] = []
        for (offset, row) in rows.enumerated() {
            let messages = try NormalizedChatRow.messages(Array(row.body.utf8))
            try format.appendRow(messages, split: row.split?.rawValue, isFirst: after < 0 && offset == 0, to: &bytes)
        }
        return (bytes, last.index, rows.count)
    }
}
