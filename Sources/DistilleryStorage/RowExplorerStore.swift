import DistilleryCore

/// The row explorer's reads: a dataset's rows through a `RowFilter` (full-text search on `row_search`, migrations 17
/// and 19, or a scan of the rows' text until the background indexer has built it; flags, scores, reviews and edits
/// from migration 13) and what the quality work says about a page of rows.
extension DatasetStore {
    /// A page of the rows `filter` selects, in row order.
    public func filteredRows(datasetID: Int64, filter: RowFilter, offset: Int, limit: Int) throws -> [StoredRow] {
        try database.read { connection in
            let (condition, values) = try Self.condition(datasetID: datasetID, filter: filter, in: connection)
            return try connection.query(
                "SELECT r.idx, r.line, r.body, r.tokens, r.meta, r.split FROM dataset_rows r WHERE \(condition) ORDER BY r.idx LIMIT ? OFFSET ?",
                values + [SQLValue(limit), SQLValue(offset)]
            ).map(Self.storedRow)
        }
    }

    /// How many rows `filter` selects.
    public func filteredRowCount(datasetID: Int64, filter: RowFilter) throws -> Int {
        try database.read { connection in
            let (condition, values) = try Self.condition(datasetID: datasetID, filter: filter, in: connection)
            return try connection.query("SELECT COUNT(*) AS n FROM dataset_rows r WHERE \(condition)", values).first?.int("n") ?? 0
        }
    }

    /// The flags, scores and review of the rows `indices` of a dataset, keyed by row index (rows with none are absent).
    public func annotations(datasetID: Int64, indices: [Int64]) throws -> [Int64: RowAnnotations] {
        guard !indices.isEmpty else { return [:] }
        let list = SQLValue.text("[" + indices.map(String.init).joined(separator: ",") + "]")
        var annotations: [Int64: RowAnnotations] = [:]
        try database.read { connection in
            for row in try connection.query(
                "SELECT idx, check_name, detail FROM row_flags WHERE dataset_id = ? AND idx IN (SELECT value FROM json_each(?)) ORDER BY idx, check_name",
                .integer(datasetID), list)
            {
                annotations[row.int64("idx") ?? 0, default: RowAnnotations()].flags.append(
                    .init(check: row.string("check_name") ?? "", detail: row.string("detail") ?? ""))
            }
            for row in try connection.query(
                "SELECT idx, dimension, score, rubric FROM row_scores WHERE dataset_id = ? AND idx IN (SELECT value FROM json_each(?)) ORDER BY idx, dimension",
                .integer(datasetID), list)
            {
                annotations[row.int64("idx") ?? 0, default: RowAnnotations()].scores.append(
                    .init(dimension: row.string("dimension") ?? "", score: row.int("score") ?? 0, rubric: row.string("rubric") ?? ""))
            }
            for row in try connection.query(
                """
                SELECT k.idx, v.verdict, v.rating, v.reviewed_at, u.name AS reviewer,
                    EXISTS (SELECT 1 FROM row_edits e WHERE e.dataset_id = k.dataset_id AND e.idx = k.idx) AS edited
                FROM (SELECT ? AS dataset_id, value AS idx FROM json_each(?)) k
                LEFT JOIN row_reviews v ON v.dataset_id = k.dataset_id AND v.idx = k.idx
                LEFT JOIN users u ON u.id = v.reviewed_by
                WHERE v.verdict IS NOT NULL OR edited
                """,
                .integer(datasetID), list)
            {
                annotations[row.int64("idx") ?? 0, default: RowAnnotations()].review = .init(
                    verdict: row.string("verdict"), rating: row.int("rating"), edited: row.int("edited") == 1,
                    reviewedBy: row.string("reviewer"), reviewedAt: row.int64("reviewed_at"))
            }
        }
        return annotations
    }

    /// The system prompt most of the dataset's first `sample` rows open with (the explorer folds it away), or nil
    /// when none opens with one. A sample keeps a page load bounded on a large dataset.
    public func usualSystemPrompt(datasetID: Int64, sample: Int = 1000) throws -> String? {
        try database.read { connection in
            try connection.queryOne(
                """
                SELECT json_extract(body, '$.messages[0].content') AS prompt, COUNT(*) AS n
                FROM (SELECT body FROM dataset_rows WHERE dataset_id = ? ORDER BY idx LIMIT ?)
                WHERE json_valid(body) AND json_extract(body, '$.messages[0].role') = 'system'
                GROUP BY prompt ORDER BY n DESC LIMIT 1
                """,
                .integer(datasetID), SQLValue(sample)
            )?.string("prompt")
        }
    }

    // MARK: SQL

    /// The WHERE condition (over `dataset_rows r`) that selects the filter's rows, and its bound values in order.
    /// A search reads the index once every row is in it, and scans the rows' text until then (`connection` says which).
    static func condition(datasetID: Int64, filter: RowFilter, in connection: Connection) throws -> (sql: String, values: [SQLValue]) {
        var clauses = ["r.dataset_id = ?"]
        var values: [SQLValue] = [.integer(datasetID)]
        let sameRow = "dataset_id = r.dataset_id AND idx = r.idx"
        if let query = filter.query {
            let search = RowSearchQuery(query)
            if !search.isEmpty, try !isSearchIndexed(datasetID: datasetID, connection: connection) {
                // The rows in order, each until one fails: a first page of a common word stops early.
                let terms = search.lowercasedTerms.map { _ in "instr(t.folded, ?) > 0" }.joined(separator: " AND ")
                clauses.append("EXISTS (SELECT 1 FROM (SELECT lower(text) AS folded FROM row_search_text WHERE \(sameRow)) t WHERE \(terms))")
                values += search.lowercasedTerms.map(SQLValue.text)
            } else if !search.isEmpty {
                let base = datasetID << 32
                var inner = "SELECT rowid - ? FROM row_search WHERE rowid BETWEEN ? AND ?"
                values += [.integer(base), .integer(base), .integer(base + 0xFFFF_FFFF)]
                if let expression = search.indexedExpression {
                    inner += " AND row_search MATCH ?"
                    values.append(.text(expression))
                }
                for term in search.scannedTerms {
                    inner += " AND instr(lower(text), ?) > 0"
                    values.append(.text(term))
                }
                clauses.append("r.idx IN (\(inner))")
            }
        }
        if let split = filter.split {
            clauses.append("r.split = ?")
            values.append(.text(split.rawValue))
        }
        switch filter.flag {
        case nil: break
        case RowFilter.anyFlag?: clauses.append("EXISTS (SELECT 1 FROM row_flags WHERE \(sameRow))")
        case RowFilter.noFlag?: clauses.append("NOT EXISTS (SELECT 1 FROM row_flags WHERE \(sameRow))")
        case let check?:
            clauses.append("EXISTS (SELECT 1 FROM row_flags WHERE \(sameRow) AND check_name = ?)")
            values.append(.text(check))
        }
        if let minScore = filter.minScore {
            clauses.append(
                """
                EXISTS (SELECT 1 FROM row_scores WHERE \(sameRow)) AND NOT EXISTS (SELECT 1 FROM row_scores WHERE \(sameRow)
                    AND ((rubric = 'scale' AND score < ?) OR (rubric = 'pass_fail' AND score = 0)))
                """)
            values.append(SQLValue(minScore))
        }
        if let category = filter.category {
            clauses.append("\(categoryExpression) = ?")
            values.append(.text(category))
        }
        if let minLength = filter.minLength {
            clauses.append("\(answerLengthExpression) >= ?")
            values.append(SQLValue(minLength))
        }
        if let maxLength = filter.maxLength {
            clauses.append("\(answerLengthExpression) <= ?")
            values.append(SQLValue(maxLength))
        }
        switch filter.review {
        case nil: break
        case .accepted?, .rejected?:
            clauses.append("EXISTS (SELECT 1 FROM row_reviews WHERE \(sameRow) AND verdict = ?)")
            values.append(.text(filter.review?.rawValue ?? ""))
        case .edited?: clauses.append("EXISTS (SELECT 1 FROM row_edits WHERE \(sameRow))")
        case .unreviewed?:
            clauses.append("NOT EXISTS (SELECT 1 FROM row_reviews WHERE \(sameRow)) AND NOT EXISTS (SELECT 1 FROM row_edits WHERE \(sameRow))")
        }
        if filter.representativesOnly {
            let checks = RowFilter.duplicateChecks.map { "'\($0)'" }.joined(separator: ", ")
            clauses.append("NOT EXISTS (SELECT 1 FROM row_flags WHERE \(sameRow) AND check_name IN (\(checks)))")
        }
        return (clauses.joined(separator: " AND "), values)
    }

    /// `RowCategory`'s rule in SQL: the metadata's non-empty string `category`, else its non-empty string
    /// `generation.stratum`.
    static let categoryExpression = """
        (CASE WHEN json_valid(r.meta) THEN CASE
            WHEN json_type(r.meta, '$.category') = 'text' AND json_extract(r.meta, '$.category') <> '' THEN json_extract(r.meta, '$.category')
            WHEN json_type(r.meta, '$.generation.stratum') = 'text' AND json_extract(r.meta, '$.generation.stratum') <> ''
                THEN json_extract(r.meta, '$.generation.stratum')
        END END)
        """

    /// The answer (the row's last message) in characters; NULL for a row without messages (a seed).
    static let answerLengthExpression = "length(json_extract(r.body, '$.messages[#-1].content'))"
}
