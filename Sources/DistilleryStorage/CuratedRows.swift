import DistilleryCore

/// One row a curated child takes: the parent's row as reviewed.
public struct CuratedRow: Sendable, Equatable {
    public let index: Int64
    /// The latest edit's body, else the stored row's.
    public let body: String
    public let meta: String?
    public let edited: Bool
}

/// What a curated child is made of, and how the row page moves within the explorer's filter.
extension DatasetStore {
    /// The rows `filter` selects, rejected rows left out, after `afterIndex` in row order, each with its latest edit applied.
    public func curatedRows(datasetID: Int64, filter: RowFilter, afterIndex: Int64, limit: Int) throws -> [CuratedRow] {
        try database.read { connection in
            let (condition, values) = try Self.curatedCondition(datasetID: datasetID, filter: filter, in: connection)
            return try connection.query(
                """
                SELECT r.idx, r.meta, r.body,
                    (SELECT e.body FROM row_edits e WHERE e.dataset_id = r.dataset_id AND e.idx = r.idx ORDER BY e.seq DESC LIMIT 1) AS edit_body
                FROM dataset_rows r WHERE \(condition) AND r.idx > ? ORDER BY r.idx LIMIT ?
                """, values + [.integer(afterIndex), SQLValue(limit)]
            ).map { row in
                let edit = row.string("edit_body")
                return CuratedRow(index: row.int64("idx") ?? 0, body: edit ?? row.string("body") ?? "", meta: row.string("meta"), edited: edit != nil)
            }
        }
    }

    /// How many rows a curated child of this filter takes, and how many rows the filter selects that are rejected.
    public func curatedRowCounts(datasetID: Int64, filter: RowFilter) throws -> (selected: Int, rejected: Int, edited: Int) {
        try database.read { connection in
            let (condition, values) = try Self.condition(datasetID: datasetID, filter: filter, in: connection)
            let row = try connection.query(
                """
                SELECT COUNT(*) AS matching, COALESCE(SUM(rejected), 0) AS rejected, COALESCE(SUM(edited AND NOT rejected), 0) AS edited FROM (
                    SELECT EXISTS (SELECT 1 FROM row_reviews v WHERE v.dataset_id = r.dataset_id AND v.idx = r.idx AND v.verdict = 'rejected') AS rejected,
                        EXISTS (SELECT 1 FROM row_edits e WHERE e.dataset_id = r.dataset_id AND e.idx = r.idx) AS edited
                    FROM dataset_rows r WHERE \(condition))
                """, values).first
            let matching = row?.int("matching") ?? 0
            let rejected = row?.int("rejected") ?? 0
            return (matching - rejected, rejected, row?.int("edited") ?? 0)
        }
    }

    /// The rows before and after `index` among those `filter` selects, in row order (the row page's k / j).
    public func neighbors(datasetID: Int64, index: Int64, filter: RowFilter) throws -> (previous: Int64?, next: Int64?) {
        try database.read { connection in
            let (condition, values) = try Self.condition(datasetID: datasetID, filter: filter, in: connection)
            let previous = try connection.query(
                "SELECT MAX(r.idx) AS idx FROM dataset_rows r WHERE \(condition) AND r.idx < ?", values + [.integer(index)]).first?.int64("idx")
            let next = try connection.query(
                "SELECT MIN(r.idx) AS idx FROM dataset_rows r WHERE \(condition) AND r.idx > ?", values + [.integer(index)]).first?.int64("idx")
            return (previous, next)
        }
    }

    /// Every rule of a curated child: the filter's, and rejected rows out.
    private static func curatedCondition(
        datasetID: Int64, filter: RowFilter, in connection: Connection
    ) throws -> (sql: String, values: [SQLValue]) {
        let (sql, values) = try condition(datasetID: datasetID, filter: filter, in: connection)
        return (sql + " AND NOT EXISTS (SELECT 1 FROM row_reviews v WHERE v.dataset_id = r.dataset_id AND v.idx = r.idx AND v.verdict = 'rejected')", values)
    }
}
