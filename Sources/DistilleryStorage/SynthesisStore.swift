import DistilleryCore
import Foundation

/// A synthesis job as stored: the settings are kept as the JSON the service wrote.
public struct SynthesisJobRecord: Sendable, Equatable {
    public let jobID: Int64
    public let parentDatasetID: Int64?
    public let childDatasetID: Int64?
    public let createdBy: Int64?
    public let provider: String
    public let model: String
    /// The settings the engine runs with now (a retry of skipped seeds replaces them).
    public let settingsJSON: String
    /// The settings the job was started with, never changed (the job page's "ran with", Run again).
    public let settingsSnapshotJSON: String
    /// The recipe the job started from; nil when none, or once that recipe was deleted.
    public let recipeID: Int64?
    public let keyID: Int64?
    public let status: JobStatus
    public let total: Int
    public let written: Int
    public let skipped: Int
    public let retries: Int
    public let tokensIn: Int
    public let tokensOut: Int
    public let costUSD: Double
    public let estimateJSON: String?
    public let cancelRequested: Bool
    public let createdAt: Int64
    public let startedAt: Int64?
    public let finishedAt: Int64?
    public let failure: String?
    /// The swap checks of the job's written rows (rejection sampling).
    public let swapCheck: SwapCheckTally

    public var processed: Int { written + skipped }
}

/// A seed still to answer, as the engine loads it (at start, and again after a restart).
public struct PendingSeed: Sendable, Equatable {
    public let index: Int64
    public let line: Int
    public let input: String
    public let attempts: Int
    /// Failed answer and judge attempts so far (they count against the cap across restarts).
    public var failures = 0
    public var judgeFailures = 0
    /// Token limits raised after truncations (nil: the job's own).
    public var answerLimit: Int?
    public var judgeLimit: Int?
    /// The last failed attempt's code (its retry must vary the request after a content failure).
    public var lastErrorCode: String?
    /// Billed so far for this seed (failed attempts included).
    public var tokensIn = 0
    public var tokensOut = 0
    public var costUSD = 0.0

    public init(index: Int64, line: Int, input: String, attempts: Int) {
        self.index = index
        self.line = line
        self.input = input
        self.attempts = attempts
    }
}

/// A seed that ended without a row, as listed on the job page and downloaded as JSONL.
public struct SkippedSeed: Sendable, Equatable, Codable {
    public let line: Int
    public let input: String
    public let code: String
    public let message: String
    public let attempts: Int
}

/// One seed's new state, written in a batch with others.
public struct SeedUpdate: Sendable, Equatable {
    public var index: Int64
    public var status: SeedStatus
    public var attempts: Int
    public var errorCode: String?
    public var errorMessage: String?
    public var tokensIn: Int
    public var tokensOut: Int
    public var costUSD: Double
    public var latencyMs: Int64?
    /// The training row (done seeds).
    public var rowJSON: String?
    public var metadata: String?
    public var failures = 0
    public var judgeFailures = 0
    public var answerLimit: Int?
    public var judgeLimit: Int?

    public init(
        index: Int64, status: SeedStatus, attempts: Int, errorCode: String? = nil, errorMessage: String? = nil,
        tokensIn: Int = 0, tokensOut: Int = 0, costUSD: Double = 0, latencyMs: Int64? = nil, rowJSON: String? = nil,
        metadata: String? = nil
    ) {
        self.index = index
        self.status = status
        self.attempts = attempts
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costUSD
        self.latencyMs = latencyMs
        self.rowJSON = rowJSON
        self.metadata = metadata
    }
}

/// Job-level counters added in the same transaction as the seed updates they summarize.
public struct SynthesisCounterDelta: Sendable, Equatable {
    public var written = 0
    public var skipped = 0
    public var retries = 0
    public var tokensIn = 0
    public var tokensOut = 0
    public var costUSD = 0.0
    /// Seeds whose verdict the swap check asked again, and those whose pick flipped.
    public var swapChecked = 0
    public var swapFlips = 0
    /// The same usage split by endpoint ("teacher", "judge").
    public var byEndpoint: [String: EndpointUsage] = [:]

    public init() {}

    public var isZero: Bool { self == SynthesisCounterDelta() }
}

/// Answered requests, tokens and cost on one endpoint of a job.
public struct EndpointUsage: Sendable, Equatable {
    public var answered = 0
    public var tokensIn = 0
    public var tokensOut = 0
    public var costUSD = 0.0

    public init(answered: Int = 0, tokensIn: Int = 0, tokensOut: Int = 0, costUSD: Double = 0) {
        self.answered = answered
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costUSD
    }
}

public struct SkipReason: Sendable, Equatable, Codable {
    public let code: String
    public let count: Int
    public let example: String
}

/// `synthesis_jobs` and `synthesis_seeds`: the queue of work a synthesis job resumes from.
public struct SynthesisStore: Sendable {
    public let database: Database
    public static let jobKind = "synthesize"

    public init(database: Database) {
        self.database = database
    }

    public struct NewJob: Sendable {
        public var parentDatasetID: Int64
        public var createdBy: Int64?
        public var provider: String
        public var model: String
        public var settingsJSON: String
        public var keyID: Int64?
        public var estimateJSON: String?
        public var recipeID: Int64?

        public init(
            parentDatasetID: Int64, createdBy: Int64?, provider: String, model: String, settingsJSON: String, keyID: Int64?,
            estimateJSON: String?, recipeID: Int64? = nil
        ) {
            self.recipeID = recipeID
            self.parentDatasetID = parentDatasetID
            self.createdBy = createdBy
            self.provider = provider
            self.model = model
            self.settingsJSON = settingsJSON
            self.keyID = keyID
            self.estimateJSON = estimateJSON
        }
    }

    /// Queues the job, copies the parent's seeds into it, ties a job-scoped key to it and marks the
    /// parent `synthesizing`, in one transaction.
    public func create(_ job: NewJob, now: Int64) throws -> Int64 {
        try database.write { connection in
            let jobID = try JobQueue.enqueue(
                in: connection, kind: Self.jobKind, datasetID: job.parentDatasetID, payload: "{}", now: now, createdBy: job.createdBy)
            // A recipe deleted while the pre-flight ran leaves the job unlinked instead of failing its start.
            try connection.run(
                """
                INSERT INTO synthesis_jobs (
                    job_id, parent_dataset_id, created_by, provider, model, settings, settings_snapshot, key_id, estimate, created_at, recipe_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM recipes WHERE id = ?))
                """,
                .integer(jobID), .integer(job.parentDatasetID), SQLValue(job.createdBy), .text(job.provider), .text(job.model),
                .text(job.settingsJSON), .text(job.settingsJSON), SQLValue(job.keyID), SQLValue(job.estimateJSON), .integer(now),
                SQLValue(job.recipeID))
            try connection.run(
                """
                INSERT INTO synthesis_seeds (job_id, idx, line, input)
                SELECT ?, idx, line, json_extract(body, '$.input') FROM dataset_rows WHERE dataset_id = ? ORDER BY idx
                """, .integer(jobID), .integer(job.parentDatasetID))
            let total = connection.changes
            try connection.run("UPDATE synthesis_jobs SET total = ? WHERE job_id = ?", SQLValue(total), .integer(jobID))
            try Self.markSynthesizing(connection, datasetID: job.parentDatasetID, now: now)
            if let keyID = job.keyID {
                // A key pasted for this job (no owner) now belongs to it, and goes when it ends.
                try connection.run("UPDATE teacher_keys SET job_id = ? WHERE id = ? AND user_id IS NULL", .integer(jobID), .integer(keyID))
            }
            return jobID
        }
    }

    /// A second key pasted for a job (its judge's) belongs to the job too, and goes when it ends.
    public func attachKey(jobID: Int64, keyID: Int64) throws {
        try database.write { connection in
            try connection.run("UPDATE teacher_keys SET job_id = ? WHERE id = ? AND user_id IS NULL", .integer(jobID), .integer(keyID))
        }
    }

    public func job(id: Int64) throws -> SynthesisJobRecord? {
        try database.read { try $0.queryOne("\(Self.selectJob) WHERE job_id = ?", .integer(id)).map(Self.record) }
    }

    /// The job whose answers became this child dataset.
    public func job(childDatasetID: Int64) throws -> SynthesisJobRecord? {
        try database.read { try $0.queryOne("\(Self.selectJob) WHERE child_dataset_id = ?", .integer(childDatasetID)).map(Self.record) }
    }

    public func jobs(parentDatasetID: Int64) throws -> [SynthesisJobRecord] {
        try database.read {
            try $0.query("\(Self.selectJob) WHERE parent_dataset_id = ? ORDER BY job_id DESC", .integer(parentDatasetID)).map(Self.record)
        }
    }

    /// Seeds not yet answered or skipped, in order. Seeds left `in_flight` by a crash count as pending.
    public func pendingSeeds(jobID: Int64) throws -> [PendingSeed] {
        try database.read { connection in
            try connection.query(
                """
                SELECT idx, line, input, attempts, failures, judge_failures, answer_limit, judge_limit, error_code, tokens_in, tokens_out,
                    cost_usd
                FROM synthesis_seeds WHERE job_id = ? AND status IN ('pending', 'in_flight') ORDER BY idx
                """,
                .integer(jobID)
            ).map {
                var seed = PendingSeed(
                    index: $0.int64("idx") ?? 0, line: $0.int("line") ?? 0, input: $0.string("input") ?? "", attempts: $0.int("attempts") ?? 0)
                seed.failures = $0.int("failures") ?? 0
                seed.judgeFailures = $0.int("judge_failures") ?? 0
                seed.answerLimit = $0.int("answer_limit")
                seed.judgeLimit = $0.int("judge_limit")
                seed.lastErrorCode = $0.string("error_code")
                seed.tokensIn = $0.int("tokens_in") ?? 0
                seed.tokensOut = $0.int("tokens_out") ?? 0
                seed.costUSD = $0.double("cost_usd") ?? 0
                return seed
            }
        }
    }

    public func markRunning(jobID: Int64, now: Int64) throws {
        try database.write { connection in
            try connection.run(
                """
                UPDATE synthesis_jobs SET status = 'running', started_at = COALESCE(started_at, ?)
                WHERE job_id = ? AND status IN (\(JobStatus.sqlList(JobStatus.predecessors(of: .running))))
                """,
                .integer(now), .integer(jobID))
            guard connection.changes == 1 else { throw try Self.table.refusal(connection, jobID: jobID, to: .running) }
            // Seeds a crashed run had in flight are simply pending again.
            try connection.run(
                "UPDATE synthesis_seeds SET status = 'pending' WHERE job_id = ? AND status = 'in_flight'", .integer(jobID))
        }
    }

    /// Seed updates and the job counters they change, in one transaction.
    public func apply(jobID: Int64, updates: [SeedUpdate], delta: SynthesisCounterDelta) throws {
        guard !updates.isEmpty || !delta.isZero else { return }
        try database.write { connection in
            let statement = try connection.cachedStatement(
                """
                UPDATE synthesis_seeds SET status = ?, attempts = ?, error_code = ?, error_message = ?, tokens_in = ?, tokens_out = ?,
                    cost_usd = ?, latency_ms = ?, row_json = ?, metadata = ?, failures = ?, judge_failures = ?, answer_limit = ?,
                    judge_limit = ?
                WHERE job_id = ? AND idx = ?
                """)
            for update in updates {
                statement.reset()
                try statement.bind([
                    .text(update.status.rawValue), SQLValue(update.attempts), SQLValue(update.errorCode), SQLValue(update.errorMessage),
                    SQLValue(update.tokensIn), SQLValue(update.tokensOut), .real(update.costUSD), SQLValue(update.latencyMs),
                    SQLValue(update.rowJSON), SQLValue(update.metadata), SQLValue(update.failures), SQLValue(update.judgeFailures),
                    SQLValue(update.answerLimit), SQLValue(update.judgeLimit), .integer(jobID), .integer(update.index),
                ])
                _ = try statement.step()
            }
            if !delta.isZero {
                try connection.run(
                    """
                    UPDATE synthesis_jobs SET written = written + ?, skipped = skipped + ?, retries = retries + ?,
                        tokens_in = tokens_in + ?, tokens_out = tokens_out + ?, cost_usd = cost_usd + ?,
                        swap_checked = swap_checked + ?, swap_flips = swap_flips + ?
                    WHERE job_id = ?
                    """,
                    SQLValue(delta.written), SQLValue(delta.skipped), SQLValue(delta.retries), SQLValue(delta.tokensIn),
                    SQLValue(delta.tokensOut), .real(delta.costUSD), SQLValue(delta.swapChecked), SQLValue(delta.swapFlips),
                    .integer(jobID))
            }
            try Self.addEndpointUsage(in: connection, jobID: jobID, delta.byEndpoint)
        }
    }

    /// Adds usage per endpoint to a job's totals (`job_endpoint_usage`), inside the caller's transaction; any kind of
    /// job on the engine keeps its usage this way.
    static func addEndpointUsage(in connection: Connection, jobID: Int64, _ byEndpoint: [String: EndpointUsage]) throws {
        for (endpoint, usage) in byEndpoint.sorted(by: { $0.key < $1.key }) {
            try connection.run(
                """
                INSERT INTO job_endpoint_usage (job_id, endpoint, answered, tokens_in, tokens_out, cost_usd) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (job_id, endpoint) DO UPDATE SET answered = answered + excluded.answered,
                    tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out,
                    cost_usd = cost_usd + excluded.cost_usd
                """,
                .integer(jobID), .text(endpoint), SQLValue(usage.answered), SQLValue(usage.tokensIn), SQLValue(usage.tokensOut),
                .real(usage.costUSD))
        }
    }

    /// Usage per endpoint of a job, by endpoint name.
    public func endpointUsage(jobID: Int64) throws -> [String: EndpointUsage] {
        try database.read { connection in
            var usage: [String: EndpointUsage] = [:]
            for row in try connection.query(
                "SELECT endpoint, answered, tokens_in, tokens_out, cost_usd FROM job_endpoint_usage WHERE job_id = ?", .integer(jobID))
            {
                usage[row.string("endpoint") ?? ""] = EndpointUsage(
                    answered: row.int("answered") ?? 0, tokensIn: row.int("tokens_in") ?? 0, tokensOut: row.int("tokens_out") ?? 0,
                    costUSD: row.double("cost_usd") ?? 0)
            }
            return usage
        }
    }

    /// Marks seeds `in_flight` (for progress and audit; a restart treats them as pending).
    public func markInFlight(jobID: Int64, indexes: [Int64]) throws {
        guard !indexes.isEmpty else { return }
        try database.write { connection in
            let statement = try connection.cachedStatement(
                "UPDATE synthesis_seeds SET status = 'in_flight' WHERE job_id = ? AND idx = ? AND status = 'pending'")
            for index in indexes {
                statement.reset()
                try statement.bind([.integer(jobID), .integer(index)])
                _ = try statement.step()
            }
        }
    }

    public func requestCancel(jobID: Int64) throws -> Bool { try Self.table.requestCancel(database, jobID: jobID) }

    public func cancelRequested(jobID: Int64) throws -> Bool { try Self.table.cancelRequested(database, jobID: jobID) }

    /// Its ending is its own (the child, the parent's status): the cancel flag and the refusals are the shared table's.
    static let table = JobRecordTable<JobStatus>(table: "synthesis_jobs", noun: "synthesis job")

    /// Ends the job: its status (and its queue entry's, the same word), the child (if any), the most common
    /// error (when everything failed), the parent back to `valid_seeds` unless another synthesis still runs on
    /// it, and the job's own pasted key deleted; with `checks`, the child's data checks queued. A move its life cycle
    /// does not allow is refused.
    public func finish(
        jobID: Int64, status: JobStatus, childDatasetID: Int64?, failure: String?, now: Int64, checks: AutomaticDataChecks? = nil
    ) throws {
        try database.write { connection in
            try Self.end(in: connection, jobID: jobID, status: status, childDatasetID: childDatasetID, failure: failure, now: now)
            try JobQueue.endEntry(in: connection, jobID: jobID, status: status, failure: failure, now: now)
            try AutomaticDataChecks.queue(checks, in: connection, now: now)
        }
    }

    /// What the server says of a synthesis whose runner stopped on an error of its own (not the teacher's).
    public static let serverErrorFailure = "The job stopped on a server error (the server log has the details)."

    /// A synthesis whose runner threw ends `failed` together with its queue entry (`JobQueue.fail`), so neither
    /// the job nor its seeds stay "synthesizing" behind a failed queue entry. Nothing for other kinds of job.
    static func endAfterQueueFailure(in connection: Connection, jobID: Int64, now: Int64) throws {
        let status = try connection.scalar("SELECT status FROM synthesis_jobs WHERE job_id = ?", .integer(jobID))?.stringValue
        guard let status, JobStatus(rawValue: status)?.isActive == true else { return }
        try end(in: connection, jobID: jobID, status: .failed, childDatasetID: nil, failure: serverErrorFailure, now: now)
    }

    /// The synthesis row's part of an ending: its status (refused unless its life cycle allows the move), the
    /// child (kept when none is given), the job's own pasted key deleted, and the parent back to `valid_seeds`
    /// unless another synthesis still runs on it.
    private static func end(
        in connection: Connection, jobID: Int64, status: JobStatus, childDatasetID: Int64?, failure: String?, now: Int64
    ) throws {
        try connection.run(
            """
            UPDATE synthesis_jobs SET status = ?, child_dataset_id = COALESCE(?, child_dataset_id), failure = ?, finished_at = ?
            WHERE job_id = ? AND status IN (\(JobStatus.sqlList(JobStatus.predecessors(of: status))))
            """,
            .text(status.rawValue), SQLValue(childDatasetID), SQLValue(failure), .integer(now), .integer(jobID))
        guard connection.changes == 1 else { throw try Self.table.refusal(connection, jobID: jobID, to: status) }
        try deleteJobKeys(in: connection, jobID: jobID, actor: "synthesis job #\(jobID)", now: now)
        if let parent = try connection.scalar("SELECT parent_dataset_id FROM synthesis_jobs WHERE job_id = ?", .integer(jobID))?.int64Value {
            let others = try connection.scalar(
                "SELECT COUNT(*) FROM synthesis_jobs WHERE parent_dataset_id = ? AND job_id <> ? AND status IN ('queued', 'running')",
                .integer(parent), .integer(jobID))?.intValue ?? 0
            if others == 0 {
                try connection.run(
                    "UPDATE datasets SET status = 'valid_seeds', updated_at = ? WHERE id = ? AND status = 'synthesizing'",
                    .integer(now), .integer(parent))
            }
        }
    }

    /// Deletes the keys pasted for a job as it ends, each with an audit entry naming `actor`.
    static func deleteJobKeys(in connection: Connection, jobID: Int64, actor: String, now: Int64) throws {
        let jobKeys = try connection.query("SELECT id, last_four FROM teacher_keys WHERE job_id = ?", .integer(jobID))
        try connection.run("DELETE FROM teacher_keys WHERE job_id = ?", .integer(jobID))
        for key in jobKeys {
            try AuditLogStore.record(
                in: connection, .keyDeleted, user: nil, userName: actor,
                detail: "key #\(key.int64("id") ?? 0) (…\(key.string("last_four") ?? "")) pasted for the job, deleted as it ended",
                remoteAddress: "", now: now)
        }
    }

    /// The seeds dataset is in use by a synthesis (refused unless it is ready to synthesize, or already is).
    /// Records the job's child the moment it exists (in the child's own creating transaction): a job stopped or killed
    /// while it validates its child then finds and reuses that child when it resumes, instead of leaving it behind.
    public static func linkChild(_ connection: Connection, jobID: Int64, childDatasetID: Int64) throws {
        try connection.run("UPDATE synthesis_jobs SET child_dataset_id = ? WHERE job_id = ?", .integer(childDatasetID), .integer(jobID))
        guard connection.changes == 1 else { throw StorageInvariantError("No synthesis job \(jobID) to link its child dataset to.") }
    }

    private static func markSynthesizing(_ connection: Connection, datasetID: Int64, now: Int64) throws {
        try connection.run(
            """
            UPDATE datasets SET status = 'synthesizing', updated_at = ?
            WHERE id = ? AND status IN (\(DatasetStatus.sqlList(DatasetStatus.predecessors(of: .synthesizing))))
            """, .integer(now), .integer(datasetID))
        guard connection.changes == 1 else { throw try StatusTransitions.datasetRefusal(connection, id: datasetID, to: .synthesizing) }
    }

    /// Skipped seeds grouped by their last error, most frequent first.
    public func skipReasons(jobID: Int64) throws -> [SkipReason] {
        try database.read { connection in
            try connection.query(
                """
                SELECT error_code, COUNT(*) AS n, MIN(error_message) AS example FROM synthesis_seeds
                WHERE job_id = ? AND status = 'skipped' GROUP BY error_code ORDER BY n DESC, error_code
                """, .integer(jobID)
            ).map { SkipReason(code: $0.string("error_code") ?? "unknown", count: $0.int("n") ?? 0, example: $0.string("example") ?? "") }
        }
    }

    /// Skipped seeds in seed order, a page at a time (`offset` counts skipped seeds).
    public func skippedSeeds(jobID: Int64, offset: Int, limit: Int) throws -> [SkippedSeed] {
        try database.read { connection in
            try connection.query(
                """
                SELECT line, input, error_code, error_message, attempts FROM synthesis_seeds
                WHERE job_id = ? AND status = 'skipped' ORDER BY idx LIMIT ? OFFSET ?
                """, .integer(jobID), SQLValue(limit), SQLValue(offset)
            ).map {
                SkippedSeed(
                    line: $0.int("line") ?? 0, input: $0.string("input") ?? "", code: $0.string("error_code") ?? "unknown",
                    message: $0.string("error_message") ?? "", attempts: $0.int("attempts") ?? 0)
            }
        }
    }

    /// Sends a finished job's skipped seeds again with new settings, in one transaction: they become
    /// pending with fresh attempts, the job and its queue entry are queued again (its child, if any,
    /// is rebuilt with the new rows when it ends), the parent is `synthesizing` and a key pasted for
    /// the retry belongs to the job. Returns how many seeds were re-queued; 0 changes nothing.
    public func requeueSkipped(jobID: Int64, settingsJSON: String, keyID: Int64?, now: Int64) throws -> Int {
        try database.write { connection in
            try connection.run(
                """
                UPDATE synthesis_seeds SET status = 'pending', attempts = 0, failures = 0, judge_failures = 0, answer_limit = NULL,
                    judge_limit = NULL, error_code = NULL, error_message = NULL
                WHERE job_id = ? AND status = 'skipped'
                """, .integer(jobID))
            let count = connection.changes
            guard count > 0 else { return 0 }
            // Only an ended job is queued again (a running one still has its own skipped seeds in hand).
            let ended = JobStatus.sqlList(JobStatus.allCases.filter { !$0.isActive })
            try connection.run(
                """
                UPDATE synthesis_jobs SET status = 'queued', skipped = skipped - ?, settings = ?, key_id = ?, cancel_requested = 0,
                    finished_at = NULL, failure = NULL
                WHERE job_id = ? AND status IN (\(ended))
                """, SQLValue(count), .text(settingsJSON), SQLValue(keyID), .integer(jobID))
            guard connection.changes == 1 else { throw try Self.table.refusal(connection, jobID: jobID, to: .queued) }
            try connection.run(
                """
                UPDATE jobs SET state = 'queued', attempts = 0, error = NULL, finished_at = NULL, lease_owner = NULL,
                    lease_expires_at = NULL
                WHERE id = ? AND state IN (\(ended))
                """, .integer(jobID))
            guard connection.changes == 1 else { throw try StatusTransitions.queueRefusal(connection, id: jobID, to: .queued) }
            if let parent = try connection.scalar("SELECT parent_dataset_id FROM synthesis_jobs WHERE job_id = ?", .integer(jobID))?.int64Value {
                try Self.markSynthesizing(connection, datasetID: parent, now: now)
            }
            if let keyID {
                try connection.run("UPDATE teacher_keys SET job_id = ? WHERE id = ? AND user_id IS NULL", .integer(jobID), .integer(keyID))
            }
            return count
        }
    }

    /// The answered seeds' rows and metadata in seed order, a page at a time. A seed that generation made keeps its
    /// `generation` record (template, stratum, values) in its row's metadata, so the child's rows carry their category.
    public func doneRows(jobID: Int64, afterIndex: Int64, limit: Int) throws -> [(index: Int64, line: Int, row: String, metadata: String?)] {
        try database.read { connection in
            try connection.query(
                """
                SELECT s.idx, s.line, s.row_json,
                    CASE WHEN s.metadata IS NULL OR NOT json_valid(r.meta) THEN s.metadata
                         WHEN json_type(r.meta, '$.generation') = 'object'
                         THEN json_set(s.metadata, '$.generation', json_extract(r.meta, '$.generation'))
                         ELSE s.metadata END AS metadata
                FROM synthesis_seeds s
                JOIN synthesis_jobs j ON j.job_id = s.job_id
                LEFT JOIN dataset_rows r ON r.dataset_id = j.parent_dataset_id AND r.idx = s.idx
                WHERE s.job_id = ? AND s.status = 'done' AND s.idx > ? ORDER BY s.idx LIMIT ?
                """, .integer(jobID), .integer(afterIndex), SQLValue(limit)
            ).map { ($0.int64("idx") ?? 0, $0.int("line") ?? 0, $0.string("row_json") ?? "", $0.string("metadata")) }
        }
    }

    public func seedStatusCounts(jobID: Int64) throws -> [String: Int] {
        try database.read { connection in
            var counts: [String: Int] = [:]
            for row in try connection.query(
                "SELECT status, COUNT(*) AS n FROM synthesis_seeds WHERE job_id = ? GROUP BY status", .integer(jobID))
            {
                counts[row.string("status") ?? ""] = row.int("n") ?? 0
            }
            return counts
        }
    }

    /// Keys sealed for a job that never got created (a crash between sealing and creating): at start-up nothing is in progress.
    public func deleteOrphanJobKeys() throws {
        try database.write { try $0.run("DELETE FROM teacher_keys WHERE user_id IS NULL AND job_id IS NULL") }
    }

    private static let selectJob = """
        SELECT job_id, parent_dataset_id, child_dataset_id, created_by, provider, model, settings, settings_snapshot, recipe_id, key_id,
            status, total, written,
            skipped, retries, tokens_in, tokens_out, cost_usd, estimate, cancel_requested, created_at, started_at, finished_at, failure,
            swap_checked, swap_flips
        FROM synthesis_jobs
        """

    private static func record(_ row: Row) -> SynthesisJobRecord {
        SynthesisJobRecord(
            jobID: row.int64("job_id") ?? 0, parentDatasetID: row.int64("parent_dataset_id"), childDatasetID: row.int64("child_dataset_id"),
            createdBy: row.int64("created_by"), provider: row.string("provider") ?? "", model: row.string("model") ?? "",
            settingsJSON: row.string("settings") ?? "{}", settingsSnapshotJSON: row.string("settings_snapshot") ?? row.string("settings") ?? "{}",
            recipeID: row.int64("recipe_id"), keyID: row.int64("key_id"),
            status: JobStatus(rawValue: row.string("status") ?? "") ?? .failed, total: row.int("total") ?? 0,
            written: row.int("written") ?? 0, skipped: row.int("skipped") ?? 0, retries: row.int("retries") ?? 0,
            tokensIn: row.int("tokens_in") ?? 0, tokensOut: row.int("tokens_out") ?? 0, costUSD: row.double("cost_usd") ?? 0,
            estimateJSON: row.string("estimate"), cancelRequested: row.int("cancel_requested") == 1, createdAt: row.int64("created_at") ?? 0,
            startedAt: row.int64("started_at"), finishedAt: row.int64("finished_at"), failure: row.string("failure"),
            swapCheck: SwapCheckTally(checked: row.int("swap_checked") ?? 0, flips: row.int("swap_flips") ?? 0))
    }
}
