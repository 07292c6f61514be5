import DistilleryCore

/// Building the explorer's search index (`row_search`, migrations 17 and 19) a batch at a time, outside any request:
/// each batch is its own short write transaction, so other writers (jobs, reviews, uploads) interleave with it, and
/// its progress is stored with it, so an indexing cut short resumes where it stopped.
extension DatasetStore {
    /// Rows per indexing batch: a fraction of a second of work on 3–4 KB rows.
    public static let searchIndexBatchRows = 250

    /// The newest dataset that has settled (not validating) with rows not all indexed yet, or nil when none has.
    /// Newest first: the dataset just uploaded or made is the one someone is about to search.
    public func newestDatasetAwaitingSearchIndex() throws -> Int64? {
        try database.read { connection in
            try connection.queryOne(
                """
                SELECT d.id FROM datasets d
                WHERE d.status <> 'validating'
                    AND NOT EXISTS (SELECT 1 FROM row_search_datasets s WHERE s.dataset_id = d.id AND s.indexing_next_idx IS NULL)
                    AND EXISTS (SELECT 1 FROM dataset_rows r WHERE r.dataset_id = d.id)
                ORDER BY d.id DESC LIMIT 1
                """
            )?.int64("id")
        }
    }

    /// Indexes the dataset's next `rows` rows (in row order) in one transaction; returns true when every row is
    /// indexed (or the dataset is gone or validating again, which leaves nothing to do until it settles).
    @discardableResult
    public func indexNextSearchBatch(datasetID: Int64, rows: Int = searchIndexBatchRows) throws -> Bool {
        try database.write { connection in
            guard let status = try connection.queryOne("SELECT status FROM datasets WHERE id = ?", .integer(datasetID))?.string("status"),
                  status != DatasetStatus.validating.rawValue
            else { return true }
            let mark = try connection.queryOne(
                "SELECT indexing_next_idx FROM row_search_datasets WHERE dataset_id = ?", .integer(datasetID))
            if let mark, mark.int64("indexing_next_idx") == nil { return true }
            let nextIndex = mark?.int64("indexing_next_idx") ?? 0
            if mark == nil {
                try connection.run("INSERT INTO row_search_datasets (dataset_id, indexing_next_idx) VALUES (?, 0)", .integer(datasetID))
            }
            try connection.run(
                """
                INSERT INTO row_search (rowid, text)
                SELECT search_key, text FROM row_search_text WHERE dataset_id = ? AND idx >= ? ORDER BY idx LIMIT ?
                """,
                .integer(datasetID), .integer(nextIndex), SQLValue(rows))
            let indexed = connection.changes
            let last = try connection.scalar(
                "SELECT MAX(idx) FROM (SELECT idx FROM dataset_rows WHERE dataset_id = ? AND idx >= ? ORDER BY idx LIMIT ?)",
                .integer(datasetID), .integer(nextIndex), SQLValue(rows))?.int64Value
            let finished = indexed < rows
            try connection.run(
                "UPDATE row_search_datasets SET indexing_next_idx = ? WHERE dataset_id = ?",
                finished ? .null : SQLValue((last ?? nextIndex - 1) + 1), .integer(datasetID))
            return finished
        }
    }

    /// Whether the dataset's searches use the index: every row is indexed, or it has no rows to index.
    public func isSearchIndexed(datasetID: Int64) throws -> Bool {
        try database.read { try Self.isSearchIndexed(datasetID: datasetID, connection: $0) }
    }

    static func isSearchIndexed(datasetID: Int64, connection: Connection) throws -> Bool {
        try connection.queryOne(
            """
            SELECT 1 WHERE EXISTS (SELECT 1 FROM row_search_datasets WHERE dataset_id = ?1 AND indexing_next_idx IS NULL)
                OR NOT EXISTS (SELECT 1 FROM dataset_rows WHERE dataset_id = ?1)
            """,
            .integer(datasetID)) != nil
    }
}
