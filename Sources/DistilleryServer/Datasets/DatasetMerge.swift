import DistilleryCore
import DistilleryStorage
import Foundation

/// A merge: the parents' rows concatenated in the order their ids were given, exact duplicate rows (the same
/// normalized JSON bytes) dropped and counted, written as a JSONL upload and validated by the normal validation
/// job, so the result gets the same validator and statuses as an upload. Only stored rows are read, so an
/// invalid parent (a small synthesized child) contributes its valid rows.
enum DatasetMerge {
    struct Request {
        var ids: [Int64]
        var name: String
    }

    /// The new dataset's id. Field problems are a 422, an unknown id a 404 naming it, an unmergeable one a 422 naming it.
    static func create(_ request: Request, context: RequestContext) throws -> Int64 {
        let problems = DatasetMergeRules.requestProblems(ids: request.ids, name: request.name)
        guard problems.isEmpty else { throw invalid(problems) }
        let parents = try request.ids.map { try context.datasets.requireDataset(id: $0) }
        for parent in parents {
            if let reason = DatasetMergeRules.ineligibility(parent) { throw invalid(["dataset_ids": reason]) }
        }

        let path = context.configuration.spoolDirectory + "/merge-\(UUID().uuidString).jsonl"
        defer { unlink(path) }
        let written = try writeRows(of: parents, to: path, datasets: context.datasets)
        let new = NewDataset(
            name: request.name, mode: .chat, baseModel: parents[0].baseModel, skillPrompt: nil, byteSize: written.bytes,
            createdBy: try context.requireUser().id)
        let id = try context.datasets.create(
            new, now: context.services.now(),
            alsoInTransaction: { connection, id in
                try DatasetStore.recordMerge(connection, datasetID: id, parentIDs: request.ids, duplicatesDropped: written.duplicates)
            },
            placeFile: { id in try DatasetUploadReader.moveFile(from: path, to: context.configuration.uploadPath(datasetID: id)) })
        context.services.wakeWorkers()
        return id
    }

    /// Streams the rows page by page; only the rows already written are remembered, to drop later duplicates.
    private static func writeRows(
        of parents: [DatasetRecord], to path: String, datasets: DatasetStore
    ) throws -> (bytes: Int, duplicates: Int) {
        let sink = try FileSink(path: path)
        defer { sink.close() }
        var seen = Set<String>()
        var bytes = 0
        var duplicates = 0
        for parent in parents {
            var after: Int64 = -1
            while true {
                let page = try datasets.rows(datasetID: parent.id, afterIndex: after, limit: 1_000)
                guard let last = page.last else { break }
                after = last.index
                for row in page {
                    guard seen.insert(row.body).inserted else {
                        duplicates += 1
                        continue
                    }
                    let line = Array(row.body.utf8) + [UInt8(ascii: "\n")]
                    try sink.write(line[...])
                    bytes += line.count
                }
            }
        }
        return (bytes, duplicates)
    }

    private static func invalid(_ problems: [String: String]) -> AppError {
        let text = problems.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: " ")
        return AppError.invalid("The datasets could not be merged: \(text)", fields: problems)
    }
}

extension DatasetMerge.Request {
    /// A form (`dataset_ids` once per checked box, `name`) or a JSON object `{"dataset_ids": [3, 7], "name": "…"}`.
    init(_ request: HTTPRequest) throws {
        let type = (request.headers["Content-Type"] ?? "").lowercased()
        if type.hasPrefix("application/json") {
            self = try Self.fromJSON(request)
        } else {
            guard type.hasPrefix("application/x-www-form-urlencoded"), case .bytes(let body) = request.body else {
                if case .empty = request.body { self.init(ids: [], name: ""); return }
                throw AppError.unsupportedMediaType("Send the merge as a JSON object or a URL-encoded form.")
            }
            var ids: [Int64] = []
            var name = ""
            for pair in FormDecoding.decode(body) {
                if pair.name == "dataset_ids" {
                    guard let id = Int64(pair.value), id > 0 else { throw Self.badID(pair.value) }
                    ids.append(id)
                } else if pair.name == "name" {
                    name = pair.value
                }
            }
            self.init(ids: ids, name: name.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private struct Body: Decodable {
        let datasetIDs: [Int64]?
        let name: String?

        enum CodingKeys: String, CodingKey {
            case datasetIDs = "dataset_ids"
            case name
        }
    }

    private static func fromJSON(_ request: HTTPRequest) throws -> Self {
        guard case .bytes(let bytes) = request.body,
            (try? JSONSerialization.jsonObject(with: Data(bytes))) is [String: Any]
        else { throw AppError.badRequest("The request body must be a JSON object like {\"dataset_ids\": [3, 7], \"name\": \"…\"}.") }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(bytes))
        } catch DecodingError.typeMismatch(_, let context), DecodingError.dataCorrupted(let context) {
            let field = context.codingPath.first?.stringValue ?? "body"
            let message = field == "name"
                ? "name must be a string."
                : "dataset_ids must be an array of dataset ids (whole numbers), like [3, 7]."
            throw AppError.invalid(message, fields: [field == "name" ? "name" : "dataset_ids": message])
        }
        let ids = body.datasetIDs ?? []
        if let bad = ids.first(where: { $0 < 1 }) { throw badID(String(bad)) }
        return Self(ids: ids, name: (body.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func badID(_ text: String) -> AppError {
        let message = "dataset_ids holds \"\(text.prefix(40))\", which is not a dataset id (a whole number of at least 1)."
        return AppError.invalid(message, fields: ["dataset_ids": message])
    }
}
