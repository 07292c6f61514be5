import DistilleryCore
import DistilleryStorage
import Foundation

/// A curated child (README "Curated child"): the rows a `RowFilter` selects from a chat dataset, rejected rows always
/// left out and each row's latest edit applied, written as JSONL and validated by the normal validation job (like a
/// merge), each row keeping its parent row's metadata (category, generation details; carried by the job's payload),
/// linked to its parent, split by the parent's distribution and seed (an unsplit parent gives an unsplit child), with
/// the rule and what it did recorded as its provenance.
enum CuratedDataset {
    /// The form's and the JSON body's fields besides the filter's parameters.
    static let ownFields: Set<String> = ["name", FormFields.csrfField]
    static let filterFields: Set<String> = ["q", "split", "flag", "min_score", "category", "min_length", "max_length", "review", "representatives"]

    struct Plan {
        let parent: DatasetRecord
        let filter: RowFilter
        let counts: (selected: Int, rejected: Int, edited: Int)
        let split: SplitRequest?
    }

    /// What the rule selects now, for the curate page and for `create`. 404 unknown, 409 validating or seeds.
    static func plan(parentID: Int64, filter: RowFilter, context: RequestContext) throws -> Plan {
        let parent = try context.datasets.requireSettledDataset(id: parentID)
        guard parent.mode == .chat else {
            throw AppError.conflict("Dataset \(parentID) holds seeds; a curated dataset is made from a chat dataset's rows (such as a synthesized child).")
        }
        let split = try context.datasets.split(datasetID: parentID).map {
            SplitRequest(distribution: $0.distribution, seed: $0.seed, threshold: $0.threshold)
        }
        return Plan(parent: parent, filter: filter, counts: try context.datasets.curatedRowCounts(datasetID: parentID, filter: filter), split: split)
    }

    /// The new dataset's id. 422 names a bad name, or says the rule selects no row.
    static func create(parentID: Int64, name: String, filter: RowFilter, context: RequestContext) throws -> Int64 {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = DatasetCreation.nameProblem(name) { throw AppError.invalid(problem, fields: ["name": problem]) }
        let plan = try plan(parentID: parentID, filter: filter, context: context)
        let path = context.configuration.spoolDirectory + "/curated-\(UUID().uuidString).jsonl"
        defer { unlink(path) }
        let written = try writeRows(plan, to: path, datasets: context.datasets)
        guard written.rows > 0 else {
            let message = "The rule selects no row (\(plan.filter.summary)); nothing to make a dataset of."
            throw AppError.invalid(message, fields: ["filter": message])
        }
        let provenance = DatasetProvenance(
            parentID: plan.parent.id, parentName: plan.parent.name,
            rule: plan.filter.parameters.map { .init(name: $0.name, value: $0.value) },
            summary: plan.filter.summary + " · rejected rows out · edits applied",
            rowsSelected: written.rows, rejectedLeftOut: plan.counts.rejected, editsApplied: written.edits,
            split: plan.split.map(DatasetProvenance.Split.init))
        let provenanceJSON = String(decoding: try JSONEncoder().encode(provenance), as: UTF8.self)
        let user = try context.requireUser()
        let now = context.services.now()
        let new = NewDataset(
            name: name, mode: .chat, baseModel: plan.parent.baseModel, skillPrompt: nil, byteSize: written.bytes, parentID: plan.parent.id,
            createdBy: user.id)
        let id = try context.datasets.create(
            new, now: now, queueValidation: false,
            alsoInTransaction: { connection, id in
                _ = try JobQueue.enqueue(
                    in: connection, kind: DatasetStore.validationJobKind, datasetID: id,
                    payload: ValidationJobRunner.payload(split: plan.split, metadata: written.metadata), now: now, createdBy: user.id)
                try DatasetStore.recordProvenance(connection, datasetID: id, json: provenanceJSON)
                try AuditLogStore.record(
                    in: connection, .curatedDatasetCreated, user: user,
                    detail: "dataset #\(id) from #\(plan.parent.id): \(provenance.summary)", remoteAddress: context.remoteAddress, now: now)
            },
            placeFile: { id in try DatasetUploadReader.moveFile(from: path, to: context.configuration.uploadPath(datasetID: id)) })
        context.services.wakeWorkers()
        return id
    }

    /// Streams the selected rows a page at a time into the JSONL file; each line's metadata in line order.
    private static func writeRows(
        _ plan: Plan, to path: String, datasets: DatasetStore
    ) throws -> (bytes: Int, rows: Int, edits: Int, metadata: [String?]) {
        let sink = try FileSink(path: path)
        defer { sink.close() }
        var (bytes, rows, edits) = (0, 0, 0)
        var metadata: [String?] = []
        var after: Int64 = -1
        while true {
            let page = try datasets.curatedRows(datasetID: plan.parent.id, filter: plan.filter, afterIndex: after, limit: 1_000)
            guard let last = page.last else { break }
            after = last.index
            for row in page {
                let line = Array(row.body.utf8) + [UInt8(ascii: "\n")]
                try sink.write(line[...])
                bytes += line.count
                rows += 1
                metadata.append(row.meta)
                if row.edited { edits += 1 }
            }
        }
        return (bytes, rows, edits, metadata)
    }

    /// The filter from a form or JSON body's fields (or a page's query); 400 names a bad parameter, 422 an unknown field.
    static func filter(fields: [String: String]) throws -> RowFilter {
        if let unknown = fields.keys.sorted().first(where: { !ownFields.contains($0) && !filterFields.contains($0) }) {
            let message = "\(unknown) is not a known field; send name and the explorer's filter parameters (\(filterFields.sorted().joined(separator: ", ")))."
            throw AppError.invalid(message, fields: [unknown: "is not a known field"])
        }
        return try RowFilter(parameter: { fields[$0] })
    }
}
