import CSQLite
import DistilleryCore
import Foundation
import Testing
@testable import DistilleryStorage

/// The migration that gave job and dataset statuses their CHECKs: a database written before it, with rows in
/// every status it could hold, opens with every row kept and every status in the new vocabulary.
@Suite struct StatusMigrationTests {
    /// The position of the status migration in the list (the lead may renumber it at merge).
    static let statusMigration = Schema.migrations.firstIndex { $0.contains("CREATE TABLE new_jobs") }!

    /// A file at the schema version just before the status migration.
    static func previousVersionFile(_ path: String, fill: (Connection) throws -> Void) throws {
        let connection = try Connection(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        for migration in Schema.migrations[..<statusMigration] { try connection.execute(migration) }
        try connection.execute("PRAGMA user_version = \(statusMigration)")
        try connection.execute("PRAGMA foreign_keys = ON")
        try fill(connection)
        try connection.close()
    }

    @Test func rowsInEveryOldStatusMigrateAndReadBack() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("old.sqlite")
        var datasetIDs: [String: Int64] = [:]
        var jobIDs: [String: Int64] = [:]
        try Self.previousVersionFile(path) { c in
            try c.run("INSERT INTO users (name, password_hash, role, created_at, password_changed_at) VALUES ('ada', 'x', 'admin', 0, 0)")
            let ada = c.lastInsertRowID
            // Every dataset status the old schema allowed (any text), including one no release wrote.
            for status in DatasetStatus.allCases.map(\.rawValue) + ["synthesis_failed"] {
                try c.run(
                    """
                    INSERT INTO datasets (name, mode, base_model, status, created_at, updated_at, created_by)
                    VALUES (?, 'seeds', 'base', ?, 1, 2, ?)
                    """, .text("ds-\(status)"), .text(status), .integer(ada))
                datasetIDs[status] = c.lastInsertRowID
            }
            let seeds = datasetIDs["valid_seeds"]!
            try c.run("INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens) VALUES (?, 0, 1, '{\"input\":\"hi\"}', 1)", .integer(seeds))
            // Validation jobs in every old queue state.
            for state in ["queued", "running", "succeeded", "failed", "cancelled"] {
                try c.run(
                    "INSERT INTO jobs (kind, dataset_id, state, created_at) VALUES ('validate', ?, ?, 5)",
                    .integer(datasetIDs["valid"]!), .text(state))
                jobIDs["validate-\(state)"] = c.lastInsertRowID
            }
            // Synthesis jobs: the old queue said `succeeded` however the synthesis ended.
            let synthesis: [(name: String, queue: String, own: String)] = [
                ("queued", "queued", "queued"), ("running", "running", "running"), ("completed", "succeeded", "completed"),
                ("failed", "succeeded", "synthesis_failed"), ("cancelled", "succeeded", "cancelled"),
                // Its runner threw: the queue failed it while its own row still said running.
                ("stuck", "failed", "running"),
            ]
            for job in synthesis {
                let parent = job.name == "stuck" ? datasetIDs["synthesizing"]! : seeds
                try c.run(
                    "INSERT INTO jobs (kind, dataset_id, state, created_at, finished_at) VALUES ('synthesize', ?, ?, 6, 9)",
                    .integer(parent), .text(job.queue))
                let id = c.lastInsertRowID
                jobIDs["synthesize-\(job.name)"] = id
                try c.run(
                    """
                    INSERT INTO synthesis_jobs (job_id, parent_dataset_id, created_by, provider, model, settings, status, total, written, created_at)
                    VALUES (?, ?, ?, 'deepseek', 'deepseek-chat', '{}', ?, 1, 1, 6)
                    """, .integer(id), .integer(parent), .integer(ada), .text(job.own))
                try c.run("INSERT INTO synthesis_seeds (job_id, idx, line, input) VALUES (?, 0, 1, 'hi')", .integer(id))
                try c.run(
                    "INSERT INTO teacher_keys (provider, label, last_four, job_id, created_at) VALUES ('deepseek', 'k', 'abcd', ?, 0)",
                    .integer(id))
            }
        }

        let database = try Database(path: path)
        defer { database.close() }
        let datasets = DatasetStore(database: database)
        for status in DatasetStatus.allCases where status != .synthesizing {
            #expect(try datasets.dataset(id: datasetIDs[status.rawValue]!)?.status == status)
        }
        // The stuck synthesis ended with its queue entry, so its seeds are ready again; the unknown word reads as before.
        #expect(try datasets.dataset(id: datasetIDs["synthesizing"]!)?.status == .validSeeds)
        #expect(try datasets.dataset(id: datasetIDs["synthesis_failed"]!)?.status == .invalid)
        #expect(try datasets.dataset(id: datasetIDs["valid"]!)?.createdBy != nil)

        let queue = JobQueue(database: database)
        let expectedQueue: [String: JobStatus] = [
            "validate-queued": .queued, "validate-running": .running, "validate-succeeded": .completed, "validate-failed": .failed,
            "validate-cancelled": .cancelled, "synthesize-queued": .queued, "synthesize-running": .running,
            "synthesize-completed": .completed, "synthesize-failed": .failed, "synthesize-cancelled": .cancelled,
            "synthesize-stuck": .failed,
        ]
        for (name, status) in expectedQueue {
            #expect(try queue.job(id: jobIDs[name]!)?.state == status, "\(name)")
        }
        let synthesis = SynthesisStore(database: database)
        let expectedOwn: [String: JobStatus] = [
            "queued": .queued, "running": .running, "completed": .completed, "failed": .failed, "cancelled": .cancelled, "stuck": .failed,
        ]
        for (name, status) in expectedOwn {
            let record = try #require(try synthesis.job(id: jobIDs["synthesize-\(name)"]!))
            #expect(record.status == status, "\(name)")
            #expect(record.createdBy != nil)
        }
        // Nothing cascaded away while the tables were rebuilt, and every reference still holds.
        #expect(try count("dataset_rows", in: database) == 1)
        #expect(try count("synthesis_seeds", in: database) == 6)
        #expect(try count("teacher_keys", in: database) == 6)
        #expect(try database.read { try $0.query("PRAGMA foreign_key_check") }.isEmpty)
        #expect(try database.read { try $0.scalar("PRAGMA foreign_keys")?.intValue } == 1)
        // The rebuilt tables keep their names and their references' actions: deleting the seeds cascades to
        // their rows and clears the jobs' links.
        let schema = try database.read { try $0.query("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL").compactMap { $0.string("sql") } }
        #expect(!schema.contains { $0.contains("new_") })
        let seeds = datasetIDs["valid_seeds"]!
        try database.write { try $0.run("DELETE FROM datasets WHERE id = ?", .integer(seeds)) }
        #expect(try count("dataset_rows", in: database) == 0)
        #expect(try database.read { try $0.scalar("SELECT COUNT(*) FROM jobs WHERE dataset_id = ?", .integer(seeds))?.intValue } == 0)
        #expect(try database.read { try $0.scalar("SELECT COUNT(*) FROM synthesis_jobs WHERE parent_dataset_id IS NULL")?.intValue } == 5)
        // Who started a job is known from then on: the synthesis's creator, the dataset's uploader.
        let starters = try database.read { try $0.query("SELECT created_by FROM jobs").map { $0.int64("created_by") } }
        #expect(starters.allSatisfy { $0 != nil })
    }

    @Test func theChecksRefuseWordsOutsideTheVocabularies() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let dataset = try database.write { try insertDataset($0) }
        for (sql, word) in [
            ("UPDATE datasets SET status = ? WHERE id = \(dataset)", "synthesis_failed"),
            ("INSERT INTO jobs (kind, state, created_at) VALUES ('validate', ?, 0)", "succeeded"),
        ] {
            let error = #expect(throws: DatabaseError.self) { try database.write { try $0.run(sql, .text(word)) } }
            #expect(error?.description.contains("CHECK constraint failed") == true)
        }
    }

    @Test func aMigrationThatBreaksAReferenceIsRolledBack() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("db.sqlite")
        let connection = try Connection(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let broken = Schema.migrations + ["INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens) VALUES (999, 0, 1, '{}', 1)"]
        let error = #expect(throws: DatabaseError.self) { try Migrator.migrate(connection, to: broken, path: path) }
        #expect(error?.description.contains("migration \(broken.count) failed: it leaves a broken reference") == true)
        #expect(try connection.scalar("PRAGMA user_version")?.intValue == Schema.migrations.count)
        #expect(try connection.scalar("SELECT COUNT(*) FROM dataset_rows")?.intValue == 0)
        #expect(try connection.scalar("PRAGMA foreign_keys")?.intValue == 1)
    }
}
