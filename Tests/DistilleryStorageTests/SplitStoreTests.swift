import DistilleryCore
import Testing
@testable import DistilleryStorage

/// The `split` column and the `dataset_splits` record on a real SQLite file.
struct SplitStoreTests {
    static let bodies = [
        #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"First question"},{"role":"assistant","content":"A"}]}"#,
        #"{"messages":[{"role":"user","content":"Turn one"},{"role":"assistant","content":"A"},{"role":"user","content":"Turn two"},{"role":"assistant","content":"B"}]}"#,
        #"{"messages":[{"role":"user","content":"Third"},{"role":"assistant","content":"C"}]}"#,
    ]

    func open(_ folder: TemporaryFolder) throws -> (Database, DatasetStore, Int64) {
        let database = try Database(path: folder.file("splits.sqlite"))
        let id = try database.write { connection in
            try connection.run(
                """
                INSERT INTO datasets (name, mode, base_model, status, row_count, created_at, updated_at)
                VALUES ('d', 'chat', 'm', 'valid', 3, 1, 1)
                """)
            let id = connection.lastInsertRowID
            for (index, body) in Self.bodies.enumerated() {
                try connection.run(
                    "INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens) VALUES (?, ?, ?, ?, 10)",
                    .integer(id), .integer(Int64(index)), .integer(Int64(index + 1)), .text(body))
            }
            return id
        }
        return (database, DatasetStore(database: database), id)
    }

    @Test func splitInputHasEachRowsUserTurnsInOrder() throws {
        let folder = try TemporaryFolder()
        let (_, store, id) = try open(folder)
        let input = try store.splitInput(datasetID: id)
        #expect(input.map(\.userText) == ["First question", "Turn one\nTurn two", "Third"])
        #expect(input.map(\.index) == [0, 1, 2])
        #expect(input.allSatisfy { $0.split == nil })
    }

    @Test func appliedSplitIsStoredPerRowAndAsARecord() throws {
        let folder = try TemporaryFolder()
        let (_, store, id) = try open(folder)
        let record = SplitRecord(
            distribution: RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1), seed: UInt64.max, threshold: 0.85,
            counts: SplitCounts(train: 1, validation: 1, test: 1), crossSplitPairs: 0, groupsKeptTogether: 2, rowsInGroups: 5,
            bentBy: 1, movedRows: 3)
        try store.applySplit(datasetID: id, rowIndexes: [0, 1, 2], splits: [.test, .train, .validation], record: record, now: 5)

        #expect(try store.split(datasetID: id) == record)
        #expect(try store.splitInput(datasetID: id).map(\.split) == [.test, .train, .validation])
        #expect(try store.rows(datasetID: id, offset: 0, limit: 10, split: .train).map(\.index) == [1])
        #expect(try store.rows(datasetID: id, offset: 0, limit: 10, split: .test).map(\.split) == [.test])
        #expect(try store.rows(datasetID: id, offset: 0, limit: 10).map(\.split) == [.test, .train, .validation])
    }

    @Test func splitColumnAcceptsOnlyTheThreeSplits() throws {
        let folder = try TemporaryFolder()
        let (database, _, id) = try open(folder)
        #expect(throws: DatabaseError.self) {
            try database.write { try $0.run("UPDATE dataset_rows SET split = 'holdout' WHERE dataset_id = ?", .integer(id)) }
        }
    }

    @Test func deletingTheDatasetDeletesItsSplitRecord() throws {
        let folder = try TemporaryFolder()
        let (database, store, id) = try open(folder)
        let record = SplitRecord(
            distribution: .allTrain, seed: 1, threshold: 0.8, counts: SplitCounts(train: 3), crossSplitPairs: 0,
            groupsKeptTogether: 0, rowsInGroups: 0, bentBy: 0, movedRows: 0)
        try store.applySplit(datasetID: id, rowIndexes: [0, 1, 2], splits: [.train, .train, .train], record: record, now: 5)
        try database.write { try $0.run("DELETE FROM datasets WHERE id = ?", .integer(id)) }
        #expect(try store.split(datasetID: id) == nil)
    }
}
