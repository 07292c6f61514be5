import DistilleryCore
import Testing
@testable import DistilleryStorage

/// `quality_runs` and `row_flags` on a real SQLite file, and the generation record a synthesized child's rows keep.
struct QualityStoreTests {
    func open(_ folder: TemporaryFolder, rows: Int) throws -> (Database, Int64) {
        let database = try Database(path: folder.file("quality.sqlite"))
        let id = try database.write { connection in
            let id = try insertDataset(connection)
            for index in 0..<rows {
                try connection.run(
                    "INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens) VALUES (?, ?, ?, '{}', 1)",
                    .integer(id), .integer(Int64(index)), .integer(Int64(index + 1)))
            }
            return id
        }
        return (database, id)
    }

    func run(_ id: Int64, trigger: QualityTrigger, flags: [StoredRowFlag]) -> NewQualityRun {
        NewQualityRun(
            datasetID: id, trigger: trigger, compareDatasetID: nil, rows: 5, verdict: "\(flags.count) flags", counts: #"{"refusals":1}"#,
            report: "{}", flags: flags, createdBy: nil)
    }

    @Test func aStoredRunReplacesTheDatasetsRowFlagsWithAllOfItsOwn() throws {
        let folder = try TemporaryFolder()
        let (database, id) = try open(folder, rows: 5)
        let store = QualityStore(database: database)
        let first = try store.record(
            run(id, trigger: .validation, flags: [
                StoredRowFlag(index: 0, check: "refusals", detail: "\"I'm sorry\""),
                StoredRowFlag(index: 3, check: "echoes", detail: "the answer contains the whole prompt"),
            ]), now: 10)
        #expect(try store.flags(datasetID: id).map(\.index) == [0, 3])

        let second = try store.record(
            run(id, trigger: .request, flags: [
                StoredRowFlag(index: 1, check: "duplicateAnswers", detail: "duplicate of line 1"),
                StoredRowFlag(index: 1, check: "leakage", detail: "near duplicate"),
                StoredRowFlag(index: 4, check: "refusals", detail: "\"As an AI\""),
            ]), now: 20)
        #expect(try store.flags(datasetID: id) == [
            StoredRowFlag(index: 1, check: "duplicateAnswers", detail: "duplicate of line 1"),
            StoredRowFlag(index: 1, check: "leakage", detail: "near duplicate"),
            StoredRowFlag(index: 4, check: "refusals", detail: "\"As an AI\""),
        ])
        #expect(try store.latestRuns(datasetID: id, limit: 5).map(\.id) == [second.id, first.id])
        #expect(try store.latestRuns(datasetID: id, limit: 5).map(\.trigger) == [.request, .validation])
        #expect(try store.latestRuns(datasetID: id, limit: 1).first == second)
    }

    @Test func aRunWhoseFlagsCannotBeStoredLeavesTheEarlierRunAndFlagsInPlace() throws {
        let folder = try TemporaryFolder()
        let (database, id) = try open(folder, rows: 2)
        let store = QualityStore(database: database)
        _ = try store.record(run(id, trigger: .validation, flags: [StoredRowFlag(index: 1, check: "refusals", detail: "x")]), now: 10)
        // Row 9 does not exist: the flag's foreign key refuses it, and the whole run with it.
        #expect(throws: DatabaseError.self) {
            try store.record(run(id, trigger: .request, flags: [StoredRowFlag(index: 9, check: "refusals", detail: "y")]), now: 20)
        }
        #expect(try store.flags(datasetID: id) == [StoredRowFlag(index: 1, check: "refusals", detail: "x")])
        #expect(try store.latestRuns(datasetID: id, limit: 5).count == 1)
    }

    @Test func aSynthesizedRowKeepsItsSeedsGenerationRecord() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("synthesis.sqlite"))
        let jobID = try database.write { connection in
            try connection.run(
                "INSERT INTO datasets (name, mode, base_model, status, created_at, updated_at) VALUES ('seeds', 'seeds', 'm', 'valid_seeds', 0, 0)")
            let seeds = connection.lastInsertRowID
            let metas: [String?] = [#"{"generation":{"job":3,"stratum":"topic=billing"}}"#, nil]
            for (index, meta) in metas.enumerated() {
                try connection.run(
                    "INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens, meta) VALUES (?, ?, ?, '{\"input\":\"q\"}', 1, ?)",
                    .integer(seeds), .integer(Int64(index)), .integer(Int64(index + 1)), SQLValue(meta))
            }
            try connection.run("INSERT INTO jobs (kind, dataset_id, state, created_at) VALUES ('synthesize', ?, 'running', 0)", .integer(seeds))
            let jobID = connection.lastInsertRowID
            try connection.run(
                "INSERT INTO synthesis_jobs (job_id, parent_dataset_id, provider, model, settings, created_at) VALUES (?, ?, 'p', 'm', '{}', 0)",
                .integer(jobID), .integer(seeds))
            for index in 0..<2 {
                try connection.run(
                    """
                    INSERT INTO synthesis_seeds (job_id, idx, line, input, status, row_json, metadata)
                    VALUES (?, ?, ?, 'q', 'done', '{"messages":[]}', '{"provider":"p","model":"m"}')
                    """, .integer(jobID), .integer(Int64(index)), .integer(Int64(index + 1)))
            }
            return jobID
        }
        let rows = try SynthesisStore(database: database).doneRows(jobID: jobID, afterIndex: -1, limit: 10)
        #expect(rows.map(\.metadata) == [
            #"{"provider":"p","model":"m","generation":{"job":3,"stratum":"topic=billing"}}"#,
            #"{"provider":"p","model":"m"}"#,
        ])
        #expect(RowCategory.of(metadata: rows[0].metadata) == "topic=billing")
    }
}
