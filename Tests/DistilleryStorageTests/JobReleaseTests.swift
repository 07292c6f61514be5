import DistilleryCore
import Foundation
import Testing

@testable import DistilleryStorage

/// Clean stops versus crashes: a job handed back by `release` (a clean shutdown) keeps its attempts;
/// a job whose lease expired or that was found running at boot (a crash) has spent one.
@Suite struct JobReleaseTests {
    enum Step: CustomStringConvertible {
        /// The current process's worker claims the job.
        case claim
        /// The server stops cleanly: the worker hands the job back.
        case cleanStop
        /// The process dies (kill -9); the next process requeues what it finds running.
        case crashAndRestart
        /// The worker hangs: its lease runs out and another worker claims the job.
        case leaseExpiresAndAnotherWorkerClaims

        var description: String {
            switch self {
            case .claim: "claim"
            case .cleanStop: "clean stop"
            case .crashAndRestart: "crash"
            case .leaseExpiresAndAnotherWorkerClaims: "lease expiry"
            }
        }
    }

    struct Scenario: CustomStringConvertible {
        let steps: [Step]
        let attempts: Int
        let state: JobStatus
        var description: String { steps.map(\.description).joined(separator: ", ") }
    }

    static let scenarios: [Scenario] = [
        Scenario(steps: [.claim], attempts: 1, state: .running),
        Scenario(steps: [.claim, .cleanStop], attempts: 0, state: .queued),
        Scenario(steps: Array(repeating: [Step.claim, .cleanStop], count: 5).flatMap { $0 } + [.claim], attempts: 1, state: .running),
        Scenario(steps: [.claim, .crashAndRestart], attempts: 1, state: .queued),
        Scenario(steps: Array(repeating: [Step.claim, .crashAndRestart], count: 3).flatMap { $0 } + [.claim], attempts: 4, state: .running),
        Scenario(steps: [.claim, .leaseExpiresAndAnotherWorkerClaims], attempts: 2, state: .running),
        Scenario(
            steps: [.claim, .cleanStop, .claim, .crashAndRestart, .claim, .cleanStop, .claim, .leaseExpiresAndAnotherWorkerClaims, .cleanStop],
            attempts: 2, state: .queued),
    ]

    @Test(arguments: scenarios)
    func onlyCrashesSpendAttempts(_ scenario: Scenario) throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let clock = ManualClock()
        var queue = JobQueue(database: database, clock: { clock() })
        let id = try queue.enqueue(kind: "validate", datasetID: nil)
        var owner = ""
        var process = 0
        for step in scenario.steps {
            switch step {
            case .claim:
                owner = "worker-\(process)-a"
                #expect(try queue.claim(owner: owner, leaseMilliseconds: 60_000)?.id == id)
            case .cleanStop:
                #expect(try queue.release(jobID: id, owner: owner))
            case .crashAndRestart:
                process += 1
                queue = JobQueue(database: database, clock: { clock() })
                #expect(try queue.requeueAbandoned() == 1)
            case .leaseExpiresAndAnotherWorkerClaims:
                clock.advance(by: 60_000)
                owner = "worker-\(process)-b"
                #expect(try queue.claim(owner: owner, leaseMilliseconds: 60_000)?.id == id)
            }
        }
        let job = try #require(try queue.job(id: id))
        #expect(job.attempts == scenario.attempts)
        #expect(job.state == scenario.state)
        if job.state == .queued {
            #expect(job.leaseOwner == nil)
            #expect(job.leaseExpiresAt == nil)
        }
    }

    @Test func aWorkerThatLostItsJobCannotHandItBack() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let clock = ManualClock()
        let queue = JobQueue(database: database, clock: { clock() })

        // Taken over after the lease expired: the old owner's release changes nothing.
        let takenOver = try queue.enqueue(kind: "k", datasetID: nil)
        _ = try queue.claim(owner: "slow", leaseMilliseconds: 1000)
        clock.advance(by: 1000)
        _ = try queue.claim(owner: "fast", leaseMilliseconds: 1000)
        #expect(try !queue.release(jobID: takenOver, owner: "slow"))
        let running = try #require(try queue.job(id: takenOver))
        #expect(running.state == .running)
        #expect(running.leaseOwner == "fast")
        #expect(running.attempts == 2)

        // Cancelled while running, finished, or never claimed: nothing to hand back.
        let cancelled = try queue.enqueue(kind: "k", datasetID: nil)
        #expect(try queue.claim(owner: "w", leaseMilliseconds: 1000)?.id == cancelled)
        #expect(try queue.cancel(jobID: cancelled))
        #expect(try !queue.release(jobID: cancelled, owner: "w"))
        #expect(try queue.job(id: cancelled)?.state == .cancelled)

        let finished = try queue.enqueue(kind: "k", datasetID: nil)
        #expect(try queue.claim(owner: "w", leaseMilliseconds: 1000)?.id == finished)
        #expect(try queue.complete(jobID: finished, owner: "w"))
        #expect(try !queue.release(jobID: finished, owner: "w"))
        #expect(try queue.job(id: finished)?.state == .completed)

        let queued = try queue.enqueue(kind: "k", datasetID: nil)
        #expect(try !queue.release(jobID: queued, owner: "w"))
        #expect(try queue.job(id: queued)?.attempts == 0)
    }
}
