import DistilleryCore
import Foundation

public struct NewDataset: Sendable, Equatable {
    public var name: String
    public var mode: DatasetMode
    public var baseModel: String
    public var skillPrompt: String?
    public var byteSize: Int
    public var parentID: Int64?
    public var createdBy: Int64?

    public init(
        name: String, mode: DatasetMode, baseModel: String, skillPrompt: String?, byteSize: Int, parentID: Int64? = nil,
        createdBy: Int64? = nil
    ) {
        self.name = name
        self.mode = mode
        self.baseModel = baseModel
        self.skillPrompt = skillPrompt
        self.byteSize = byteSize
        self.parentID = parentID
        self.createdBy = createdBy
    }
}

/// One normalized row of a dataset as stored.
public struct StoredRow: Sendable, Equatable {
    public let index: Int64
    public let line: Int
    public let body: String
    public let tokens: Int
    public let meta: String?
    public var split: DatasetSplit? = nil
}

public struct StoredLineError: Sendable, Equatable {
    public let sequence: Int64
    public let error: LineError
}

public enum DatasetDeletionOutcome: Sendable, Equatable {
    case deleted
    case notFound
    case inUse(activeJobs: Int)
}

/// The `datasets`, `dataset_rows` and `dataset_errors` tables.
public struct DatasetStore: Sendable {
    public let database: Database
    public static let validationJobKind = "validate"

    public init(database: Database) {
        self.database = database
    }

    // MARK: Creating

    /// Inserts the dataset with status `validating` and queues its validation job in one
    /// transaction. `placeFile` runs inside it with the new id (to move the upload into place):
    /// if it throws, nothing is stored.
    /// `queueValidation: false` is for callers that validate the file themselves (synthesis children).
    /// `alsoInTransaction` runs in the same transaction once the dataset has its id (a synthesis job records its child there).
    public func create(
        _ new: NewDataset, now: Int64, queueValidation: Bool = true, alsoInTransaction: (Connection, Int64) throws -> Void = { _, _ in },
        placeFile: (Int64) throws -> Void
    ) throws -> Int64 {
        try database.write { connection in
            try connection.run(
                """
                INSERT INTO datasets (name, mode, base_model, skill_prompt, status, byte_size, parent_id, created_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'validating', ?, ?, ?, ?, ?)
                """,
                .text(new.name), .text(new.mode.rawValue), .text(new.baseModel), SQLValue(new.skillPrompt),
                SQLValue(new.byteSize), SQLValue(new.parentID), SQLValue(new.createdBy), .integer(now), .integer(now))
            let id = connection.lastInsertRowID
            if queueValidation {
                _ = try JobQueue.enqueue(
                    in: connection, kind: Self.validationJobKind, datasetID: id, payload: "{}", now: now, createdBy: new.createdBy)
            }
            try alsoInTransaction(connection, id)
            try placeFile(id)
            return id
        }
    }

    /// Links a merged dataset to its parents in merge order and records the duplicates its merge dropped,
    /// inside the transaction that creates it. A parent deleted meanwhile is a 404 naming it, and nothing is stored.
    public static func recordMerge(_ connection: Connection, datasetID: Int64, parentIDs: [Int64], duplicatesDropped: Int) throws {
        for (position, parentID) in parentIDs.enumerated() {
            try connection.run(
                "INSERT INTO dataset_parents (dataset_id, parent_id, position) SELECT ?, id, ? FROM datasets WHERE id = ?",
                .integer(datasetID), SQLValue(position), .integer(parentID))
            guard connection.changes == 1 else { throw AppError.notFound("No dataset \(parentID).") }
        }
        try connection.run(
            "UPDATE datasets SET merge_duplicates_dropped = ? WHERE id = ?", SQLValue(duplicatesDropped), .integer(datasetID))
    }

    // MARK: Reading

    public func count() throws -> Int {
        try database.read { try $0.scalar("SELECT COUNT(*) FROM datasets")?.intValue ?? 0 }
    }

    public func dataset(id: Int64) throws -> DatasetRecord? {
        try database.read { connection in
            try connection.queryOne("\(Self.selectRecord) WHERE d.id = ?", .integer(id)).map { try Self.record(from: $0, withSummary: true) }
        }
    }

    /// The dataset, or `AppError.notFound` naming it.
    public func requireDataset(id: Int64) throws -> DatasetRecord {
        guard let record = try dataset(id: id) else { throw AppError.notFound("No dataset \(id).") }
        return record
    }

    /// Newest first, without the (large) summaries.
    public func list() throws -> [DatasetRecord] {
        try database.read { connection in
            try connection.query("\(Self.selectRecord) ORDER BY d.id DESC").map { try Self.record(from: $0, withSummary: false) }
        }
    }

    public func children(of parentID: Int64) throws -> [DatasetRecord] {
        try database.read { connection in
            try connection.query("\(Self.selectRecord) WHERE d.parent_id = ? ORDER BY d.id", .integer(parentID))
                .map { try Self.record(from: $0, withSummary: false) }
        }
    }

    /// A page of rows, all of them or (with `split`) those of one split.
    public func rows(datasetID: Int64, offset: Int, limit: Int, split: DatasetSplit? = nil) throws -> [StoredRow] {
        try database.read { connection in
            try connection.query(
                """
                SELECT idx, line, body, tokens, meta, split FROM dataset_rows WHERE dataset_id = ? AND (? IS NULL OR split = ?)
                ORDER BY idx LIMIT ? OFFSET ?
                """,
                .integer(datasetID), SQLValue(split?.rawValue), SQLValue(split?.rawValue), SQLValue(limit), SQLValue(offset)
            ).map(Self.storedRow)
        }
    }

    /// Keyset paging for exports: rows with index greater than `afterIndex`, all of them or (with `split`) one split's.
    public func rows(datasetID: Int64, afterIndex: Int64, limit: Int, split: DatasetSplit? = nil) throws -> [StoredRow] {
        try database.read { connection in
            try connection.query(
                """
                SELECT idx, line, body, tokens, meta, split FROM dataset_rows
                WHERE dataset_id = ? AND idx > ? AND (? IS NULL OR split = ?) ORDER BY idx LIMIT ?
                """,
                .integer(datasetID), .integer(afterIndex), SQLValue(split?.rawValue), SQLValue(split?.rawValue), SQLValue(limit)
            ).map(Self.storedRow)
        }
    }

    public func errors(datasetID: Int64, offset: Int, limit: Int) throws -> [LineError] {
        try database.read { connection in
            try connection.query(
                "SELECT seq, line, field, code, message FROM dataset_errors WHERE dataset_id = ? ORDER BY seq LIMIT ? OFFSET ?",
                .integer(datasetID), SQLValue(limit), SQLValue(offset)
            ).map { Self.storedError($0).error }
        }
    }

    public func errors(datasetID: Int64, afterSequence: Int64, limit: Int) throws -> [StoredLineError] {
        try database.read { connection in
            try connection.query(
                "SELECT seq, line, field, code, message FROM dataset_errors WHERE dataset_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                .integer(datasetID), .integer(afterSequence), SQLValue(limit)
            ).map(Self.storedError)
        }
    }

    public func errorCount(datasetID: Int64) throws -> Int {
        try database.read {
            try $0.scalar("SELECT COUNT(*) FROM dataset_errors WHERE dataset_id = ?", .integer(datasetID))?.intValue ?? 0
        }
    }

    /// Every line error counted by code, the most frequent first ("589 × missing_input").
    public func errorCountsByCode(datasetID: Int64) throws -> [ErrorCodeCount] {
        try database.read { connection in
            try connection.query(
                "SELECT code, COUNT(*) AS n FROM dataset_errors WHERE dataset_id = ? GROUP BY code ORDER BY n DESC, code",
                .integer(datasetID)
            ).map { ErrorCodeCount(code: $0.string("code") ?? "", count: $0.int("n") ?? 0) }
        }
    }

    // MARK: Deleting

    /// Refused while a queued or running job references the dataset; rows and errors go with it
    /// (foreign keys cascade). The caller removes the upload file afterwards.
    public func delete(id: Int64) throws -> DatasetDeletionOutcome {
        try database.write { connection in
            guard try connection.queryOne("SELECT 1 FROM datasets WHERE id = ?", .integer(id)) != nil else { return .notFound }
            let active = try connection.scalar(
                "SELECT COUNT(*) FROM jobs WHERE dataset_id = ? AND state IN ('queued', 'running')", .integer(id))?.intValue ?? 0
            if active > 0 { return .inUse(activeJobs: active) }
            try connection.run("DELETE FROM datasets WHERE id = ?", .integer(id))
            return .deleted
        }
    }

    // MARK: Validation output

    /// Starts (or restarts, after a crash) a validation from scratch: earlier partial output goes.
    public func resetValidation(datasetID: Int64, now: Int64) throws {
        try database.write { connection in
            try Self.clearOutput(connection, datasetID: datasetID, status: .validating, summaryJSON: nil, now: now)
        }
    }

    /// Appends a batch of rows and line errors. Returns false when the dataset no longer exists.
    /// `metadata[i]`, when given, is stored with `rows[i]` (a synthesized row's teacher, tokens, latency).
    public func appendValidationBatch(
        datasetID: Int64, rows: [AcceptedRow], firstRowIndex: Int64, errors: [LineError], firstErrorSequence: Int64,
        metadata: [String?] = []
    ) throws -> Bool {
        try database.write { connection in
            try Self.insert(connection, datasetID: datasetID, rows: rows, firstRowIndex: firstRowIndex, errors: errors,
                firstErrorSequence: firstErrorSequence, metadata: metadata)
        }
    }

    /// The last batch and the final summary and status, in one transaction; with `ending`, the
    /// validation job ends in it too (nothing is written when its lease was lost); with `split`, the rows are
    /// split in it too; with `checks`, the data checks that follow are queued in it too.
    public func finishValidation(
        datasetID: Int64, summary: ValidationSummary, rows: [AcceptedRow], firstRowIndex: Int64, errors: [LineError],
        firstErrorSequence: Int64, now: Int64, metadata: [String?] = [], status: DatasetStatus? = nil, ending: JobEnding? = nil,
        split: SplitRequest? = nil, checks: AutomaticDataChecks? = nil
    ) throws {
        let summaryJSON = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        try database.write { connection in
            if let ending, try !JobQueue.end(in: connection, ending, now: now) { return }
            guard try Self.insert(connection, datasetID: datasetID, rows: rows, firstRowIndex: firstRowIndex, errors: errors,
                firstErrorSequence: firstErrorSequence, metadata: metadata)
            else { return }
            let target = status ?? summary.status
            try connection.run(
                """
                UPDATE datasets SET status = ?, summary = ?, line_count = ?, updated_at = ?,
                    row_count = (SELECT COUNT(*) FROM dataset_rows WHERE dataset_id = ?)
                WHERE id = ? AND status IN (\(DatasetStatus.sqlList(DatasetStatus.predecessors(of: target))))
                """,
                .text(target.rawValue), .text(summaryJSON), SQLValue(summary.lines), .integer(now),
                .integer(datasetID), .integer(datasetID))
            guard connection.changes == 1 else { throw try StatusTransitions.datasetRefusal(connection, id: datasetID, to: target) }
            if let split { try Self.splitRows(connection, datasetID: datasetID, request: split, now: now) }
            try AutomaticDataChecks.queue(checks, in: connection, now: now)
        }
    }

    /// Marks a dataset invalid for a reason other than its lines (a missing file, a server error, a
    /// job given up after crashes). Rows and line errors a cut-off run wrote go in the same transaction,
    /// so none is ever served as the dataset; with `ending`, the validation job ends in it too. False,
    /// with nothing changed, when that job's lease was lost meanwhile.
    @discardableResult
    public func failValidation(datasetID: Int64, summary: ValidationSummary, now: Int64, ending: JobEnding? = nil) throws -> Bool {
        let summaryJSON = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        return try database.write { connection in
            if let ending, try !JobQueue.end(in: connection, ending, now: now) { return false }
            try Self.clearOutput(connection, datasetID: datasetID, status: .invalid, summaryJSON: summaryJSON, now: now)
            return true
        }
    }

    public enum RevalidationOutcome: Sendable, Equatable {
        case queued(jobID: Int64)
        case notFound
        /// A job (a validation, or a synthesis from it) uses the dataset.
        case busy
    }

    /// "Validate again": clears the dataset's rows, line errors and summary, makes it `validating` and
    /// queues a fresh validation job (with all its attempts) of the stored upload, in one transaction.
    /// `createdBy` is who asked (the new job's starter).
    public func queueRevalidation(datasetID: Int64, now: Int64, createdBy: Int64? = nil) throws -> RevalidationOutcome {
        try database.write { connection in
            guard try connection.queryOne("SELECT 1 FROM datasets WHERE id = ?", .integer(datasetID)) != nil else { return .notFound }
            let active = try connection.scalar(
                "SELECT COUNT(*) FROM jobs WHERE dataset_id = ? AND state IN ('queued', 'running')", .integer(datasetID))?.intValue ?? 0
            guard active == 0 else { return .busy }
            try Self.clearOutput(connection, datasetID: datasetID, status: .validating, summaryJSON: nil, now: now)
            return .queued(
                jobID: try JobQueue.enqueue(
                    in: connection, kind: Self.validationJobKind, datasetID: datasetID, payload: "{}", now: now, createdBy: createdBy))
        }
    }

    private static func clearOutput(
        _ connection: Connection, datasetID: Int64, status: DatasetStatus, summaryJSON: String?, now: Int64
    ) throws {
        // Unmarking drops the dataset's search entries at once (migration 17), rather than one trigger per deleted
        // row; the background indexer indexes the new rows once they are all stored (migration 19).
        try connection.run("DELETE FROM row_search_datasets WHERE dataset_id = ?", .integer(datasetID))
        try connection.run("DELETE FROM dataset_rows WHERE dataset_id = ?", .integer(datasetID))
        try connection.run("DELETE FROM dataset_errors WHERE dataset_id = ?", .integer(datasetID))
        try connection.run("DELETE FROM dataset_splits WHERE dataset_id = ?", .integer(datasetID))
        try connection.run(
            """
            UPDATE datasets SET status = ?, summary = ?, row_count = 0, updated_at = ?
            WHERE id = ? AND status IN (\(DatasetStatus.sqlList(DatasetStatus.predecessors(of: status))))
            """,
            .text(status.rawValue), SQLValue(summaryJSON), .integer(now), .integer(datasetID))
        guard connection.changes == 1 else { throw try StatusTransitions.datasetRefusal(connection, id: datasetID, to: status) }
    }

    private static func insert(
        _ connection: Connection, datasetID: Int64, rows: [AcceptedRow], firstRowIndex: Int64, errors: [LineError],
        firstErrorSequence: Int64, metadata: [String?]
    ) throws -> Bool {
        guard try connection.queryOne("SELECT 1 FROM datasets WHERE id = ?", .integer(datasetID)) != nil else { return false }
        if !rows.isEmpty {
            let statement = try connection.cachedStatement(
                "INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens, meta) VALUES (?, ?, ?, ?, ?, ?)")
            for (offset, row) in rows.enumerated() {
                statement.reset()
                try statement.bind(datasetID, at: 1)
                try statement.bind(firstRowIndex + Int64(offset), at: 2)
                try statement.bind(row.line, at: 3)
                try statement.bindText(utf8: row.normalizedJSON, at: 4)
                try statement.bind(row.estimatedTokens, at: 5)
                if offset < metadata.count, let meta = metadata[offset] {
                    try statement.bind(meta, at: 6)
                } else {
                    try statement.bindNull(at: 6)
                }
                _ = try statement.step()
            }
        }
        if !errors.isEmpty {
            let statement = try connection.cachedStatement(
                "INSERT INTO dataset_errors (dataset_id, seq, line, field, code, message) VALUES (?, ?, ?, ?, ?, ?)")
            for (offset, error) in errors.enumerated() {
                statement.reset()
                try statement.bind(datasetID, at: 1)
                try statement.bind(firstErrorSequence + Int64(offset), at: 2)
                try statement.bind(error.line, at: 3)
                try statement.bind(error.field, at: 4)
                try statement.bind(error.code, at: 5)
                try statement.bind(error.message, at: 6)
                _ = try statement.step()
            }
        }
        return true
    }

    // MARK: Row mapping

    private static let selectRecord = """
        SELECT d.id, d.name, d.mode, d.base_model, d.skill_prompt, d.status, d.byte_size, d.line_count, d.row_count,
            d.summary, d.parent_id, d.created_at, d.updated_at, d.created_by, u.name AS created_by_name, d.merge_duplicates_dropped,
            (SELECT group_concat(parent_id) FROM
                (SELECT p.parent_id FROM dataset_parents p WHERE p.dataset_id = d.id ORDER BY p.position)) AS merge_parents,
            (SELECT COUNT(*) FROM jobs j WHERE j.dataset_id = d.id AND j.kind <> 'validate') AS used_in_jobs,
            (SELECT COUNT(*) FROM jobs j WHERE j.dataset_id = d.id AND j.state IN ('queued', 'running')) AS active_jobs,
            (SELECT s.train_rows FROM dataset_splits s WHERE s.dataset_id = d.id) AS train_rows
        FROM datasets d LEFT JOIN users u ON u.id = d.created_by
        """

    private static func record(from row: Row, withSummary: Bool) throws -> DatasetRecord {
        var summary: ValidationSummary?
        if withSummary, let text = row.string("summary") {
            summary = try JSONDecoder().decode(ValidationSummary.self, from: Data(text.utf8))
        }
        return DatasetRecord(
            id: row.int64("id") ?? 0,
            name: row.string("name") ?? "",
            mode: DatasetMode(rawValue: row.string("mode") ?? "") ?? .chat,
            baseModel: row.string("base_model") ?? "",
            skillPrompt: row.string("skill_prompt"),
            status: DatasetStatus(rawValue: row.string("status") ?? "") ?? .invalid,
            byteSize: row.int("byte_size") ?? 0,
            lineCount: row.int("line_count") ?? 0,
            rowCount: row.int("row_count") ?? 0,
            summary: summary,
            parentID: row.int64("parent_id"),
            createdAt: row.int64("created_at") ?? 0,
            updatedAt: row.int64("updated_at") ?? 0,
            usedInJobs: row.int("used_in_jobs") ?? 0,
            activeJobs: row.int("active_jobs") ?? 0,
            createdBy: row.int64("created_by"),
            createdByName: row.string("created_by_name"),
            mergeParentIDs: (row.string("merge_parents") ?? "").split(separator: ",").compactMap { Int64($0) },
            mergeDuplicatesDropped: row.int("merge_duplicates_dropped"), trainRows: row.int("train_rows"))
    }

    static func storedRow(_ row: Row) -> StoredRow {
        StoredRow(
            index: row.int64("idx") ?? 0, line: row.int("line") ?? 0, body: row.string("body") ?? "",
            tokens: row.int("tokens") ?? 0, meta: row.string("meta"),
            split: row.hasColumn("split") ? row.string("split").flatMap(DatasetSplit.init(rawValue:)) : nil)
    }

    private static func storedError(_ row: Row) -> StoredLineError {
        StoredLineError(
            sequence: row.int64("seq") ?? 0,
            error: LineError(
                line: row.int("line") ?? 0, field: row.string("field") ?? "", code: row.string("code") ?? "",
                message: row.string("message") ?? ""))
    }
}
