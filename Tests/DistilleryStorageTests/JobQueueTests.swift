import Foundation
import Testing

@testable import DistilleryStorage

@Suite struct JobQueueTests {
    /// A database, a hand-driven clock and a queue on both.
    struct Fixture {
        let folder: TemporaryFolder
        let database: Database
        let clock: ManualClock
        let queue: JobQueue

        init() throws {
            folder = try TemporaryFolder()
            database = try Database(path: folder.file("db.sqlite"))
            let clock = ManualClock()
            self.clock = clock
            queue = JobQueue(database: database, clock: { clock() })
        }

        func dataset(_ name: String = "d") throws -> Int64 {
            try database.write { try insertDataset($0, name: name) }
        }
    }

    @Test func claimsTheOldestQueuedJobFirst() throws {
        let fixture = try Fixture()
        let queue = fixture.queue
        let start = fixture.clock()
        let first = try queue.enqueue(kind: "import", datasetID: nil, payload: #"{"n":1}"#)
        let second = try queue.enqueue(kind: "synthesis", datasetID: nil)
        let third = try queue.enqueue(kind: "import", datasetID: nil)

        let queued = try #require(try queue.job(id: first))
        #expect(queued.state == .queued)
        #expect(queued.attempts == 0)
        #expect(queued.payload == #"{"n":1}"#)
        #expect(queued.createdAt == start)
        #expect(queued.startedAt == nil)

        fixture.clock.advance(by: 5)
        let claimed = try #require(try queue.claim(owner: "w1", leaseMilliseconds: 30_000))
        #expect(claimed.id == first)
        #expect(claimed.state == .running)
        #expect(claimed.attempts == 1)
        #expect(claimed.leaseOwner == "w1")
        #expect(claimed.startedAt == start + 5)
        #expect(claimed.leaseExpiresAt == start + 5 + 30_000)
        #expect(try queue.job(id: first) == claimed)

        // A kind filter skips the older job of another kind.
        #expect(try queue.claim(owner: "w1", leaseMilliseconds: 1000, kinds: ["import"])?.id == third)
        #expect(try queue.claim(owner: "w1", leaseMilliseconds: 1000, kinds: ["import"]) == nil)
        #expect(try queue.claim(owner: "w1", leaseMilliseconds: 1000, kinds: []) == nil)
        #expect(try queue.claim(owner: "w1", leaseMilliseconds: 1000)?.id == second)
        #expect(try queue.claim(owner: "w1", leaseMilliseconds: 1000) == nil)
    }

    @Test func twoClaimersNeverGetTheSameJob() throws {
        let fixture = try Fixture()
        let queue = fixture.queue
        let jobCount = 200
        try fixture.database.write { connection in
            for index in 0..<jobCount {
                _ = try JobQueue.enqueue(in: connection, kind: "k", datasetID: nil, payload: "\(index)", now: 0)
            }
        }
        let claimedIDs = Locked<[Int64]>([])
        let errors = runOnThreads(8) { thread in
            while let job = try queue.claim(owner: "worker-\(thread)", leaseMilliseconds: 60_000) {
                claimedIDs.withLock { $0.append(job.id) }
            }
        }
        #expect(errors.isEmpty, "\(errors)")
        let ids = claimedIDs.current
        #expect(ids.count == jobCount)
        #expect(Set(ids).count == jobCount)
        let running = try fixture.database.read {
            try $0.scalar("SELECT count(*) FROM jobs WHERE state = 'running' AND attempts = 1")?.intValue
        }
        #expect(running == jobCount)
    }

    @Test func anExpiredLeaseIsTakenOverAndTheOldOwnerLosesIt() throws {
        let fixture = try Fixture()
        let queue = fixture.queue
        let id = try queue.enqueue(kind: "synthesis", datasetID: nil)
        let firstClaim = try #require(try queue.claim(owner: "a", leaseMilliseconds: 1000))
        let startedAt = firstClaim.startedAt

        fixture.clock.advance(by: 999)
        #expect(try queue.claim(owner: "b", leaseMilliseconds: 1000) == nil)  // still leased to a
        #expect(try queue.renewLease(jobID: id, owner: "a", leaseMilliseconds: 1000))  // now expires at +1999

        fixture.clock.advance(by: 999)
        #expect(try queue.claim(owner: "b", leaseMilliseconds: 1000) == nil)
        fixture.clock.advance(by: 1)
        let takeover = try #require(try queue.claim(owner: "b", leaseMilliseconds: 1000))
        #expect(takeover.id == id)
        #expect(takeover.leaseOwner == "b")
        #expect(takeover.attempts == 2)
        #expect(takeover.startedAt == startedAt)  // first start kept

        #expect(try !queue.renewLease(jobID: id, owner: "a", leaseMilliseconds: 1000))
        #expect(try !queue.complete(jobID: id, owner: "a"))
        #expect(try !queue.fail(jobID: id, owner: "a", error: "late"))
        #expect(try queue.job(id: id)?.state == .running)
        #expect(try queue.renewLease(jobID: id, owner: "b", leaseMilliseconds: 1000))
        #expect(try queue.complete(jobID: id, owner: "b"))

        let done = try #require(try queue.job(id: id))
        #expect(done.state == .completed)
        #expect(done.finishedAt == fixture.clock())
        #expect(done.leaseOwner == nil)
        #expect(done.leaseExpiresAt == nil)
        #expect(done.error == nil)
        #expect(try !queue.renewLease(jobID: id, owner: "b", leaseMilliseconds: 1000))
    }

    @Test func failAndCancelMoveJobsToTheirFinalStates() throws {
        let fixture = try Fixture()
        let queue = fixture.queue
        let failing = try queue.enqueue(kind: "k", datasetID: nil)
        let cancelledWhileQueued = try queue.enqueue(kind: "k", datasetID: nil)
        let cancelledWhileRunning = try queue.enqueue(kind: "k", datasetID: nil)

        #expect(try queue.claim(owner: "w", leaseMilliseconds: 1000)?.id == failing)
        #expect(try queue.fail(jobID: failing, owner: "w", error: "teacher returned 401"))
        let failed = try #require(try queue.job(id: failing))
        #expect(failed.state == .failed)
        #expect(failed.error == "teacher returned 401")
        #expect(failed.finishedAt != nil)
        #expect(try !queue.cancel(jobID: failing))  // already final

        #expect(try queue.cancel(jobID: cancelledWhileQueued))
        #expect(try queue.job(id: cancelledWhileQueued)?.state == .cancelled)
        #expect(try !queue.cancel(jobID: cancelledWhileQueued))

        // The cancelled queued job is skipped by claim.
        #expect(try queue.claim(owner: "w", leaseMilliseconds: 1000)?.id == cancelledWhileRunning)
        #expect(try queue.cancel(jobID: cancelledWhileRunning))
        #expect(try !queue.renewLease(jobID: cancelledWhileRunning, owner: "w", leaseMilliseconds: 1000))
        #expect(try !queue.complete(jobID: cancelledWhileRunning, owner: "w"))
        #expect(try queue.job(id: cancelledWhileRunning)?.state == .cancelled)

        #expect(try !queue.cancel(jobID: 9999))
        #expect(try queue.job(id: 9999) == nil)
        #expect(try queue.claim(owner: "w", leaseMilliseconds: 1000) == nil)
    }

    @Test func requeueAbandonedPutsRunningJobsBackInTheQueue() throws {
        let fixture = try Fixture()
        let queue = fixture.queue
        let ids = try (0..<3).map { _ in try queue.enqueue(kind: "k", datasetID: nil) }
        _ = try queue.claim(owner: "old-process", leaseMilliseconds: 600_000)
        _ = try queue.claim(owner: "old-process", leaseMilliseconds: 600_000)

        // A new process on the same file, as after a restart.
        let restarted = JobQueue(database: fixture.database, clock: { 5 })
        #expect(try restarted.requeueAbandoned() == 2)
        for id in ids {
            let job = try #require(try restarted.job(id: id))
            #expect(job.state == .queued)
            #expect(job.leaseOwner == nil)
            #expect(job.leaseExpiresAt == nil)
        }
        let reclaimed = try #require(try restarted.claim(owner: "new-process", leaseMilliseconds: 1000))
        #expect(reclaimed.id == ids[0])
        #expect(reclaimed.attempts == 2)
        #expect(try restarted.requeueAbandoned() == 1)
    }

    @Test func activeJobsAreCountedPerDatasetAndKind() throws {
        let fixture = try Fixture()
        let queue = fixture.queue
        let dataset = try fixture.dataset("one")
        let other = try fixture.dataset("two")
        let importJob = try queue.enqueue(kind: "import", datasetID: dataset)
        let synthesisJob = try queue.enqueue(kind: "synthesis", datasetID: dataset)
        let finishedJob = try queue.enqueue(kind: "synthesis", datasetID: dataset)
        _ = try queue.enqueue(kind: "import", datasetID: other)

        #expect(try queue.activeJobCount(datasetID: dataset) == 3)
        #expect(try queue.activeJobCount(datasetID: dataset, kinds: ["import"]) == 1)
        #expect(try queue.activeJobCount(datasetID: dataset, kinds: ["synthesis", "export"]) == 2)
        #expect(try queue.activeJobCount(datasetID: dataset, kinds: []) == 0)

        #expect(try queue.claim(owner: "w", leaseMilliseconds: 1000)?.id == importJob)
        #expect(try queue.activeJobCount(datasetID: dataset, kinds: ["import"]) == 1)  // running still counts
        #expect(try queue.cancel(jobID: finishedJob))
        #expect(try queue.activeJobCount(datasetID: dataset) == 2)
        #expect(try queue.complete(jobID: importJob, owner: "w"))
        #expect(try queue.activeJobCount(datasetID: dataset) == 1)

        let listed = try queue.jobs(datasetID: dataset)
        #expect(listed.map(\.id) == [finishedJob, synthesisJob, importJob])  // newest first
        #expect(listed.map(\.state) == [.cancelled, .queued, .completed])
        #expect(listed.allSatisfy { $0.datasetID == dataset })
    }

    @Test func enqueueInsideACallersTransactionRollsBackWithIt() throws {
        struct Abort: Error {}
        let fixture = try Fixture()
        #expect(throws: Abort.self) {
            try fixture.database.write { connection in
                let dataset = try insertDataset(connection)
                _ = try JobQueue.enqueue(in: connection, kind: "import", datasetID: dataset, payload: "{}", now: 1)
                throw Abort()
            }
        }
        #expect(try fixture.queue.claim(owner: "w", leaseMilliseconds: 1000) == nil)

        let id = try fixture.database.write { connection in
            let dataset = try insertDataset(connection)
            return try JobQueue.enqueue(in: connection, kind: "import", datasetID: dataset, payload: "{}", now: 1)
        }
        #expect(try fixture.queue.job(id: id)?.createdAt == 1)
    }
}
