import DistilleryCore
import Foundation
import Testing

@testable import DistilleryStorage

/// A validation given up after crashes leaves no partial rows behind, and "Validate again" starts
/// a fresh job; both in one transaction each.
@Suite struct ValidationGiveUpTests {
    struct Fixture {
        let folder: TemporaryFolder
        let database: Database
        let store: DatasetStore
        let queue: JobQueue
        let datasetID: Int64

        init() throws {
            folder = try TemporaryFolder()
            database = try Database(path: folder.file("db.sqlite"))
            store = DatasetStore(database: database)
            queue = JobQueue(database: database)
            datasetID = try store.create(
                NewDataset(name: "big", mode: .chat, baseModel: "base", skillPrompt: nil, byteSize: 10), now: 1) { _ in }
        }

        /// What a cut-off run leaves: some rows and line errors of a dataset still `validating`.
        func writePartialOutput() throws {
            let rows = (1...30).map { AcceptedRow(line: $0, normalizedJSON: Array("{\"messages\":[]}".utf8), estimatedTokens: 3) }
            let errors = [LineError(line: 31, field: "messages", code: "missing_field", message: "no messages")]
            #expect(try store.appendValidationBatch(datasetID: datasetID, rows: rows, firstRowIndex: 0, errors: errors, firstErrorSequence: 0))
        }

        func counts() throws -> (rows: Int, errors: Int) {
            (try count("dataset_rows", in: database), try count("dataset_errors", in: database))
        }
    }

    static func interruptedSummary() -> ValidationSummary {
        var validator = StreamingValidator(options: ValidationOptions(mode: .chat))
        var summary = validator.finish()
        summary.status = .invalid
        summary.datasetErrors = [DatasetError(code: DatasetError.validationInterruptedCode, message: "cut off 3 times")]
        return summary
    }

    @Test func givingUpFailsTheJobAndClearsThePartialRowsTogether() throws {
        let fixture = try Fixture()
        let job = try #require(try fixture.queue.claim(owner: "w", leaseMilliseconds: 60_000))
        try fixture.writePartialOutput()
        #expect(try fixture.counts() == (30, 1))

        #expect(try fixture.store.failValidation(
            datasetID: fixture.datasetID, summary: Self.interruptedSummary(), now: 9,
            ending: .failed(JobLease(jobID: job.id, owner: "w"), error: "cut off 3 times")))
        #expect(try fixture.counts() == (0, 0))
        let failedJob = try #require(try fixture.queue.job(id: job.id))
        #expect(failedJob.state == .failed)
        #expect(failedJob.error == "cut off 3 times")
        let record = try #require(try fixture.store.dataset(id: fixture.datasetID))
        #expect(record.status == .invalid)
        #expect(record.rowCount == 0)
        #expect(record.retryableValidationFailure?.code == DatasetError.validationInterruptedCode)
        #expect(record.canValidateAgain)
    }

    @Test func aWorkerThatLostTheJobCannotGiveItUp() throws {
        let fixture = try Fixture()
        let job = try #require(try fixture.queue.claim(owner: "w", leaseMilliseconds: 60_000))
        try fixture.writePartialOutput()
        #expect(try !fixture.store.failValidation(
            datasetID: fixture.datasetID, summary: Self.interruptedSummary(), now: 9,
            ending: .failed(JobLease(jobID: job.id, owner: "someone-else"), error: "x")))
        #expect(try fixture.counts() == (30, 1))
        #expect(try fixture.queue.job(id: job.id)?.state == .running)
        #expect(try fixture.store.dataset(id: fixture.datasetID)?.status == .validating)
    }

    @Test func aFailureOtherThanTheContentAlsoClearsThePartialRows() throws {
        let fixture = try Fixture()
        _ = try fixture.queue.claim(owner: "w", leaseMilliseconds: 60_000)
        try fixture.writePartialOutput()
        #expect(try fixture.store.failValidation(datasetID: fixture.datasetID, summary: Self.interruptedSummary(), now: 9))
        #expect(try fixture.counts() == (0, 0))
        #expect(try fixture.store.dataset(id: fixture.datasetID)?.status == .invalid)
    }

    @Test func theFinalBatchAndTheJobsEndAreOneCommit() throws {
        let fixture = try Fixture()
        let job = try #require(try fixture.queue.claim(owner: "w", leaseMilliseconds: 60_000))
        var validator = StreamingValidator(options: ValidationOptions(mode: .chat, minimumExamples: 1))
        var summary = validator.finish()
        summary.status = .valid
        let row = AcceptedRow(line: 1, normalizedJSON: Array("{\"messages\":[]}".utf8), estimatedTokens: 3)
        let lease = JobLease(jobID: job.id, owner: "w")

        // A worker that lost the job writes nothing: not the rows, not the status.
        try fixture.store.finishValidation(
            datasetID: fixture.datasetID, summary: summary, rows: [row], firstRowIndex: 0, errors: [], firstErrorSequence: 0, now: 9,
            ending: .completed(JobLease(jobID: job.id, owner: "stale")))
        #expect(try fixture.counts() == (0, 0))
        #expect(try fixture.store.dataset(id: fixture.datasetID)?.status == .validating)

        try fixture.store.finishValidation(
            datasetID: fixture.datasetID, summary: summary, rows: [row], firstRowIndex: 0, errors: [], firstErrorSequence: 0, now: 9,
            ending: .completed(lease))
        let record = try #require(try fixture.store.dataset(id: fixture.datasetID))
        #expect(record.status == .valid)
        #expect(record.activeJobs == 0, "the dataset is never valid while its validation still looks active")
        #expect(try fixture.queue.job(id: job.id)?.state == .completed)
    }

    @Test func validateAgainQueuesAFreshJobUnlessOneIsActive() throws {
        let fixture = try Fixture()
        let first = try #require(try fixture.queue.claim(owner: "w", leaseMilliseconds: 60_000))
        #expect(try fixture.store.queueRevalidation(datasetID: fixture.datasetID, now: 5) == .busy)  // its validation runs

        try fixture.writePartialOutput()
        #expect(try fixture.store.failValidation(
            datasetID: fixture.datasetID, summary: Self.interruptedSummary(), now: 9, ending: .failed(JobLease(jobID: first.id, owner: "w"), error: "x")))
        guard case .queued(let again) = try fixture.store.queueRevalidation(datasetID: fixture.datasetID, now: 10) else {
            Issue.record("Validate again was refused")
            return
        }
        #expect(again != first.id)
        let fresh = try #require(try fixture.queue.job(id: again))
        #expect(fresh.state == .queued)
        #expect(fresh.attempts == 0)
        #expect(fresh.datasetID == fixture.datasetID)
        let record = try #require(try fixture.store.dataset(id: fixture.datasetID))
        #expect(record.status == .validating)
        #expect(record.summary == nil)
        #expect(!record.canValidateAgain)
        #expect(try fixture.store.queueRevalidation(datasetID: fixture.datasetID, now: 11) == .busy)  // no second job
        #expect(try fixture.store.queueRevalidation(datasetID: 999, now: 11) == .notFound)
    }
}
