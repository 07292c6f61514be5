import DistilleryCore

/// A person's verdict on a row, with who gave it and when.
public struct RowReviewRecord: Sendable, Equatable {
    public let verdict: RowVerdict
    public let rating: Int?
    public let reviewedBy: Int64?
    /// nil once the reviewer's account is deleted.
    public let reviewerName: String?
    public let reviewedAt: Int64
}

/// One version in a row's edit history: `seq` 1 is the first edit; `previousBody` is the row before it.
public struct RowEditRecord: Sendable, Equatable {
    public let seq: Int
    public let previousBody: String
    public let body: String
    public let editedBy: Int64?
    public let editorName: String?
    public let editedAt: Int64
}

/// A data check's flag on a row (the latest stored run's).
public struct RowFlagRecord: Sendable, Equatable {
    public let check: String
    public let detail: String
}

/// The judge's latest score of a row on one dimension.
public struct RowScoreRecord: Sendable, Equatable {
    public let dimension: String
    public let rubric: String
    public let score: Int
    public let reasoning: String
    public let model: String
    public let promptVersion: String
}

/// Reviews and edits of rows (migration 13's `row_reviews` and `row_edits`), and what the row page reads about one
/// row. Reviews and edits never change `dataset_rows`: the latest edit is the row as reviewed.
public struct ReviewStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    // MARK: Writing

    /// Records (or replaces) the row's verdict, and its audit entry, in one transaction.
    public func review(
        datasetID: Int64, index: Int64, _ submission: RowReviewSubmission, user: User, remoteAddress: String, now: Int64
    ) throws {
        try database.write { connection in
            try Self.requireReviewableRow(connection, datasetID: datasetID, index: index)
            try connection.run(
                """
                INSERT INTO row_reviews (dataset_id, idx, verdict, rating, reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (dataset_id, idx) DO UPDATE SET
                    verdict = excluded.verdict, rating = excluded.rating, reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at
                """,
                .integer(datasetID), .integer(index), .text(submission.verdict.rawValue), SQLValue(submission.rating),
                .integer(user.id), .integer(now))
            let rating = submission.rating.map { ", rating \($0)" } ?? ""
            try AuditLogStore.record(
                in: connection, .rowReviewed, user: user, detail: "dataset #\(datasetID) row \(index) \(submission.verdict.rawValue)\(rating)",
                remoteAddress: remoteAddress, now: now)
        }
    }

    /// Appends an edit (the row as it was, original or last edit, becomes its `previous_body`), makes the review
    /// accepted (keeping a rating already given) and records the audit entry, in one transaction. Returns the edit's `seq`.
    /// `body` is the normalized row (`RowEdit.validate`).
    @discardableResult
    public func edit(datasetID: Int64, index: Int64, body: String, user: User, remoteAddress: String, now: Int64) throws -> Int {
        try database.write { connection in
            let original = try Self.requireReviewableRow(connection, datasetID: datasetID, index: index)
            let last = try connection.queryOne(
                "SELECT seq, body FROM row_edits WHERE dataset_id = ? AND idx = ? ORDER BY seq DESC LIMIT 1", .integer(datasetID), .integer(index))
            let seq = (last?.int("seq") ?? 0) + 1
            try connection.run(
                "INSERT INTO row_edits (dataset_id, idx, seq, previous_body, body, edited_by, edited_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                .integer(datasetID), .integer(index), SQLValue(seq), .text(last?.string("body") ?? original), .text(body),
                .integer(user.id), .integer(now))
            try connection.run(
                """
                INSERT INTO row_reviews (dataset_id, idx, verdict, rating, reviewed_by, reviewed_at) VALUES (?, ?, 'accepted', NULL, ?, ?)
                ON CONFLICT (dataset_id, idx) DO UPDATE SET verdict = 'accepted', reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at
                """,
                .integer(datasetID), .integer(index), .integer(user.id), .integer(now))
            try AuditLogStore.record(
                in: connection, .rowEdited, user: user, detail: "dataset #\(datasetID) row \(index) edit \(seq)",
                remoteAddress: remoteAddress, now: now)
            return seq
        }
    }

    /// The stored row's original body; 404 for an unknown dataset or row, 409 while the dataset validates or when it
    /// holds seeds (reviews are of chat rows).
    @discardableResult
    private static func requireReviewableRow(_ connection: Connection, datasetID: Int64, index: Int64) throws -> String {
        guard let dataset = try connection.queryOne("SELECT status, mode FROM datasets WHERE id = ?", .integer(datasetID)) else {
            throw AppError.notFound("No dataset \(datasetID).")
        }
        if dataset.string("status") == DatasetStatus.validating.rawValue {
            throw AppError.conflict("Dataset \(datasetID) is still validating; its rows can be reviewed when validation has finished.")
        }
        if dataset.string("mode") == DatasetMode.seeds.rawValue {
            throw AppError.conflict(
                "Dataset \(datasetID) holds seeds (prompts without answers); review the rows of a chat dataset, such as its synthesized child.")
        }
        guard let body = try connection.scalar(
            "SELECT body FROM dataset_rows WHERE dataset_id = ? AND idx = ?", .integer(datasetID), .integer(index))?.stringValue
        else { throw AppError.notFound("Dataset \(datasetID) has no row \(index).") }
        return body
    }

    // MARK: Reading one row

    public func row(datasetID: Int64, index: Int64) throws -> StoredRow? {
        try database.read { connection in
            try connection.queryOne(
                "SELECT idx, line, body, tokens, meta, split FROM dataset_rows WHERE dataset_id = ? AND idx = ?",
                .integer(datasetID), .integer(index)
            ).map { row in
                StoredRow(
                    index: row.int64("idx") ?? 0, line: row.int("line") ?? 0, body: row.string("body") ?? "",
                    tokens: row.int("tokens") ?? 0, meta: row.string("meta"), split: row.string("split").flatMap(DatasetSplit.init(rawValue:)))
            }
        }
    }

    public func review(datasetID: Int64, index: Int64) throws -> RowReviewRecord? {
        try database.read { connection in
            try connection.queryOne(
                """
                SELECT r.verdict, r.rating, r.reviewed_by, u.name AS reviewer, r.reviewed_at FROM row_reviews r
                LEFT JOIN users u ON u.id = r.reviewed_by WHERE r.dataset_id = ? AND r.idx = ?
                """, .integer(datasetID), .integer(index)
            ).map { row in
                RowReviewRecord(
                    verdict: RowVerdict(rawValue: row.string("verdict") ?? "") ?? .accepted, rating: row.int("rating"),
                    reviewedBy: row.int64("reviewed_by"), reviewerName: row.string("reviewer"), reviewedAt: row.int64("reviewed_at") ?? 0)
            }
        }
    }

    /// Oldest first.
    public func edits(datasetID: Int64, index: Int64) throws -> [RowEditRecord] {
        try database.read { connection in
            try connection.query(
                """
                SELECT e.seq, e.previous_body, e.body, e.edited_by, u.name AS editor, e.edited_at FROM row_edits e
                LEFT JOIN users u ON u.id = e.edited_by WHERE e.dataset_id = ? AND e.idx = ? ORDER BY e.seq
                """, .integer(datasetID), .integer(index)
            ).map { row in
                RowEditRecord(
                    seq: row.int("seq") ?? 0, previousBody: row.string("previous_body") ?? "", body: row.string("body") ?? "",
                    editedBy: row.int64("edited_by"), editorName: row.string("editor"), editedAt: row.int64("edited_at") ?? 0)
            }
        }
    }

    public func flags(datasetID: Int64, index: Int64) throws -> [RowFlagRecord] {
        try database.read { connection in
            try connection.query(
                "SELECT check_name, detail FROM row_flags WHERE dataset_id = ? AND idx = ? ORDER BY check_name", .integer(datasetID), .integer(index)
            ).map { RowFlagRecord(check: $0.string("check_name") ?? "", detail: $0.string("detail") ?? "") }
        }
    }

    public func scores(datasetID: Int64, index: Int64) throws -> [RowScoreRecord] {
        try database.read { connection in
            try connection.query(
                """
                SELECT dimension, rubric, score, reasoning, model, prompt_version FROM row_scores
                WHERE dataset_id = ? AND idx = ? ORDER BY dimension
                """, .integer(datasetID), .integer(index)
            ).map { row in
                RowScoreRecord(
                    dimension: row.string("dimension") ?? "", rubric: row.string("rubric") ?? "", score: row.int("score") ?? 0,
                    reasoning: row.string("reasoning") ?? "", model: row.string("model") ?? "", promptVersion: row.string("prompt_version") ?? "")
            }
        }
    }
}
