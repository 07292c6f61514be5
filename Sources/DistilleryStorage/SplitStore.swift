import DistilleryCore

/// One row's user turns (joined by newlines) and its current split, the input of a (re)split.
public struct SplitInputRow: Sendable, Equatable {
    public let index: Int64
    public let userText: String
    public let split: DatasetSplit?
}

/// The `split` column of `dataset_rows` and the `dataset_splits` table.
extension DatasetStore {
    /// Every row in index order with its user turns (chat rows) and current split.
    public func splitInput(datasetID: Int64) throws -> [SplitInputRow] {
        try database.read { try Self.splitInput($0, datasetID: datasetID) }
    }

    /// Writes every row's split and the split record in one transaction. `splits` follows `splitInput`'s order.
    public func applySplit(datasetID: Int64, rowIndexes: [Int64], splits: [DatasetSplit], record: SplitRecord, now: Int64) throws {
        try database.write { try Self.writeSplit($0, datasetID: datasetID, rowIndexes: rowIndexes, splits: splits, record: record, now: now) }
    }

    public func split(datasetID: Int64) throws -> SplitRecord? {
        try database.read { try Self.split($0, datasetID: datasetID) }
    }

    /// The assignment `request` gives `rows` (in `splitInput`'s order): rows keep their current split when the
    /// settings are those of the `previous` split.
    public static func planSplit(
        rows: [SplitInputRow], previous: SplitRecord?, request: SplitRequest
    ) -> (record: SplitRecord, splits: [DatasetSplit]) {
        let keeps = previous?.keepsAssignments(distribution: request.distribution, seed: request.seed, threshold: request.threshold) ?? false
        let grouping = NearDuplicateGrouping(texts: rows.map(\.userText), threshold: request.threshold)
        let assignment = SplitAssignment(
            grouping: grouping, distribution: request.distribution, seed: request.seed, previous: keeps ? rows.map(\.split) : [])
        let record = SplitRecord(distribution: request.distribution, seed: request.seed, threshold: request.threshold, assignment: assignment)
        return (record, assignment.splitOfRow)
    }

    /// Reads, plans and writes a split on `connection`, inside the caller's transaction (a synthesized child is
    /// split in the transaction that finishes it, so no restart can leave it half split).
    static func splitRows(_ connection: Connection, datasetID: Int64, request: SplitRequest, now: Int64) throws {
        let rows = try splitInput(connection, datasetID: datasetID)
        let (record, splits) = planSplit(rows: rows, previous: try split(connection, datasetID: datasetID), request: request)
        try writeSplit(connection, datasetID: datasetID, rowIndexes: rows.map(\.index), splits: splits, record: record, now: now)
    }

    private static func splitInput(_ connection: Connection, datasetID: Int64) throws -> [SplitInputRow] {
        try connection.query(
            """
            SELECT r.idx, r.split,
                (SELECT group_concat(json_extract(m.value, '$.content'), char(10)) FROM json_each(r.body, '$.messages') m
                 WHERE json_extract(m.value, '$.role') = 'user') AS user_text
            FROM dataset_rows r WHERE r.dataset_id = ? ORDER BY r.idx
            """, .integer(datasetID)
        ).map { row in
            SplitInputRow(
                index: row.int64("idx") ?? 0, userText: row.string("user_text") ?? "",
                split: row.string("split").flatMap(DatasetSplit.init(rawValue:)))
        }
    }

    private static func writeSplit(
        _ connection: Connection, datasetID: Int64, rowIndexes: [Int64], splits: [DatasetSplit], record: SplitRecord, now: Int64
    ) throws {
        let statement = try connection.cachedStatement("UPDATE dataset_rows SET split = ? WHERE dataset_id = ? AND idx = ?")
        for (index, split) in zip(rowIndexes, splits) {
            statement.reset()
            try statement.bind(split.rawValue, at: 1)
            try statement.bind(datasetID, at: 2)
            try statement.bind(index, at: 3)
            _ = try statement.step()
        }
        try connection.run(
            """
            INSERT OR REPLACE INTO dataset_splits (dataset_id, train, validation, test, seed, threshold, train_rows,
                validation_rows, test_rows, cross_split_pairs, groups_kept_together, rows_in_groups, bent_by, moved_rows, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            .integer(datasetID), .real(record.distribution.train), .real(record.distribution.validation),
            .real(record.distribution.test), .integer(Int64(bitPattern: record.seed)), .real(record.threshold),
            SQLValue(record.counts.train), SQLValue(record.counts.validation), SQLValue(record.counts.test),
            SQLValue(record.crossSplitPairs), SQLValue(record.groupsKeptTogether), SQLValue(record.rowsInGroups),
            SQLValue(record.bentBy), SQLValue(record.movedRows), .integer(now))
    }

    private static func split(_ connection: Connection, datasetID: Int64) throws -> SplitRecord? {
        try connection.queryOne("SELECT * FROM dataset_splits WHERE dataset_id = ?", .integer(datasetID)).map { row in
            SplitRecord(
                distribution: RecipeDistribution(
                    train: row.double("train") ?? 0, validation: row.double("validation") ?? 0, test: row.double("test") ?? 0),
                seed: UInt64(bitPattern: row.int64("seed") ?? 0), threshold: row.double("threshold") ?? 0,
                counts: SplitCounts(
                    train: row.int("train_rows") ?? 0, validation: row.int("validation_rows") ?? 0, test: row.int("test_rows") ?? 0),
                crossSplitPairs: row.int("cross_split_pairs") ?? 0, groupsKeptTogether: row.int("groups_kept_together") ?? 0,
                rowsInGroups: row.int("rows_in_groups") ?? 0, bentBy: row.int("bent_by") ?? 0, movedRows: row.int("moved_rows") ?? 0)
        }
    }
}

extension DatasetStore {
    /// Each split's estimated tokens and token-length histogram, from the rows' stored estimates.
    public func splitLengths(datasetID: Int64) throws -> SplitLengths {
        try database.read { connection in
            var lengths = SplitLengths()
            let statement = try connection.cachedStatement(
                "SELECT split, tokens FROM dataset_rows WHERE dataset_id = ? AND split IS NOT NULL")
            defer { statement.reset() }
            try statement.bind(datasetID, at: 1)
            while try statement.step() {
                if let split = statement.string(at: 0).flatMap(DatasetSplit.init(rawValue:)) {
                    lengths.add(rowTokens: statement.int(at: 1), to: split)
                }
            }
            return lengths
        }
    }
}
