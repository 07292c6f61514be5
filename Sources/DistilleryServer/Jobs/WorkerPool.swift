import DistilleryPlatform
import DistilleryStorage
import Foundation
import Logging

/// Runs one kind of job. A runner that returns normally completes the job; one that throws fails
/// it, except for `JobInterrupted`, which hands the job back to the queue (without spending an
/// attempt) to be resumed after a restart.
protocol JobRunner: Sendable {
    var kind: String { get }
    func run(_ job: Job, context: JobContext) throws
}

/// Thrown by a runner that stopped because the server is shutting down or lost its lease.
struct JobInterrupted: Error {}

/// Handed to a running job: renews its lease and tells it when to stop.
final class JobContext: @unchecked Sendable {
    let job: Job
    private let owner: String
    private let queue: JobQueue
    private let leaseMilliseconds: Int64
    private let pool: WorkerPool
    private var lastRenewal = Date()

    init(job: Job, owner: String, queue: JobQueue, leaseMilliseconds: Int64, pool: WorkerPool) {
        self.job = job
        self.owner = owner
        self.queue = queue
        self.leaseMilliseconds = leaseMilliseconds
        self.pool = pool
    }

    var shouldStop: Bool { pool.isStopping }

    /// For a runner that ends its job in the same commit as its last write (`JobEnding`).
    var lease: JobLease { JobLease(jobID: job.id, owner: owner) }

    /// Call often; renews the lease every few seconds. Throws `JobInterrupted` when the server is
    /// stopping or another worker has taken the job over.
    func heartbeat() throws {
        if pool.isStopping { throw JobInterrupted() }
        guard Date().timeIntervalSince(lastRenewal) * 1000 > Double(leaseMilliseconds) / 6 else { return }
        lastRenewal = Date()
        guard try queue.renewLease(jobID: job.id, owner: owner, leaseMilliseconds: leaseMilliseconds) else {
            throw JobInterrupted()
        }
    }
}

/// A fixed set of worker threads that claim jobs from the `jobs` table (miniflux's worker pool).
/// Idle workers sleep until woken by `wake()` or for at most a second. `stop` stops claiming,
/// tells running jobs to stop, and waits for the threads with a timeout.
final class WorkerPool: @unchecked Sendable {
    private let queue: JobQueue
    private let runners: [String: JobRunner]
    private let workerCount: Int
    private let logger: Logger
    private let leaseMilliseconds: Int64
    private let condition = NSCondition()
    private var stopping = false
    private var pendingWakeups = 0
    private var runningThreads = 0

    init(queue: JobQueue, runners: [JobRunner], workerCount: Int, logger: Logger, leaseMilliseconds: Int64 = 60_000) {
        self.queue = queue
        self.runners = Dictionary(uniqueKeysWithValues: runners.map { ($0.kind, $0) })
        self.workerCount = max(1, workerCount)
        self.logger = logger
        self.leaseMilliseconds = leaseMilliseconds
    }

    var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    func start() {
        condition.lock()
        runningThreads = workerCount
        condition.unlock()
        for index in 0..<workerCount {
            let owner = "worker-\(getpid())-\(index)"
            let thread = Thread { [self] in workLoop(owner: owner) }
            thread.name = owner
            thread.start()
        }
    }

    func wake() {
        condition.lock()
        pendingWakeups += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Returns false if some job was still running when the timeout passed; that job stays
    /// `running` in the database and is resumed at the next start.
    @discardableResult
    func stop(timeoutSeconds: Double = 10) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while runningThreads > 0 {
            if !condition.wait(until: deadline) { return runningThreads == 0 }
        }
        return true
    }

    private func workLoop(owner: String) {
        // Background work yields the CPU to request threads: pages stay fast while a 50 MB file
        // validates.
        ThreadPriority.lowerCurrentThread()
        defer {
            condition.lock()
            runningThreads -= 1
            condition.broadcast()
            condition.unlock()
        }
        while !isStopping {
            let job: Job?
            do {
                job = try queue.claim(owner: owner, leaseMilliseconds: leaseMilliseconds, kinds: Set(runners.keys))
            } catch {
                logger.error("claiming a job failed", metadata: ["cause": "\(error)"])
                job = nil
            }
            if let job, let runner = runners[job.kind] {
                execute(job, runner: runner, owner: owner)
            } else {
                idle()
            }
        }
    }

    private func idle() {
        condition.lock()
        defer { condition.unlock() }
        if pendingWakeups == 0 && !stopping {
            _ = condition.wait(until: Date().addingTimeInterval(1))
        }
        pendingWakeups = max(0, pendingWakeups - 1)
    }

    private func execute(_ job: Job, runner: JobRunner, owner: String) {
        let context = JobContext(job: job, owner: owner, queue: queue, leaseMilliseconds: leaseMilliseconds, pool: self)
        let started = Date()
        logger.info("job started", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempts)"])
        do {
            try runner.run(job, context: context)
            // Changes nothing when the runner already ended the job in its last commit, or it was cancelled.
            _ = try queue.complete(jobID: job.id, owner: owner)
            logger.info(
                "job finished",
                metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "seconds": "\(Date().timeIntervalSince(started))"])
        } catch is JobInterrupted {
            // A clean stop is not a crash: the job goes back to the queue and keeps its attempts.
            // (When the lease was lost instead, to a cancel or a takeover, there is nothing to hand back.)
            do {
                if try queue.release(jobID: job.id, owner: owner) {
                    logger.info("job stopped cleanly; it resumes at the next start", metadata: ["job": "\(job.id)"])
                }
            } catch {
                logger.error("handing a stopped job back failed", metadata: ["job": "\(job.id)", "cause": "\(error)"])
            }
        } catch {
            logger.error("job failed", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "cause": "\(error)"])
            do {
                _ = try queue.fail(jobID: job.id, owner: owner, error: "\(error)")
            } catch {
                logger.error("recording a job failure failed", metadata: ["job": "\(job.id)", "cause": "\(error)"])
            }
        }
    }
}
