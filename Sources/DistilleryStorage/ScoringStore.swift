import DistilleryCore

/// A scoring job as stored: the judge and dimensions it was created with (never changed), where it stands, its totals.
public struct ScoringJobRecord: Sendable, Equatable {
    public let jobID: Int64
    public let datasetID: Int64?
    public let createdBy: Int64?
    public let provider: String
    public let model: String
    /// The judge endpoint and run settings (the server's `ScoringSettings` JSON, no key).
    public let settingsJSON: String
    /// The dimensions graded (`[JudgeDimension]` JSON).
    public let dimensionsJSON: String
    public let promptVersion: String
    public let keyID: Int64?
    public let recipeID: Int64?
    /// The user insisted on a judge of the rows' own teacher family; `familyWarning` then says which.
    public let insistedSameFamily: Bool
    public let familyWarning: String?
    public let status: JobStatus
    public let total: Int
    public let scored: Int
    /// Rows that ended without a score (the verdict never parsed, or the judge failed for good).
    public let unscored: Int
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

    public var processed: Int { scored + unscored }
}

/// What creating a scoring job stores.
public struct NewScoringJob: Sendable {
    public var datasetID: Int64
    public var createdBy: Int64?
    public var provider: String
    public var model: String
    public var settingsJSON: String
    public var dimensionsJSON: String
    public var promptVersion: String
    public var keyID: Int64?
    public var recipeID: Int64?
    public var insistedSameFamily: Bool
    public var familyWarning: String?
    public var estimateJSON: String?

    public init(
        datasetID: Int64, createdBy: Int64?, provider: String, model: String, settingsJSON: String, dimensionsJSON: String,
        promptVersion: String, keyID: Int64?, recipeID: Int64?, insistedSameFamily: Bool, familyWarning: String?, estimateJSON: String?
    ) {
        self.datasetID = datasetID
        self.createdBy = createdBy
        self.provider = provider
        self.model = model
        self.settingsJSON = settingsJSON
        self.dimensionsJSON = dimensionsJSON
        self.promptVersion = promptVersion
        self.keyID = keyID
        self.recipeID = recipeID
        self.insistedSameFamily = insistedSameFamily
        self.familyWarning = familyWarning
        self.estimateJSON = estimateJSON
    }
}

/// A row still to score, as the engine loads it (at start, and again after a restart), with what it spent before.
public struct PendingScoringRow: Sendable, Equatable {
    public var index: Int64
    /// The stored (normalized) row JSON; nil when the dataset row is gone.
    public var body: String?
    public var attempts = 0
    public var failures = 0
    public var judgeLimit: Int?
    public var lastErrorCode: String?
    public var tokensIn = 0
    public var tokensOut = 0
    public var costUSD = 0.0
}

/// Everything one commit of a scoring job changes, in one transaction: the rows' states, the verdicts of the rows
/// scored (written to `row_scores`), and the totals (`written` = scored, `skipped` = unscored).
public struct ScoringBatch: Sendable {
    public var rowUpdates: [SeedUpdate] = []
    public var verdicts: [(index: Int64, verdicts: [DimensionScore])] = []
    public var delta = SynthesisCounterDelta()

    public init() {}

    public var isEmpty: Bool { rowUpdates.isEmpty && verdicts.isEmpty && delta.isZero }
}

/// One dimension's scores of a job: how many rows got each score.
public struct DimensionScoreCounts: Sendable, Equatable {
    public var dimension: String
    /// Score → rows (1–5, or 0/1 for pass/fail).
    public var counts: [Int: Int]
}

/// `scoring_jobs` and `scoring_rows`, and the `row_scores` a scoring job writes.
public struct ScoringStore: Sendable {
    public let database: Database
    public static let jobKind = JobKind.scoring.storedName

    public init(database: Database) {
        self.database = database
    }

    /// Queues the job with one work item per dataset row (its answer's length kept for the length-bias figure), and ties
    /// keys pasted for it to it, in one transaction.
    public func create(_ job: NewScoringJob, pastedKeyIDs: [Int64], now: Int64) throws -> Int64 {
        try database.write { connection in
            let jobID = try JobQueue.enqueue(
                in: connection, kind: Self.jobKind, datasetID: job.datasetID, payload: "{}", now: now, createdBy: job.createdBy)
            try connection.run(
                """
                INSERT INTO scoring_jobs (job_id, dataset_id, created_by, provider, model, settings, dimensions, prompt_version, key_id,
                    recipe_id, insisted_same_family, family_warning, estimate, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM recipes WHERE id = ?), ?, ?, ?, ?)
                """,
                .integer(jobID), .integer(job.datasetID), SQLValue(job.createdBy), .text(job.provider), .text(job.model),
                .text(job.settingsJSON), .text(job.dimensionsJSON), .text(job.promptVersion), SQLValue(job.keyID), SQLValue(job.recipeID),
                .integer(job.insistedSameFamily ? 1 : 0), SQLValue(job.familyWarning), SQLValue(job.estimateJSON), .integer(now))
            try connection.run(
                """
                INSERT INTO scoring_rows (job_id, idx, answer_chars)
                SELECT ?, idx, COALESCE(length((SELECT json_extract(m.value, '$.content') FROM json_each(body, '$.messages') m
                    WHERE json_extract(m.value, '$.role') = 'assistant' ORDER BY m.key DESC LIMIT 1)), 0)
                FROM dataset_rows WHERE dataset_id = ? ORDER BY idx
                """, .integer(jobID), .integer(job.datasetID))
            try connection.run("UPDATE scoring_jobs SET total = ? WHERE job_id = ?", SQLValue(connection.changes), .integer(jobID))
            for keyID in pastedKeyIDs {
                // A key pasted for this job (no owner) now belongs to it, and goes when it ends.
                try connection.run("UPDATE teacher_keys SET job_id = ? WHERE id = ? AND user_id IS NULL", .integer(jobID), .integer(keyID))
            }
            return jobID
        }
    }

    public func job(id: Int64) throws -> ScoringJobRecord? {
        try database.read { try $0.queryOne("\(Self.selectJob) WHERE job_id = ?", .integer(id)).map(Self.record) }
    }

    /// A dataset's scoring jobs, newest first.
    public func jobs(datasetID: Int64) throws -> [ScoringJobRecord] {
        try database.read { try $0.query("\(Self.selectJob) WHERE dataset_id = ? ORDER BY job_id DESC", .integer(datasetID)).map(Self.record) }
    }

    /// The teachers named by a dataset's row metadata (a synthesized row's `provider`/`model`, a generated row's
    /// `generation.provider`/`generation.model`), each once.
    public func rowTeachers(datasetID: Int64) throws -> [(provider: String, model: String)] {
        try database.read { connection in
            try connection.query(
                """
                SELECT DISTINCT COALESCE(json_extract(meta, '$.provider'), json_extract(meta, '$.generation.provider'), '') AS provider,
                    COALESCE(json_extract(meta, '$.model'), json_extract(meta, '$.generation.model')) AS model
                FROM dataset_rows WHERE dataset_id = ? AND meta IS NOT NULL AND json_valid(meta)
                """, .integer(datasetID)
            ).compactMap { row in
                guard let model = row.string("model"), !model.isEmpty else { return nil }
                return (row.string("provider") ?? "", model)
            }
        }
    }

    /// Marks the job running; rows a crashed run had in flight are pending again.
    public func markRunning(jobID: Int64, now: Int64) throws {
        try database.write { connection in
            try connection.run(
                """
                UPDATE scoring_jobs SET status = 'running', started_at = COALESCE(started_at, ?)
                WHERE job_id = ? AND status IN (\(JobStatus.sqlList(JobStatus.predecessors(of: .running))))
                """, .integer(now), .integer(jobID))
            guard connection.changes == 1 else {
                throw try Self.table.refusal(connection, jobID: jobID, to: .running)
            }
            try connection.run("UPDATE scoring_rows SET status = 'pending' WHERE job_id = ? AND status = 'in_flight'", .integer(jobID))
        }
    }

    /// Rows not yet scored or given up, in order, with their dataset row's JSON.
    public func pendingRows(jobID: Int64) throws -> [PendingScoringRow] {
        try database.read { connection in
            try connection.query(
                """
                SELECT r.idx, d.body, r.attempts, r.failures, r.judge_limit, r.error_code, r.tokens_in, r.tokens_out, r.cost_usd
                FROM scoring_rows r JOIN scoring_jobs j ON j.job_id = r.job_id
                LEFT JOIN dataset_rows d ON d.dataset_id = j.dataset_id AND d.idx = r.idx
                WHERE r.job_id = ? AND r.status IN ('pending', 'in_flight') ORDER BY r.idx
                """, .integer(jobID)
            ).map { row in
                PendingScoringRow(
                    index: row.int64("idx") ?? 0, body: row.string("body"), attempts: row.int("attempts") ?? 0, failures: row.int("failures") ?? 0,
                    judgeLimit: row.int("judge_limit"), lastErrorCode: row.string("error_code"), tokensIn: row.int("tokens_in") ?? 0,
                    tokensOut: row.int("tokens_out") ?? 0, costUSD: row.double("cost_usd") ?? 0)
            }
        }
    }

    /// One commit of the engine, in one transaction (see `ScoringBatch`).
    public func apply(jobID: Int64, _ batch: ScoringBatch, model: String, promptVersion: String, now: Int64) throws {
        guard !batch.isEmpty else { return }
        try database.write { connection in
            let update = try connection.cachedStatement(
                """
                UPDATE scoring_rows SET status = ?, attempts = ?, failures = ?, judge_limit = ?, error_code = COALESCE(?, error_code),
                    error_message = COALESCE(?, error_message), tokens_in = ?, tokens_out = ?, cost_usd = ?, latency_ms = COALESCE(?, latency_ms)
                WHERE job_id = ? AND idx = ?
                """)
            for state in batch.rowUpdates {
                update.reset()
                try update.bind([
                    .text(state.status.rawValue), SQLValue(state.attempts), SQLValue(state.failures), SQLValue(state.judgeLimit),
                    SQLValue(state.errorCode), SQLValue(state.errorMessage), SQLValue(state.tokensIn), SQLValue(state.tokensOut),
                    .real(state.costUSD), SQLValue(state.latencyMs), .integer(jobID), .integer(state.index),
                ])
                _ = try update.step()
                guard connection.changes == 1 else { throw StorageInvariantError("No row \(state.index) in scoring job \(jobID).") }
            }
            if !batch.verdicts.isEmpty {
                // The latest score per row and dimension: a later job's replaces an earlier one's.
                let upsert = try connection.cachedStatement(
                    """
                    INSERT INTO row_scores (dataset_id, idx, dimension, job_id, rubric, score, reasoning, model, prompt_version, created_at)
                    SELECT dataset_id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM scoring_jobs WHERE job_id = ? AND dataset_id IS NOT NULL
                        AND EXISTS (SELECT 1 FROM dataset_rows d WHERE d.dataset_id = scoring_jobs.dataset_id AND d.idx = ?)
                    ON CONFLICT (dataset_id, idx, dimension) DO UPDATE SET job_id = excluded.job_id, rubric = excluded.rubric,
                        score = excluded.score, reasoning = excluded.reasoning, model = excluded.model,
                        prompt_version = excluded.prompt_version, created_at = excluded.created_at
                    """)
                let ownScores = try connection.cachedStatement("UPDATE scoring_rows SET scores = ? WHERE job_id = ? AND idx = ?")
                for entry in batch.verdicts {
                    ownScores.reset()
                    let scores = SynthesisJSON.object(entry.verdicts.map { ($0.dimension, .number(Double($0.score))) })
                    try ownScores.bind([.text(scores.serialized), .integer(jobID), .integer(entry.index)])
                    _ = try ownScores.step()
                    for verdict in entry.verdicts {
                        upsert.reset()
                        try upsert.bind([
                            .integer(entry.index), .text(verdict.dimension), .integer(jobID), .text(verdict.rubric.rawValue),
                            SQLValue(verdict.score), .text(verdict.reasoning), .text(model), .text(promptVersion), .integer(now),
                            .integer(jobID), .integer(entry.index),
                        ])
                        _ = try upsert.step()
                    }
                }
            }
            let delta = batch.delta
            if !delta.isZero {
                try connection.run(
                    """
                    UPDATE scoring_jobs SET scored = scored + ?, unscored = unscored + ?, retries = retries + ?, tokens_in = tokens_in + ?,
                        tokens_out = tokens_out + ?, cost_usd = cost_usd + ?
                    WHERE job_id = ?
                    """,
                    SQLValue(delta.written), SQLValue(delta.skipped), SQLValue(delta.retries), SQLValue(delta.tokensIn),
                    SQLValue(delta.tokensOut), .real(delta.costUSD), .integer(jobID))
            }
            try SynthesisStore.addEndpointUsage(in: connection, jobID: jobID, delta.byEndpoint)
        }
    }

    /// Per dimension, how many of the job's rows got each score from this job (even once a later job replaced them as
    /// the rows' latest).
    public func scoreCounts(jobID: Int64) throws -> [DimensionScoreCounts] {
        try database.read { connection in
            var byDimension: [String: [Int: Int]] = [:]
            for row in try connection.query(
                """
                SELECT s.key AS dimension, s.value AS score, COUNT(*) AS n FROM scoring_rows r, json_each(r.scores) s
                WHERE r.job_id = ? AND r.scores IS NOT NULL GROUP BY s.key, s.value
                """, .integer(jobID))
            {
                byDimension[row.string("dimension") ?? "", default: [:]][row.int("score") ?? 0] = row.int("n") ?? 0
            }
            return byDimension.sorted { $0.key < $1.key }.map { DimensionScoreCounts(dimension: $0.key, counts: $0.value) }
        }
    }

    /// A dimension's (score, answer length) pairs over the job's scored rows, for the length-bias figure.
    public func scoreLengthPairs(jobID: Int64, dimension: String) throws -> [(score: Int, length: Int)] {
        try database.read { connection in
            try connection.query(
                """
                SELECT json_extract(scores, ?) AS score, answer_chars FROM scoring_rows
                WHERE job_id = ? AND scores IS NOT NULL AND json_extract(scores, ?) IS NOT NULL
                """, .text("$.\(dimension)"), .integer(jobID), .text("$.\(dimension)")
            ).map { ($0.int("score") ?? 0, $0.int("answer_chars") ?? 0) }
        }
    }

    /// Unscored rows grouped by their last error, most frequent first.
    public func unscoredReasons(jobID: Int64) throws -> [SkipReason] {
        try database.read { connection in
            try connection.query(
                """
                SELECT error_code, COUNT(*) AS n, MIN(error_message) AS example FROM scoring_rows
                WHERE job_id = ? AND status = 'skipped' GROUP BY error_code ORDER BY n DESC, error_code
                """, .integer(jobID)
            ).map { SkipReason(code: $0.string("error_code") ?? "unknown", count: $0.int("n") ?? 0, example: $0.string("example") ?? "") }
        }
    }

    /// What judging a dataset has cost so far: every scoring job on it, whatever its status.
    public func costUSD(datasetID: Int64) throws -> Double? {
        try database.read { connection in
            let row = try connection.queryOne(
                "SELECT COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS cost FROM scoring_jobs WHERE dataset_id = ?", .integer(datasetID))
            return (row?.int("n") ?? 0) > 0 ? row?.double("cost") ?? 0 : nil
        }
    }

    public func requestCancel(jobID: Int64) throws -> Bool { try Self.table.requestCancel(database, jobID: jobID) }

    public func cancelRequested(jobID: Int64) throws -> Bool { try Self.table.cancelRequested(database, jobID: jobID) }

    /// Ends the job: its status and its queue entry's (the same word), the failure text, and the keys pasted for it
    /// deleted. A move its life cycle does not allow is refused.
    public func finish(jobID: Int64, status: JobStatus, failure: String?, now: Int64) throws {
        try database.write { connection in
            try Self.table.end(in: connection, jobID: jobID, status: status, failure: failure, now: now)
            try JobQueue.endEntry(in: connection, jobID: jobID, status: status, failure: failure, now: now)
        }
    }

    static let table = JobRecordTable<JobStatus>(table: "scoring_jobs", noun: "scoring job")

    private static let selectJob = """
        SELECT job_id, dataset_id, created_by, provider, model, settings, dimensions, prompt_version, key_id, recipe_id,
            insisted_same_family, family_warning, status, total, scored, unscored, retries, tokens_in, tokens_out, cost_usd, estimate,
            cancel_requested, created_at, started_at, finished_at, failure
        FROM scoring_jobs
        """

    private static func record(_ row: Row) -> ScoringJobRecord {
        ScoringJobRecord(
            jobID: row.int64("job_id") ?? 0, datasetID: row.int64("dataset_id"), createdBy: row.int64("created_by"),
            provider: row.string("provider") ?? "", model: row.string("model") ?? "", settingsJSON: row.string("settings") ?? "{}",
            dimensionsJSON: row.string("dimensions") ?? "[]", promptVersion: row.string("prompt_version") ?? "", keyID: row.int64("key_id"),
            recipeID: row.int64("recipe_id"), insistedSameFamily: row.int("insisted_same_family") == 1, familyWarning: row.string("family_warning"),
            status: JobStatus(rawValue: row.string("status") ?? "") ?? .failed, total: row.int("total") ?? 0, scored: row.int("scored") ?? 0,
            unscored: row.int("unscored") ?? 0, retries: row.int("retries") ?? 0, tokensIn: row.int("tokens_in") ?? 0,
            tokensOut: row.int("tokens_out") ?? 0, costUSD: row.double("cost_usd") ?? 0, estimateJSON: row.string("estimate"),
            cancelRequested: row.int("cancel_requested") == 1, createdAt: row.int64("created_at") ?? 0, startedAt: row.int64("started_at"),
            finishedAt: row.int64("finished_at"), failure: row.string("failure"))
    }
}
