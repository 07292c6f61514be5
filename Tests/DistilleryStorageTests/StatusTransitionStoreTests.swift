import DistilleryCore
import Foundation
import Testing
@testable import DistilleryStorage

/// The stores move statuses only along the life cycles in Core, and a synthesis's queue entry ends with the
/// synthesis's own status.
@Suite struct StatusTransitionStoreTests {
    let folder: TemporaryFolder
    let database: Database
    let queue: JobQueue
    let synthesis: SynthesisStore
    let datasets: DatasetStore

    init() throws {
        folder = try TemporaryFolder()
        database = try Database(path: folder.file("db.sqlite"))
        queue = JobQueue(database: database)
        synthesis = SynthesisStore(database: database)
        datasets = DatasetStore(database: database)
    }

    private func seedsDataset(status: DatasetStatus = .validSeeds) throws -> Int64 {
        try database.write { c in
            try c.run(
                "INSERT INTO datasets (name, mode, base_model, status, created_at, updated_at) VALUES ('s', 'seeds', 'base', ?, 0, 0)",
                .text(status.rawValue))
            let id = c.lastInsertRowID
            try c.run("INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens) VALUES (?, 0, 1, '{\"input\":\"hi\"}', 1)", .integer(id))
            return id
        }
    }

    private func newJob(parent: Int64) throws -> Int64 {
        try synthesis.create(
            .init(parentDatasetID: parent, createdBy: nil, provider: "deepseek", model: "deepseek-chat", settingsJSON: "{}", keyID: nil,
                estimateJSON: nil), now: 1)
    }

    private func datasetStatus(_ id: Int64) throws -> String? {
        try database.read { try $0.scalar("SELECT status FROM datasets WHERE id = ?", .integer(id))?.stringValue }
    }

    /// A job stopped while it validates its child must find that child when it resumes: the link is written in the
    /// child's own creating transaction, and a child whose file could not be placed leaves no link and no dataset.
    @Test func aChildDatasetIsLinkedToItsJobInTheTransactionThatCreatesIt() throws {
        let job = try newJob(parent: try seedsDataset())
        let child = try datasets.create(
            NewDataset(name: "child", mode: .chat, baseModel: "base", skillPrompt: nil, byteSize: 0), now: 2, queueValidation: false,
            alsoInTransaction: { connection, id in try SynthesisStore.linkChild(connection, jobID: job, childDatasetID: id) }
        ) { _ in }
        #expect(try synthesis.job(id: job)?.childDatasetID == child)
        #expect(try datasetStatus(child) == "validating")

        struct PlacementFailed: Error {}
        let second = try newJob(parent: try seedsDataset())
        let countBefore = try datasets.count()
        #expect(throws: PlacementFailed.self) {
            try datasets.create(
                NewDataset(name: "lost", mode: .chat, baseModel: "base", skillPrompt: nil, byteSize: 0), now: 3, queueValidation: false,
                alsoInTransaction: { connection, id in try SynthesisStore.linkChild(connection, jobID: second, childDatasetID: id) }
            ) { _ in throw PlacementFailed() }
        }
        #expect(try synthesis.job(id: second)?.childDatasetID == nil)
        #expect(try datasets.count() == countBefore)
    }

    @Test(arguments: [JobStatus.failed, .cancelled, .completed])
    func aSynthesisQueueEntryEndsAsTheSynthesisDid(ending: JobStatus) throws {
        let parent = try seedsDataset()
        let id = try newJob(parent: parent)
        let claimed = try #require(try queue.claim(owner: "w", leaseMilliseconds: 60_000))
        #expect(claimed.id == id)
        try synthesis.markRunning(jobID: id, now: 2)
        try synthesis.finish(jobID: id, status: ending, childDatasetID: nil, failure: ending == .failed ? "every seed failed" : nil, now: 3)
        // The worker's generic completion afterwards changes nothing: the queue keeps the real ending.
        #expect(try queue.complete(jobID: id, owner: "w") == false)
        let entry = try #require(try queue.job(id: id))
        #expect(entry.state == ending)
        #expect(entry.error == (ending == .failed ? "every seed failed" : nil))
        #expect(entry.finishedAt == 3)
        #expect(try synthesis.job(id: id)?.status == ending)
        #expect(try datasetStatus(parent) == "valid_seeds")
    }

    @Test func aSynthesisWhoseRunnerThrewEndsWithItsQueueEntry() throws {
        let parent = try seedsDataset()
        let id = try newJob(parent: parent)
        let key = try database.write { c in
            try c.run(
                "INSERT INTO teacher_keys (provider, label, last_four, job_id, created_at) VALUES ('deepseek', 'k', 'abcd', ?, 0)", .integer(id))
            return c.lastInsertRowID
        }
        _ = try queue.claim(owner: "w", leaseMilliseconds: 60_000)
        try synthesis.markRunning(jobID: id, now: 2)
        #expect(try queue.fail(jobID: id, owner: "w", error: "disk I/O error"))
        #expect(try queue.job(id: id)?.state == .failed)
        let record = try #require(try synthesis.job(id: id))
        #expect(record.status == .failed)
        #expect(record.failure == SynthesisStore.serverErrorFailure)
        #expect(try datasetStatus(parent) == "valid_seeds")
        #expect(try database.read { try $0.scalar("SELECT COUNT(*) FROM teacher_keys WHERE id = ?", .integer(key))?.intValue } == 0)
        // A validation's failure touches no synthesis.
        let validation = try queue.enqueue(kind: "validate", datasetID: parent)
        _ = try queue.claim(owner: "w", leaseMilliseconds: 60_000)
        #expect(try queue.fail(jobID: validation, owner: "w", error: "boom"))
        #expect(try queue.job(id: validation)?.state == .failed)
    }

    @Test func anEndedSynthesisCannotEndAgainOtherwise() throws {
        let id = try newJob(parent: try seedsDataset())
        _ = try queue.claim(owner: "w", leaseMilliseconds: 60_000)
        try synthesis.markRunning(jobID: id, now: 2)
        try synthesis.finish(jobID: id, status: .completed, childDatasetID: nil, failure: nil, now: 3)
        #expect(throws: StatusTransitionError(subject: "Job J-\(id)", from: "completed", to: "failed")) {
            try synthesis.finish(jobID: id, status: .failed, childDatasetID: nil, failure: "late", now: 4)
        }
        #expect(throws: StatusTransitionError(subject: "Job J-\(id)", from: "completed", to: "running")) {
            try synthesis.markRunning(jobID: id, now: 5)
        }
        #expect(try queue.job(id: id)?.state == .completed)
        #expect(try synthesis.job(id: id)?.failure == nil)
    }

    @Test func aQueuedSynthesisCannotCompleteWithoutRunning() throws {
        let id = try newJob(parent: try seedsDataset())
        #expect(throws: StatusTransitionError(subject: "Job J-\(id)", from: "queued", to: "completed")) {
            try synthesis.finish(jobID: id, status: .completed, childDatasetID: nil, failure: nil, now: 3)
        }
        #expect(try queue.job(id: id)?.state == .queued)
    }

    @Test func onlyAnEndedSynthesisRetriesItsSkippedSeeds() throws {
        let id = try newJob(parent: try seedsDataset())
        try database.write { try $0.run("UPDATE synthesis_seeds SET status = 'skipped' WHERE job_id = ?", .integer(id)) }
        #expect(throws: StatusTransitionError(subject: "Job J-\(id)", from: "queued", to: "queued")) {
            _ = try synthesis.requeueSkipped(jobID: id, settingsJSON: "{}", keyID: nil, now: 2)
        }
        #expect(try synthesis.seedStatusCounts(jobID: id) == ["skipped": 1])
    }

    @Test(arguments: [DatasetStatus.valid, .invalid, .validating, .readyForTraining])
    func onlySeedsReadyToSynthesizeStartASynthesis(status: DatasetStatus) throws {
        let parent = try seedsDataset(status: status)
        #expect(throws: StatusTransitionError(subject: "Dataset #\(parent)", from: status.rawValue, to: "synthesizing")) {
            _ = try newJob(parent: parent)
        }
        // Nothing of the refused job is left behind.
        #expect(try count("jobs", in: database) == 0)
        #expect(try datasetStatus(parent) == status.rawValue)
    }

    @Test func aValidationEndsOnlyADatasetThatIsValidating() throws {
        let id = try database.write { try insertDataset($0) }  // already `valid`
        let summary = StreamingValidatorFixture.summary(status: .valid)
        #expect(throws: StatusTransitionError(subject: "Dataset #\(id)", from: "valid", to: "valid")) {
            try datasets.finishValidation(
                datasetID: id, summary: summary, rows: [], firstRowIndex: 0, errors: [], firstErrorSequence: 0, now: 1)
        }
        #expect(throws: StatusTransitionError(subject: "Dataset #\(id)", from: "valid", to: "validating")) {
            try datasets.resetValidation(datasetID: id, now: 1)
        }
    }

    @Test func validateAgainRecordsWhoAskedOnTheNewJob() throws {
        let user = try database.write { c in
            try c.run("INSERT INTO users (name, password_hash, role, created_at, password_changed_at) VALUES ('bo', 'x', 'member', 0, 0)")
            return c.lastInsertRowID
        }
        let id = try database.write { c in
            try c.run(
                "INSERT INTO datasets (name, mode, base_model, status, created_at, updated_at) VALUES ('d', 'chat', 'base', 'invalid', 0, 0)")
            return c.lastInsertRowID
        }
        guard case .queued(let jobID) = try datasets.queueRevalidation(datasetID: id, now: 1, createdBy: user) else {
            Issue.record("not queued")
            return
        }
        #expect(try database.read { try $0.scalar("SELECT created_by FROM jobs WHERE id = ?", .integer(jobID))?.int64Value } == user)
        #expect(try datasetStatus(id) == "validating")
    }
}

/// A validation summary without running the validator over a file.
enum StreamingValidatorFixture {
    static func summary(status: DatasetStatus) -> ValidationSummary {
        var validator = StreamingValidator(options: ValidationOptions(mode: .chat, baseModel: BaseModelCatalog.defaultModel))
        var summary = validator.finish()
        summary.status = status
        return summary
    }
}
