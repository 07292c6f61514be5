import DistilleryCore
import Testing
@testable import DistilleryStorage

/// The data checks a job's ending queues: only on a dataset they apply to, as a `jobs` row of their own that names the
/// dataset in its payload (not in `dataset_id`, so the dataset is not "in use"), left out of the jobs page.
struct AutomaticDataChecksTests {
    func dataset(_ connection: Connection, mode: DatasetMode, status: DatasetStatus) throws -> Int64 {
        try connection.run(
            "INSERT INTO datasets (name, mode, base_model, status, created_at, updated_at) VALUES ('d', ?, 'base', ?, 0, 0)",
            .text(mode.rawValue), .text(status.rawValue))
        return connection.lastInsertRowID
    }

    func queuedChecks(_ database: Database) throws -> [Job] {
        let ids = try database.read { connection in
            try connection.query("SELECT id FROM jobs WHERE kind = ? ORDER BY id", .text(AutomaticDataChecks.jobKind)).compactMap { $0.int64("id") }
        }
        return try ids.compactMap { try JobQueue(database: database).job(id: $0) }
    }

    @Test func theChecksAreQueuedOnlyOnAChatDatasetThatPassedOrAJobsOutput() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("checks.sqlite"))
        let (passed, ready, invalid, seeds, validating) = try database.write { connection in
            (
                try dataset(connection, mode: .chat, status: .validWithWarnings), try dataset(connection, mode: .chat, status: .readyForTraining),
                try dataset(connection, mode: .chat, status: .invalid), try dataset(connection, mode: .seeds, status: .validSeeds),
                try dataset(connection, mode: .chat, status: .validating)
            )
        }
        let asked: [AutomaticDataChecks] = [
            .init(datasetID: passed, trigger: .validation), .init(datasetID: ready, trigger: .synthesis),
            .init(datasetID: invalid, trigger: .validation), .init(datasetID: invalid, trigger: .generation),
            .init(datasetID: seeds, trigger: .generation), .init(datasetID: validating, trigger: .merge),
            .init(datasetID: 999, trigger: .validation),
        ]
        try database.write { connection in
            for checks in asked { try AutomaticDataChecks.queue(checks, in: connection, now: 42) }
            try AutomaticDataChecks.queue(nil, in: connection, now: 42)
        }

        let queued = try queuedChecks(database)
        #expect(queued.map { AutomaticDataChecks(payload: $0.payload) } == [
            .init(datasetID: passed, trigger: .validation), .init(datasetID: ready, trigger: .synthesis),
            .init(datasetID: invalid, trigger: .generation),
        ])
        #expect(queued.allSatisfy { $0.state == .queued && $0.datasetID == nil && $0.createdAt == 42 })
        #expect(queued.first?.payload == #"{"dataset":\#(passed),"trigger":"validation"}"#)
        #expect(AutomaticDataChecks(payload: "{}") == nil)
        #expect(AutomaticDataChecks(payload: #"{"dataset":1,"trigger":"sometimes"}"#) == nil)
    }

    @Test func theJobsPageLeavesTheChecksOut() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("checks.sqlite"))
        let queue = JobQueue(database: database, clock: { 5 })
        let validation = try queue.enqueue(kind: "validate", datasetID: nil)
        try queue.enqueue(kind: AutomaticDataChecks.jobKind, datasetID: nil, payload: AutomaticDataChecks(datasetID: 1, trigger: .validation).payload)

        #expect(try queue.listings(filter: JobListFilter(), offset: 0, limit: 10).map(\.entry.id) == [validation])
        #expect(try queue.count(filter: JobListFilter()) == 1)
        #expect(try queue.count(filter: JobListFilter(status: .queued)) == 1)
    }
}
