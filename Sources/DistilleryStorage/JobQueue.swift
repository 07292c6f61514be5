import DistilleryCore
import Foundation

/// The job queue is the `jobs` table, so queued work survives restarts.
///
/// A worker claims a job with a lease and renews it while working; a job whose lease expired (its
/// worker hung or died) can be claimed by another worker. Every state change runs on the database's
/// single writer, so two claimers can never take the same job.
///
/// `attempts` counts the claims that were not handed back: a claim costs one, a clean stop
/// (`release`, at shutdown) gives it back, and a crash (the process died, or the lease expired)
/// keeps it. A runner that limits its attempts therefore counts crashes, never clean restarts.
public struct JobQueue: Sendable {
    public let database: Database
    private let clock: @Sendable () -> Int64

    /// `clock` returns the current time in Unix milliseconds; tests inject their own.
    public init(database: Database, clock: @escaping @Sendable () -> Int64 = JobQueue.systemClock) {
        self.database = database
        self.clock = clock
    }

    public static let systemClock: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    // MARK: Enqueueing

    /// Adds a queued job using a connection inside the caller's write transaction, so creating a
    /// dataset and queueing its import commit together.
    /// `createdBy` is who started it (shown on the jobs page); nil for the system.
    public static func enqueue(
        in connection: Connection, kind: String, datasetID: Int64?, payload: String, now: Int64, createdBy: Int64? = nil
    ) throws -> Int64 {
        try connection.run(
            "INSERT INTO jobs (kind, dataset_id, state, payload, created_at, created_by) VALUES (?, ?, 'queued', ?, ?, ?)",
            .text(kind), SQLValue(datasetID), .text(payload), .integer(now), SQLValue(createdBy))
        return connection.lastInsertRowID
    }

    @discardableResult
    public func enqueue(kind: String, datasetID: Int64?, payload: String = "{}", createdBy: Int64? = nil) throws -> Int64 {
        let now = clock()
        return try database.write { connection in
            try Self.enqueue(in: connection, kind: kind, datasetID: datasetID, payload: payload, now: now, createdBy: createdBy)
        }
    }

    // MARK: Worker side

    /// Takes the oldest claimable job (queued, or running with an expired lease) of one of `kinds`
    /// (any kind when nil): it becomes running for `owner` until now + `leaseMilliseconds`, its attempts
    /// go up by one and `startedAt` is set on the first claim. Nil when there is nothing to do.
    public func claim(owner: String, leaseMilliseconds: Int64, kinds: Set<String>? = nil) throws -> Job? {
        if let kinds, kinds.isEmpty { return nil }
        let now = clock()
        let kindList = kinds.map { $0.sorted() } ?? []
        let kindFilter = kinds == nil ? "" : " AND kind IN (\(Self.placeholders(kindList.count)))"
        // One statement, on the single writer: the choice and the update cannot interleave with another claim.
        let sql = """
            UPDATE jobs
            SET state = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
                started_at = COALESCE(started_at, ?)
            WHERE id = (
                SELECT id FROM jobs
                WHERE (state = 'queued' OR (state = 'running' AND lease_expires_at <= ?))\(kindFilter)
                ORDER BY id LIMIT 1)
            RETURNING \(Job.columns)
            """
        let values: [SQLValue] =
            [.text(owner), .integer(now + leaseMilliseconds), .integer(now), .integer(now)]
            + kindList.map(SQLValue.text)
        return try database.write { connection in
            var claimed: Job?
            try connection.forEachRow(sql, values) { statement in
                claimed = try Job(statement: statement)
                return true  // RETURNING rows must be stepped to the end for the update to finish.
            }
            return claimed
        }
    }

    /// Extends `owner`'s lease to now + `leaseMilliseconds`. False when the lease is lost: the job
    /// was taken over, cancelled or finished; the worker should then stop without writing results.
    /// A lease that expired but was not taken over yet can still be renewed.
    public func renewLease(jobID: Int64, owner: String, leaseMilliseconds: Int64) throws -> Bool {
        let now = clock()
        return try database.write { connection in
            try connection.run(
                "UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
                .integer(now + leaseMilliseconds), .integer(jobID), .text(owner))
            return connection.changes == 1
        }
    }

    /// A clean stop: `owner` hands its running job back to the queue, and the attempt its claim cost
    /// is returned, so stopping the server never brings a job closer to its attempt limit. False (and
    /// nothing changes) when the lease was lost meanwhile (cancelled, finished, or taken over).
    @discardableResult
    public func release(jobID: Int64, owner: String) throws -> Bool {
        try database.write { connection in
            try connection.run(
                """
                UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, attempts = max(attempts - 1, 0)
                WHERE id = ? AND state = 'running' AND lease_owner = ?
                """,
                .integer(jobID), .text(owner))
            return connection.changes == 1
        }
    }

    /// Marks `owner`'s running job as completed. Returns false (and changes nothing) when the lease
    /// was lost meanwhile, e.g. because the job was cancelled, or when its runner already ended it
    /// (a synthesis ends its queue entry with its own status: `SynthesisStore.finish`).
    @discardableResult
    public func complete(jobID: Int64, owner: String) throws -> Bool {
        try finish(jobID: jobID, owner: owner, state: .completed, error: nil)
    }

    /// Marks `owner`'s running job as failed with `error` (shown to users: no secrets in it); a synthesis
    /// whose runner threw ends `failed` in the same commit. Returns false (and changes nothing) when the
    /// lease was lost meanwhile.
    @discardableResult
    public func fail(jobID: Int64, owner: String, error: String) throws -> Bool {
        let now = clock()
        return try database.write { connection in
            guard try Self.finish(in: connection, jobID: jobID, owner: owner, state: .failed, error: error, now: now) else { return false }
            try SynthesisStore.endAfterQueueFailure(in: connection, jobID: jobID, now: now)
            try GenerationStore.table.endAfterQueueFailure(in: connection, jobID: jobID, now: now)
            try ScoringStore.table.endAfterQueueFailure(in: connection, jobID: jobID, now: now)
            try EvaluationStore.table.endAfterQueueFailure(in: connection, jobID: jobID, now: now)
            return true
        }
    }

    /// Ends a job's queue entry as its own record ended (synthesis, generation, scoring), inside the caller's transaction:
    /// the same status word, the failure text when it failed, the lease released. A move the life cycle forbids is refused.
    static func endEntry(in connection: Connection, jobID: Int64, status: JobStatus, failure: String?, now: Int64) throws {
        try connection.run(
            """
            UPDATE jobs SET state = ?, error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
            WHERE id = ? AND state IN (\(JobStatus.sqlList(JobStatus.predecessors(of: status))))
            """,
            .text(status.rawValue), SQLValue(status == .failed ? failure : nil), .integer(now), .integer(jobID))
        guard connection.changes == 1 else { throw try StatusTransitions.queueRefusal(connection, id: jobID, to: status) }
    }

    private func finish(jobID: Int64, owner: String, state: JobStatus, error: String?) throws -> Bool {
        let now = clock()
        return try database.write { connection in
            try Self.finish(in: connection, jobID: jobID, owner: owner, state: state, error: error, now: now)
        }
    }

    /// Ends a running job inside the caller's write transaction, so a runner's last write and the
    /// job's end are one commit. False (and nothing changes) when the lease was lost.
    public static func end(in connection: Connection, _ ending: JobEnding, now: Int64) throws -> Bool {
        switch ending {
        case .completed(let lease):
            try finish(in: connection, jobID: lease.jobID, owner: lease.owner, state: .completed, error: nil, now: now)
        case .failed(let lease, let error):
            try finish(in: connection, jobID: lease.jobID, owner: lease.owner, state: .failed, error: error, now: now)
        }
    }

    private static func finish(
        in connection: Connection, jobID: Int64, owner: String, state: JobStatus, error: String?, now: Int64
    ) throws -> Bool {
        // Only the lease holder ends a job, and only a running one (every ending's legal predecessor).
        assert(JobStatus.running.canMove(to: state))
        try connection.run(
            """
            UPDATE jobs SET state = ?, error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
            WHERE id = ? AND state = 'running' AND lease_owner = ?
            """,
            .text(state.rawValue), SQLValue(error), .integer(now), .integer(jobID), .text(owner))
        return connection.changes == 1
    }

    // MARK: Control

    /// Cancels a queued or running job. A running job's worker learns of it when `renewLease`
    /// returns false. False when the job does not exist or has already finished.
    public func cancel(jobID: Int64) throws -> Bool {
        let now = clock()
        return try database.write { connection in
            try connection.run(
                """
                UPDATE jobs SET state = 'cancelled', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ? AND state IN (\(JobStatus.sqlList(JobStatus.predecessors(of: .cancelled))))
                """,
                .integer(now), .integer(jobID))
            return connection.changes == 1
        }
    }

    /// At boot, before any worker starts: every running job goes back to the queue, since this
    /// process is the only one using the file and nobody holds a lease any more. Returns how many.
    /// A job found running was not released by a clean stop, so its attempt stays spent (a crash).
    @discardableResult
    public func requeueAbandoned() throws -> Int {
        try database.write { connection in
            try connection.run(
                "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE state = 'running'")
            return connection.changes
        }
    }

    // MARK: Reading

    public func job(id: Int64) throws -> Job? {
        try database.read { connection in
            var job: Job?
            try connection.forEachRow("SELECT \(Job.columns) FROM jobs WHERE id = ?", [.integer(id)]) { statement in
                job = try Job(statement: statement)
                return false
            }
            return job
        }
    }

    /// Queued plus running jobs of a dataset, optionally only of some kinds (to refuse a second import).
    public func activeJobCount(datasetID: Int64, kinds: Set<String>? = nil) throws -> Int {
        if let kinds, kinds.isEmpty { return 0 }
        let kindList = kinds.map { $0.sorted() } ?? []
        let kindFilter = kinds == nil ? "" : " AND kind IN (\(Self.placeholders(kindList.count)))"
        let sql = "SELECT count(*) FROM jobs WHERE dataset_id = ? AND state IN ('queued', 'running')\(kindFilter)"
        return try database.read { connection in
            let values: [SQLValue] = [.integer(datasetID)] + kindList.map(SQLValue.text)
            var count = 0
            try connection.forEachRow(sql, values) { statement in
                count = statement.int(at: 0)
                return false
            }
            return count
        }
    }

    /// Every job of a dataset, newest first.
    public func jobs(datasetID: Int64) throws -> [Job] {
        try database.read { connection in
            var jobs: [Job] = []
            try connection.forEachRow(
                "SELECT \(Job.columns) FROM jobs WHERE dataset_id = ? ORDER BY id DESC", [.integer(datasetID)]
            ) { statement in
                jobs.append(try Job(statement: statement))
                return true
            }
            return jobs
        }
    }

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
