import DistilleryCore

/// What creating an evaluation run stores (its rows come with it).
public struct NewEvaluationRun: Sendable {
    public var name: String
    public var datasetID: Int64
    /// The held-out split; nil: every row of the dataset.
    public var split: String?
    public var createdBy: Int64?
    public var studentProvider: String
    public var studentModel: String
    public var studentKeyID: Int64?
    public var judgeProvider: String
    public var judgeModel: String
    public var judgeKeyID: Int64?
    public var recipeID: Int64?
    /// `EvaluationSettings` JSON (both endpoints), set once at creation.
    public var settingsJSON: String
    public var dimensions: [JudgeDimension]
    /// The cost estimate shown before the start (JSON).
    public var estimateJSON: String?

    public init(
        name: String, datasetID: Int64, split: String?, createdBy: Int64?, studentProvider: String, studentModel: String, studentKeyID: Int64?,
        judgeProvider: String, judgeModel: String, judgeKeyID: Int64?, recipeID: Int64?, settingsJSON: String, dimensions: [JudgeDimension],
        estimateJSON: String? = nil
    ) {
        self.name = name
        self.datasetID = datasetID
        self.split = split
        self.createdBy = createdBy
        self.studentProvider = studentProvider
        self.studentModel = studentModel
        self.studentKeyID = studentKeyID
        self.judgeProvider = judgeProvider
        self.judgeModel = judgeModel
        self.judgeKeyID = judgeKeyID
        self.recipeID = recipeID
        self.settingsJSON = settingsJSON
        self.dimensions = dimensions
        self.estimateJSON = estimateJSON
    }
}

/// A dataset row an evaluation runs on.
public struct HeldOutDatasetRow: Sendable, Equatable {
    public var idx: Int64
    public var line: Int
    public var body: String
    public var metadata: String?
}

/// One row of a new run, as it is stored.
public struct NewEvaluationRow: Sendable, Equatable {
    public var idx: Int64
    public var line: Int
    public var row: HeldOutRow
    public var category: String?

    public init(idx: Int64, line: Int, row: HeldOutRow, category: String?) {
        self.idx = idx
        self.line = line
        self.row = row
        self.category = category
    }
}

/// An evaluation run as stored.
public struct EvaluationRunRecord: Sendable, Equatable {
    public let jobID: Int64
    public let name: String
    public let datasetID: Int64?
    public let split: String?
    public let createdBy: Int64?
    public let studentProvider: String
    public let studentModel: String
    public let studentKeyID: Int64?
    public let judgeProvider: String
    public let judgeModel: String
    public let judgeKeyID: Int64?
    public let recipeID: Int64?
    public let settingsJSON: String
    public let dimensions: [JudgeDimension]
    public let promptVersion: String
    public let status: JobStatus
    public let total: Int
    public let judged: Int
    public let skipped: Int
    public let retries: Int
    public let estimateJSON: String?
    public let cancelRequested: Bool
    public let createdAt: Int64
    public let startedAt: Int64?
    public let finishedAt: Int64?
    public let failure: String?
}

/// A row committed but not judged, as a restart resumes it: its state and the parts already stored.
public struct PendingEvaluationRow: Sendable, Equatable {
    public var item: EvaluationItem
    public var attempts: Int
    public var studentFailures: Int
    public var judgeFailures: Int
    public var studentLimit: Int?
    public var judgeLimit: Int?
    public var lastErrorCode: String?
}

/// A row's new state (status, attempts, failures per stage, raised limits, last error).
public struct EvaluationRowUpdate: Sendable, Equatable {
    public var idx: Int64
    public var status: SeedStatus
    public var attempts: Int
    public var studentFailures: Int
    public var judgeFailures: Int
    public var studentLimit: Int?
    public var judgeLimit: Int?
    public var errorCode: String?
    public var errorMessage: String?

    public init(
        idx: Int64, status: SeedStatus, attempts: Int, studentFailures: Int, judgeFailures: Int, studentLimit: Int?, judgeLimit: Int?,
        errorCode: String? = nil, errorMessage: String? = nil
    ) {
        self.idx = idx
        self.status = status
        self.attempts = attempts
        self.studentFailures = studentFailures
        self.judgeFailures = judgeFailures
        self.studentLimit = studentLimit
        self.judgeLimit = judgeLimit
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}

/// One answer of a row, committed as it comes, with that call's usage.
public struct EvaluationAnswerRecord: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        /// `truncated`: cut off at the cap of the student's token limit.
        case student(String, latencyMs: Int64, truncated: Bool)
        case grade(EvaluationGrade)
        /// A preference; `outcome` once both orders are in.
        case forward(PairwisePreference, outcome: PairwiseOutcome?)
        case reverse(PairwisePreference, outcome: PairwiseOutcome?)
    }

    public var idx: Int64
    public var part: Part
    public var tokensIn: Int
    public var tokensOut: Int
    public var costUSD: Double

    public init(idx: Int64, part: Part, tokensIn: Int, tokensOut: Int, costUSD: Double) {
        self.idx = idx
        self.part = part
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costUSD
    }
}

/// Everything one commit of the engine changes, in one transaction: answers, row states, run counters and the usage
/// per endpoint ('student', 'judge').
public struct EvaluationBatch: Sendable, Equatable {
    public var answers: [EvaluationAnswerRecord] = []
    public var rowUpdates: [EvaluationRowUpdate] = []
    public var judged = 0
    public var skipped = 0
    public var retries = 0
    public var byEndpoint: [String: EndpointUsage] = [:]

    public init() {}

    public var isEmpty: Bool { self == EvaluationBatch() }
}

/// `evaluation_runs` and `evaluation_rows` (migration 14): what an evaluation run resumes from and what its report reads.
/// Every answer is committed as it comes, so a restart asks neither the student nor the judge again for a part stored.
public struct EvaluationStore: Sendable {
    public let database: Database
    public static let jobKind = JobKind.evaluation.storedName

    public init(database: Database) {
        self.database = database
    }

    // MARK: Held-out rows

    /// Whether the dataset has been split (any row carries a split).
    public func isSplit(datasetID: Int64) throws -> Bool {
        try database.read {
            try $0.scalar("SELECT EXISTS (SELECT 1 FROM dataset_rows WHERE dataset_id = ? AND split IS NOT NULL)", .integer(datasetID))?.intValue == 1
        }
    }

    /// The dataset's rows of `split` (every row when nil), in order.
    public func heldOutRows(datasetID: Int64, split: String?) throws -> [HeldOutDatasetRow] {
        try database.read { connection in
            let condition = split == nil ? "" : " AND split = ?"
            let values: [SQLValue] = [.integer(datasetID)] + (split.map { [SQLValue.text($0)] } ?? [])
            return try connection.query(
                "SELECT idx, line, body, meta FROM dataset_rows WHERE dataset_id = ?\(condition) ORDER BY idx", values
            ).map { HeldOutDatasetRow(idx: $0.int64("idx") ?? 0, line: $0.int("line") ?? 0, body: $0.string("body") ?? "", metadata: $0.string("meta")) }
        }
    }

    // MARK: Creating and running

    /// Queues the run with its rows, and ties keys pasted for it to it, in one transaction.
    public func create(_ run: NewEvaluationRun, rows: [NewEvaluationRow], now: Int64) throws -> Int64 {
        try database.write { connection in
            let jobID = try JobQueue.enqueue(
                in: connection, kind: Self.jobKind, datasetID: run.datasetID, payload: "{}", now: now, createdBy: run.createdBy)
            try connection.run(
                """
                INSERT INTO evaluation_runs (job_id, name, dataset_id, split, created_by, student_provider, student_model, student_key_id,
                    judge_provider, judge_model, judge_key_id, recipe_id, settings, dimensions, prompt_version, total, estimate, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM recipes WHERE id = ?), ?, ?, ?, ?, ?, ?)
                """,
                .integer(jobID), .text(run.name), .integer(run.datasetID), SQLValue(run.split), SQLValue(run.createdBy), .text(run.studentProvider),
                .text(run.studentModel), SQLValue(run.studentKeyID), .text(run.judgeProvider), .text(run.judgeModel), SQLValue(run.judgeKeyID),
                SQLValue(run.recipeID), .text(run.settingsJSON), .text(EvaluationJSON.dimensions(run.dimensions)),
                .text(EvaluationPrompts.version), SQLValue(rows.count), SQLValue(run.estimateJSON), .integer(now))
            let insert = try connection.cachedStatement(
                "INSERT INTO evaluation_rows (job_id, idx, line, conversation, prompt, reference, category) VALUES (?, ?, ?, ?, ?, ?, ?)")
            for row in rows {
                insert.reset()
                try insert.bind([
                    .integer(jobID), .integer(row.idx), SQLValue(row.line), .text(EvaluationJSON.conversation(row.row.conversation)),
                    .text(row.row.prompt), .text(row.row.reference), SQLValue(row.category),
                ])
                _ = try insert.step()
            }
            for keyID in Set([run.studentKeyID, run.judgeKeyID].compactMap { $0 }) {
                // A key pasted for this run (no owner) now belongs to it, and goes when it ends.
                try connection.run("UPDATE teacher_keys SET job_id = ? WHERE id = ? AND user_id IS NULL", .integer(jobID), .integer(keyID))
            }
            return jobID
        }
    }

    /// Marks the run running; rows a crashed run had in flight are pending again.
    public func markRunning(jobID: Int64, now: Int64) throws {
        try database.write { connection in
            try connection.run(
                """
                UPDATE evaluation_runs SET status = 'running', started_at = COALESCE(started_at, ?)
                WHERE job_id = ? AND status IN (\(JobStatus.sqlList(JobStatus.predecessors(of: .running))))
                """, .integer(now), .integer(jobID))
            guard connection.changes == 1 else { throw try Self.table.refusal(connection, jobID: jobID, to: .running) }
            try connection.run("UPDATE evaluation_rows SET status = 'pending' WHERE job_id = ? AND status = 'in_flight'", .integer(jobID))
        }
    }

    /// Rows not judged or skipped yet, in order, with the parts already committed.
    public func unfinishedRows(jobID: Int64) throws -> [PendingEvaluationRow] {
        try database.read { connection in
            try connection.query(
                """
                SELECT idx, conversation, reference, attempts, student_failures, judge_failures, student_limit, judge_limit, error_code,
                    student_answer, student_truncated, verdicts, failure_phrase, preference_forward, preference_reverse
                FROM evaluation_rows WHERE job_id = ? AND status IN ('pending', 'in_flight') ORDER BY idx
                """, .integer(jobID)
            ).map { row in
                var stored = EvaluationProgress(studentAnswer: row.string("student_answer"), studentTruncated: row.int("student_truncated") == 1)
                if let verdicts = row.string("verdicts") {
                    stored.grade = EvaluationGrade(verdicts: EvaluationJSON.verdicts(from: verdicts), failurePhrase: row.string("failure_phrase"))
                }
                stored.forward = row.string("preference_forward").flatMap(PairwisePreference.init(rawValue:))
                stored.reverse = row.string("preference_reverse").flatMap(PairwisePreference.init(rawValue:))
                return PendingEvaluationRow(
                    item: EvaluationItem(
                        key: row.int64("idx") ?? 0, conversation: EvaluationJSON.conversation(from: row.string("conversation") ?? "[]"),
                        reference: row.string("reference") ?? "", stored: stored),
                    attempts: row.int("attempts") ?? 0, studentFailures: row.int("student_failures") ?? 0,
                    judgeFailures: row.int("judge_failures") ?? 0, studentLimit: row.int("student_limit"), judgeLimit: row.int("judge_limit"),
                    lastErrorCode: row.string("error_code"))
            }
        }
    }

    /// One commit of the engine, in one transaction (see `EvaluationBatch`). A part already stored is never overwritten.
    public func apply(jobID: Int64, _ batch: EvaluationBatch) throws {
        guard !batch.isEmpty else { return }
        try database.write { connection in
            for answer in batch.answers { try Self.store(answer, jobID: jobID, connection) }
            try Self.update(batch.rowUpdates, jobID: jobID, connection)
            if batch.judged + batch.skipped + batch.retries > 0 {
                try connection.run(
                    "UPDATE evaluation_runs SET judged = judged + ?, skipped = skipped + ?, retries = retries + ? WHERE job_id = ?",
                    SQLValue(batch.judged), SQLValue(batch.skipped), SQLValue(batch.retries), .integer(jobID))
            }
            try SynthesisStore.addEndpointUsage(in: connection, jobID: jobID, batch.byEndpoint)
        }
    }

    private static func store(_ answer: EvaluationAnswerRecord, jobID: Int64, _ connection: Connection) throws {
        let usage: [SQLValue] = [SQLValue(answer.tokensIn), SQLValue(answer.tokensOut), .real(answer.costUSD)]
        let key: [SQLValue] = [.integer(jobID), .integer(answer.idx)]
        let judgeUsage = "judge_tokens_in = judge_tokens_in + ?, judge_tokens_out = judge_tokens_out + ?, judge_cost_usd = judge_cost_usd + ?"
        switch answer.part {
        case .student(let text, let latency, let truncated):
            try connection.run(
                """
                UPDATE evaluation_rows SET student_answer = ?, student_truncated = ?, student_latency_ms = ?, student_tokens_in = ?,
                    student_tokens_out = ?, student_cost_usd = ?
                WHERE job_id = ? AND idx = ? AND student_answer IS NULL
                """, [.text(text), .integer(truncated ? 1 : 0), .integer(latency)] + usage + key)
        case .grade(let grade):
            try connection.run(
                "UPDATE evaluation_rows SET verdicts = ?, passed = ?, failure_phrase = ?, \(judgeUsage) WHERE job_id = ? AND idx = ? AND verdicts IS NULL",
                [.text(EvaluationJSON.verdicts(grade.verdicts)), .integer(grade.passed ? 1 : 0), SQLValue(grade.failurePhrase)] + usage + key)
        case .forward(let preference, let outcome):
            try connection.run(
                """
                UPDATE evaluation_rows SET preference_forward = ?, outcome = COALESCE(?, outcome), \(judgeUsage)
                WHERE job_id = ? AND idx = ? AND preference_forward IS NULL
                """, [.text(preference.rawValue), SQLValue(outcome?.rawValue)] + usage + key)
        case .reverse(let preference, let outcome):
            try connection.run(
                """
                UPDATE evaluation_rows SET preference_reverse = ?, outcome = COALESCE(?, outcome), \(judgeUsage)
                WHERE job_id = ? AND idx = ? AND preference_reverse IS NULL
                """, [.text(preference.rawValue), SQLValue(outcome?.rawValue)] + usage + key)
        }
    }

    private static func update(_ updates: [EvaluationRowUpdate], jobID: Int64, _ connection: Connection) throws {
        guard !updates.isEmpty else { return }
        let statement = try connection.cachedStatement(
            """
            UPDATE evaluation_rows SET status = ?, attempts = ?, student_failures = ?, judge_failures = ?, student_limit = ?, judge_limit = ?,
                error_code = COALESCE(?, error_code), error_message = COALESCE(?, error_message)
            WHERE job_id = ? AND idx = ?
            """)
        for update in updates {
            statement.reset()
            try statement.bind([
                .text(update.status.rawValue), SQLValue(update.attempts), SQLValue(update.studentFailures), SQLValue(update.judgeFailures),
                SQLValue(update.studentLimit), SQLValue(update.judgeLimit), SQLValue(update.errorCode), SQLValue(update.errorMessage),
                .integer(jobID), .integer(update.idx),
            ])
            _ = try statement.step()
            guard connection.changes == 1 else { throw StorageInvariantError("No row \(update.idx) in evaluation run \(jobID).") }
        }
    }

    // MARK: Cancel and end

    public func requestCancel(jobID: Int64) throws -> Bool { try Self.table.requestCancel(database, jobID: jobID) }

    public func cancelRequested(jobID: Int64) throws -> Bool { try Self.table.cancelRequested(database, jobID: jobID) }

    /// Ends the run: its status, its queue entry's, the failure text, and the keys pasted for it deleted. A move its life
    /// cycle does not allow is refused.
    public func finish(jobID: Int64, status: JobStatus, failure: String?, now: Int64) throws {
        try database.write { connection in
            try Self.table.end(in: connection, jobID: jobID, status: status, failure: failure, now: now)
            try JobQueue.endEntry(in: connection, jobID: jobID, status: status, failure: failure, now: now)
        }
    }

    static let table = JobRecordTable<JobStatus>(table: "evaluation_runs", noun: "evaluation run")

    // MARK: Reads

    public func run(jobID: Int64) throws -> EvaluationRunRecord? {
        try database.read { try $0.queryOne("\(Self.selectRun) WHERE job_id = ?", .integer(jobID)).map(Self.record) }
    }

    /// Runs on a dataset's held-out set (`split` nil: runs on every row), newest first.
    public func runs(datasetID: Int64, split: String?) throws -> [EvaluationRunRecord] {
        try database.read { connection in
            let condition = split == nil ? "split IS NULL" : "split = ?"
            let values: [SQLValue] = [.integer(datasetID)] + (split.map { [SQLValue.text($0)] } ?? [])
            return try connection.query("\(Self.selectRun) WHERE dataset_id = ? AND \(condition) ORDER BY job_id DESC", values).map(Self.record)
        }
    }

    /// The judged rows in dataset order: every part stored.
    public func evaluatedRows(jobID: Int64) throws -> [EvaluatedRow] {
        try database.read { connection in
            try connection.query(
                """
                SELECT idx, line, category, prompt, reference, student_answer, student_truncated, verdicts, preference_forward, preference_reverse,
                    failure_phrase, failure_mode_id, student_latency_ms, student_tokens_in, student_tokens_out, student_cost_usd
                FROM evaluation_rows WHERE job_id = ? AND status = 'done' ORDER BY idx
                """, .integer(jobID)
            ).compactMap { row in
                guard let forward = row.string("preference_forward").flatMap(PairwisePreference.init(rawValue:)),
                    let reverse = row.string("preference_reverse").flatMap(PairwisePreference.init(rawValue:))
                else { return nil }
                return EvaluatedRow(
                    idx: row.int64("idx") ?? 0, line: row.int("line") ?? 0, category: row.string("category"), prompt: row.string("prompt") ?? "",
                    reference: row.string("reference") ?? "", studentAnswer: row.string("student_answer") ?? "",
                    studentTruncated: row.int("student_truncated") == 1, verdicts: EvaluationJSON.verdicts(from: row.string("verdicts")), forward: forward, reverse: reverse,
                    failurePhrase: row.string("failure_phrase"), failureModeID: row.int64("failure_mode_id"),
                    studentLatencyMs: row.int("student_latency_ms"), studentTokensIn: row.int("student_tokens_in") ?? 0,
                    studentTokensOut: row.int("student_tokens_out") ?? 0, studentCostUSD: row.double("student_cost_usd") ?? 0)
            }
        }
    }

    /// Why rows were skipped: per error code, how many and one message (most first).
    public func skipReasons(jobID: Int64) throws -> [SkipReason] {
        try database.read { connection in
            try connection.query(
                """
                SELECT error_code, COUNT(*) AS n, MIN(error_message) AS example FROM evaluation_rows
                WHERE job_id = ? AND status = 'skipped' GROUP BY error_code ORDER BY n DESC, error_code
                """, .integer(jobID)
            ).map { SkipReason(code: $0.string("error_code") ?? "", count: $0.int("n") ?? 0, example: $0.string("example") ?? "") }
        }
    }

    /// Usage per endpoint ('student', 'judge'), every call included (failed and retried ones too).
    public func endpointUsage(jobID: Int64) throws -> [String: EndpointUsage] {
        try SynthesisStore(database: database).endpointUsage(jobID: jobID)
    }

    private static let selectRun = """
        SELECT job_id, name, dataset_id, split, created_by, student_provider, student_model, student_key_id, judge_provider, judge_model,
            judge_key_id, recipe_id, settings, dimensions, prompt_version, status, total, judged, skipped, retries, estimate, cancel_requested,
            created_at, started_at, finished_at, failure
        FROM evaluation_runs
        """

    private static func record(_ row: Row) -> EvaluationRunRecord {
        EvaluationRunRecord(
            jobID: row.int64("job_id") ?? 0, name: row.string("name") ?? "", datasetID: row.int64("dataset_id"), split: row.string("split"),
            createdBy: row.int64("created_by"), studentProvider: row.string("student_provider") ?? "", studentModel: row.string("student_model") ?? "",
            studentKeyID: row.int64("student_key_id"), judgeProvider: row.string("judge_provider") ?? "", judgeModel: row.string("judge_model") ?? "",
            judgeKeyID: row.int64("judge_key_id"), recipeID: row.int64("recipe_id"), settingsJSON: row.string("settings") ?? "{}",
            dimensions: EvaluationJSON.dimensions(from: row.string("dimensions") ?? "[]"), promptVersion: row.string("prompt_version") ?? "",
            status: JobStatus(rawValue: row.string("status") ?? "") ?? .failed, total: row.int("total") ?? 0, judged: row.int("judged") ?? 0,
            skipped: row.int("skipped") ?? 0, retries: row.int("retries") ?? 0, estimateJSON: row.string("estimate"),
            cancelRequested: row.int("cancel_requested") == 1, createdAt: row.int64("created_at") ?? 0, startedAt: row.int64("started_at"),
            finishedAt: row.int64("finished_at"), failure: row.string("failure"))
    }
}
