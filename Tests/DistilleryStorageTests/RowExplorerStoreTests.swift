import DistilleryCore
import Testing
@testable import DistilleryStorage

/// `DatasetStore.filteredRows` / `filteredRowCount` / `annotations` on a real SQLite file, with flags, scores, reviews
/// and edits inserted by SQL as the quality work stores them.
struct RowExplorerStoreTests {
    static func chat(_ turns: [(String, String)]) -> String {
        let messages = turns.map { role, content in
            let escaped = content.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return #"{"role":"\#(role)","content":"\#(escaped)"}"#
        }
        return #"{"messages":[\#(messages.joined(separator: ","))]}"#
    }

    /// (body, metadata, split) per row index.
    static let rows: [(String, String?, String?)] = [
        (chat([("user", "How do I get a refund?"), ("assistant", "Open Billing and choose Refund.")]), #"{"category":"billing"}"#, "train"),
        (chat([("user", "我想退款，怎么办？"), ("assistant", "请在账单页面申请退款。")]), #"{"generation":{"stratum":"topic=billing"}}"#, "validation"),
        (chat([("user", "Tell me a joke"), ("assistant", "I'm sorry, I can't help with that.")]), nil, "test"),
        (chat([("user", "Tell me a joke!"), ("assistant", "Why did the chicken cross the road? To get to the other side.")]), #"{"category":"humour"}"#, "train"),
        (chat([("user", "What does AND OR NOT mean in SQL?"), ("assistant", "They combine conditions: both, either, negation.")]), #"{"category":3}"#, nil),
        (chat([("system", "You are helpful."), ("user", "Say \"yo\""), ("assistant", "yo")]), #"{"category":""}"#, "train"),
    ]

    static let editedBody = chat([("user", "What does AND OR NOT mean in SQL?"), ("assistant", "Boolean operators, like a zebra's stripes.")])

    func open(_ folder: TemporaryFolder) throws -> (Database, DatasetStore, Int64, Int64) {
        let database = try Database(path: folder.file("explorer.sqlite"))
        let (id, other) = try database.write { connection in
            try connection.run("INSERT INTO users (id, name, password_hash, role, created_at, password_changed_at) VALUES (7, 'alice', 'x', 'member', 1, 1)")
            let id = try insertDataset(connection, name: "explored")
            for (index, (body, meta, split)) in Self.rows.enumerated() {
                try connection.run(
                    "INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens, meta, split) VALUES (?, ?, ?, ?, 10, ?, ?)",
                    .integer(id), SQLValue(index), SQLValue(index + 1), .text(body), SQLValue(meta), SQLValue(split))
            }
            let other = try insertDataset(connection, name: "other")
            try connection.run(
                "INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens) VALUES (?, 0, 1, ?, 10)",
                .integer(other), .text(Self.chat([("user", "refund please"), ("assistant", "Refund sent.")])))
            for (index, check) in [(1, "refusals"), (2, "refusals"), (2, "duplicatePrompts"), (3, "duplicateAnswers")] {
                try connection.run(
                    "INSERT INTO row_flags (dataset_id, idx, check_name, detail) VALUES (?, ?, ?, ?)",
                    .integer(id), SQLValue(index), .text(check), .text("\(check) of row \(index)"))
            }
            for (index, dimension, rubric, score) in [
                (0, "answers_request", "scale", 4), (0, "follows_skill_prompt", "scale", 5), (0, "safe", "pass_fail", 1),
                (1, "answers_request", "scale", 2),
                (3, "answers_request", "scale", 5), (3, "safe", "pass_fail", 0),
            ] {
                try connection.run(
                    """
                    INSERT INTO row_scores (dataset_id, idx, dimension, rubric, score, reasoning, model, prompt_version, created_at)
                    VALUES (?, ?, ?, ?, ?, 'because', 'judge-1', 'v1', 1)
                    """, .integer(id), SQLValue(index), .text(dimension), .text(rubric), SQLValue(score))
            }
            try connection.run(
                "INSERT INTO row_reviews (dataset_id, idx, verdict, rating, reviewed_by, reviewed_at) VALUES (?, 2, 'rejected', NULL, NULL, 50)",
                .integer(id))
            try connection.run(
                "INSERT INTO row_reviews (dataset_id, idx, verdict, rating, reviewed_by, reviewed_at) VALUES (?, 3, 'accepted', 5, 7, 60)",
                .integer(id))
            try connection.run(
                "INSERT INTO row_edits (dataset_id, idx, seq, previous_body, body, edited_by, edited_at) VALUES (?, 4, 1, ?, ?, 7, 70)",
                .integer(id), .text(Self.rows[4].0), .text(Self.editedBody))
            return (id, other)
        }
        return (database, DatasetStore(database: database), id, other)
    }

    /// Runs the background indexer's batches (a few rows each, so a dataset takes several) until the dataset is indexed.
    func index(_ store: DatasetStore, _ id: Int64, batchRows: Int = 2) throws {
        while try !store.indexNextSearchBatch(datasetID: id, rows: batchRows) {}
    }

    func indices(_ store: DatasetStore, _ id: Int64, _ filter: RowFilter) throws -> [Int64] {
        let rows = try store.filteredRows(datasetID: id, filter: filter, offset: 0, limit: 100).map(\.index)
        #expect(try store.filteredRowCount(datasetID: id, filter: filter) == rows.count)
        return rows
    }

    @Test(arguments: [
        (RowFilter(), [0, 1, 2, 3, 4, 5]),
        (RowFilter(split: .train), [0, 3, 5]),
        (RowFilter(split: .test), [2]),
        (RowFilter(flag: "refusals"), [1, 2]),
        (RowFilter(flag: "duplicatePrompts"), [2]),
        (RowFilter(flag: "any"), [1, 2, 3]),
        (RowFilter(flag: "none"), [0, 4, 5]),
        (RowFilter(minScore: 4), [0]),
        (RowFilter(minScore: 2), [0, 1]),
        (RowFilter(minScore: 5), []),
        (RowFilter(category: "billing"), [0]),
        (RowFilter(category: "topic=billing"), [1]),
        (RowFilter(category: "3"), []),
        (RowFilter(minLength: 40), [3, 4]),
        (RowFilter(maxLength: 11), [1, 5]),
        (RowFilter(minLength: 2, maxLength: 2), [5]),
        (RowFilter(review: .accepted), [3]),
        (RowFilter(review: .rejected), [2]),
        (RowFilter(review: .edited), [4]),
        (RowFilter(review: .unreviewed), [0, 1, 5]),
        (RowFilter(representativesOnly: true), [0, 1, 4, 5]),
    ] as [(RowFilter, [Int64])])
    func eachFilterAloneSelectsItsRows(filter: RowFilter, expected: [Int64]) throws {
        let folder = try TemporaryFolder()
        let (_, store, id, _) = try open(folder)
        #expect(try indices(store, id, filter) == expected)
    }

    @Test(arguments: [
        (RowFilter(split: .train, flag: "none"), [0, 5]),
        (RowFilter(flag: "none", minScore: 4, representativesOnly: true), [0]),
        (RowFilter(split: .train, representativesOnly: true), [0, 5]),
        (RowFilter(query: "joke", representativesOnly: true), []),
        (RowFilter(query: "joke", review: .accepted), [3]),
        (RowFilter(query: "billing", flag: "refusals"), []),
        (RowFilter(category: "billing", minLength: 10, maxLength: 40, review: .unreviewed), [0]),
    ] as [(RowFilter, [Int64])])
    func filtersCombineWithAnd(filter: RowFilter, expected: [Int64]) throws {
        let folder = try TemporaryFolder()
        let (_, store, id, _) = try open(folder)
        #expect(try indices(store, id, filter) == expected)
    }

    @Test(arguments: [
        ("refund", [0]),
        ("REFUND", [0]),
        ("refund billing", [0]),
        ("refund joke", []),
        ("申请退款", [1]),
        ("退款", [1]),
        ("我", [1]),
        ("joke", [2, 3]),
        ("\"a joke!\"", [3]),
        ("\"tell me a joke\"", [2, 3]),
        ("yo", [5]),
        ("\"say \"yo", [5]),
        ("helpful", [5]),
        ("zebra", [4]),
        ("negation", []),
        ("AND", [0, 4]),
        ("OR", [2, 4]),
        ("NEAR(refund", []),
        ("refund*", []),
        ("text:refund", []),
        ("^How", []),
        ("\"", [0, 1, 2, 3, 4, 5]),
        ("( ) \" - + *", []),
    ] as [(String, [Int64])], [false, true])
    func searchMatchesEveryTermAsTextOfTheRowAsReviewedBeforeAndAfterIndexing(search: (query: String, expected: [Int64]), indexed: Bool) throws {
        let folder = try TemporaryFolder()
        let (_, store, id, _) = try open(folder)
        if indexed { try index(store, id) }
        #expect(try store.isSearchIndexed(datasetID: id) == indexed)
        #expect(try indices(store, id, RowFilter(query: search.query)) == search.expected)
    }

    @Test func aSearchNeverIndexesAndTheIndexerTakesTheNewestSettledDatasetFirst() throws {
        let folder = try TemporaryFolder()
        let (database, store, id, other) = try open(folder)
        #expect(try indices(store, id, RowFilter(query: "refund")) == [0])
        #expect(try count("row_search_datasets", in: database) == 0)
        #expect(try store.newestDatasetAwaitingSearchIndex() == other)
        try database.write { try $0.run("UPDATE datasets SET status = 'validating' WHERE id = ?", .integer(other)) }
        #expect(try store.newestDatasetAwaitingSearchIndex() == id)
        #expect(try store.indexNextSearchBatch(datasetID: other), "a validating dataset is left alone")
        #expect(try !store.indexNextSearchBatch(datasetID: id, rows: 4))
        #expect(try !store.isSearchIndexed(datasetID: id), "4 of 6 rows indexed")
        #expect(try store.newestDatasetAwaitingSearchIndex() == id)
        #expect(try store.indexNextSearchBatch(datasetID: id, rows: 4))
        #expect(try store.isSearchIndexed(datasetID: id))
        #expect(try store.newestDatasetAwaitingSearchIndex() == nil)
        #expect(try store.indexNextSearchBatch(datasetID: id), "an indexed dataset has nothing left")
        try database.write { try $0.run("DELETE FROM dataset_rows WHERE dataset_id = ?", .integer(other)) }
        try database.write { try $0.run("UPDATE datasets SET status = 'invalid' WHERE id = ?", .integer(other)) }
        #expect(try store.newestDatasetAwaitingSearchIndex() == nil, "a dataset without rows has nothing to index")
        #expect(try store.isSearchIndexed(datasetID: other))
    }

    @Test func editsAndDeletionsDuringIndexingLeaveTheIndexExact() throws {
        let folder = try TemporaryFolder()
        let (database, store, id, _) = try open(folder)
        #expect(try !store.indexNextSearchBatch(datasetID: id, rows: 2))
        try database.write { connection in
            for (index, user) in [(0, "How do I get my money back?"), (3, "Tell me a riddle!")] {
                try connection.run(
                    "INSERT INTO row_edits (dataset_id, idx, seq, previous_body, body, edited_at) VALUES (?, ?, 1, ?, ?, 80)",
                    .integer(id), SQLValue(index), .text(Self.rows[index].0), .text(Self.chat([("user", user), ("assistant", "Noted.")])))
            }
            try connection.run("DELETE FROM dataset_rows WHERE dataset_id = ? AND idx IN (1, 5)", .integer(id))
        }
        let queries = ["refund", "money", "riddle", "joke", "退款", "helpful", "zebra"]
        let scanned = try queries.map { try indices(store, id, RowFilter(query: $0)) }
        #expect(scanned == [[], [0], [3], [2], [], [], [4]])
        try index(store, id)
        #expect(try queries.map { try indices(store, id, RowFilter(query: $0)) } == scanned)
        let entries = try database.read { try $0.scalar("SELECT COUNT(*) FROM row_search")?.intValue }
        #expect(entries == 4)
    }

    @Test func searchIndexFollowsInsertsEditsRevalidationAndDeletion() throws {
        let folder = try TemporaryFolder()
        let (database, store, id, other) = try open(folder)
        let entries = { (dataset: Int64) in
            try database.read {
                try $0.scalar("SELECT COUNT(*) FROM row_search WHERE rowid BETWEEN ? AND ?", .integer(dataset << 32), .integer((dataset << 32) + 0xFFFF_FFFF))?.intValue
            }
        }
        #expect(try entries(id) == 0)
        try index(store, id)
        try index(store, other)
        #expect(try entries(id) == 6)
        #expect(try entries(other) == 1)
        #expect(try indices(store, id, RowFilter(query: "refund")) == [0])
        #expect(try indices(store, other, RowFilter(query: "refund")) == [0])

        try database.write { connection in
            try connection.run(
                "INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens) VALUES (?, 6, 7, ?, 10)",
                .integer(id), .text(Self.chat([("user", "A late refund?"), ("assistant", "Yes.")])))
            try connection.run(
                "INSERT INTO row_edits (dataset_id, idx, seq, previous_body, body, edited_at) VALUES (?, 0, 1, ?, ?, 80)",
                .integer(id), .text(Self.rows[0].0), .text(Self.chat([("user", "How do I get my money back?"), ("assistant", "Ask Billing.")])))
        }
        #expect(try indices(store, id, RowFilter(query: "refund")) == [6])
        #expect(try indices(store, id, RowFilter(query: "money")) == [0])

        // Validate again (of an invalid dataset) clears the rows and with them the search entries.
        try database.write { try $0.run("UPDATE datasets SET status = 'invalid' WHERE id = ?", .integer(id)) }
        guard case .queued = try store.queueRevalidation(datasetID: id, now: 90) else {
            Issue.record("Validate again was refused")
            return
        }
        #expect(try entries(id) == 0)
        _ = try store.appendValidationBatch(
            datasetID: id, rows: [AcceptedRow(line: 1, normalizedJSON: Array(Self.chat([("user", "fresh refund"), ("assistant", "ok")]).utf8), estimatedTokens: 3)],
            firstRowIndex: 0, errors: [], firstErrorSequence: 0)
        #expect(try entries(id) == 0)
        #expect(try store.newestDatasetAwaitingSearchIndex() == nil, "rows still validating are not indexed")
        #expect(try indices(store, id, RowFilter(query: "refund")) == [0])
        try database.write { try $0.run("UPDATE datasets SET status = 'valid' WHERE id = ?", .integer(id)) }
        #expect(try store.newestDatasetAwaitingSearchIndex() == id)
        try index(store, id)
        #expect(try entries(id) == 1)

        try database.write { try $0.run("DELETE FROM jobs WHERE dataset_id = ?", .integer(id)) }
        #expect(try store.delete(id: id) == .deleted)
        #expect(try entries(id) == 0)
        #expect(try entries(other) == 1)
        #expect(try count("row_search_datasets", in: database) == 1)
    }

    @Test func theCategoryFilterAppliesRowCategorysRule() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("category.sqlite"))
        let metadata: [String?] = [
            nil, "not json", "{}", #"{"category":"billing"}"#, #"{"category":""}"#, #"{"category":3}"#,
            #"{"generation":{"stratum":"topic=outages"}}"#, #"{"category":"billing","generation":{"stratum":"topic=outages"}}"#,
            #"{"generation":{"stratum":""}}"#, #"{"category":3,"generation":{"stratum":"topic=outages"}}"#,
        ]
        let id = try database.write { connection in
            let id = try insertDataset(connection)
            for (index, meta) in metadata.enumerated() {
                try connection.run(
                    "INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens, meta) VALUES (?, ?, 1, '{}', 1, ?)",
                    .integer(id), SQLValue(index), SQLValue(meta))
            }
            return id
        }
        let store = DatasetStore(database: database)
        for category in ["billing", "topic=outages", "3", ""] {
            let expected = metadata.indices.filter { RowCategory.of(metadata: metadata[$0]) == category }.map(Int64.init)
            #expect(try store.filteredRows(datasetID: id, filter: RowFilter(category: category), offset: 0, limit: 100).map(\.index) == expected)
        }
    }

    @Test func pagesOfFilteredRowsFollowRowOrder() throws {
        let folder = try TemporaryFolder()
        let (_, store, id, _) = try open(folder)
        let filter = RowFilter(representativesOnly: true)
        #expect(try store.filteredRows(datasetID: id, filter: filter, offset: 1, limit: 2).map(\.index) == [1, 4])
        #expect(try store.filteredRows(datasetID: id, filter: filter, offset: 4, limit: 2).isEmpty)
    }

    @Test func annotationsGiveFlagsScoresAndReviewPerRow() throws {
        let folder = try TemporaryFolder()
        let (_, store, id, _) = try open(folder)
        let annotations = try store.annotations(datasetID: id, indices: [0, 2, 3, 4, 5])
        #expect(annotations[5] == nil)
        #expect(annotations[0] == RowAnnotations(scores: [
            .init(dimension: "answers_request", score: 4, rubric: "scale"), .init(dimension: "follows_skill_prompt", score: 5, rubric: "scale"),
            .init(dimension: "safe", score: 1, rubric: "pass_fail"),
        ]))
        #expect(annotations[2] == RowAnnotations(
            flags: [.init(check: "duplicatePrompts", detail: "duplicatePrompts of row 2"), .init(check: "refusals", detail: "refusals of row 2")],
            review: .init(verdict: "rejected", rating: nil, edited: false, reviewedBy: nil, reviewedAt: 50)))
        #expect(annotations[3]?.review == .init(verdict: "accepted", rating: 5, edited: false, reviewedBy: "alice", reviewedAt: 60))
        #expect(annotations[4] == RowAnnotations(review: .init(verdict: nil, rating: nil, edited: true, reviewedBy: nil, reviewedAt: nil)))
        #expect(annotations[1] == nil)
        #expect(try store.annotations(datasetID: id, indices: []).isEmpty)
    }
}
