import DistilleryCore

/// A generation task as stored: the template and settings it was created with, where it stands, and its totals.
public struct GenerationJobRecord: Sendable, Equatable {
    public let jobID: Int64
    /// Nil once the template was deleted (the task keeps its snapshot).
    public let templateID: Int64?
    public let templateName: String
    public let templateType: TemplateType
    public let systemPrompt: String
    public let prompt: String
    /// The output dataset's name.
    public let outputName: String
    public let createdBy: Int64?
    public let provider: String
    public let model: String
    /// The settings the task runs with (`GenerationSettings` JSON), set once at creation.
    public let settingsJSON: String
    public let keyID: Int64?
    public let recipeID: Int64?
    /// Transform: the dataset whose rows the template is applied to.
    public let sourceDatasetID: Int64?
    public let outputDatasetID: Int64?
    public let status: GenerationStatus
    public let target: Int
    public let accepted: Int
    public let retries: Int
    public let tokensIn: Int
    public let tokensOut: Int
    public let costUSD: Double
    public let cancelRequested: Bool
    public let createdAt: Int64
    public let startedAt: Int64?
    public let finishedAt: Int64?
    public let failure: String?
}

/// What creating a task stores (its strata come with it).
public struct NewGenerationJob: Sendable {
    public var templateID: Int64?
    public var templateName: String
    public var templateType: TemplateType
    public var systemPrompt: String
    public var prompt: String
    public var outputName: String
    public var createdBy: Int64?
    public var provider: String
    public var model: String
    public var settingsJSON: String
    public var keyID: Int64?
    public var recipeID: Int64?
    public var sourceDatasetID: Int64?
    /// The items the task aims at; nil: its strata's quotas. A failure-mode task copying the failing prompts alone
    /// asks the teacher for nothing (every quota 0) and aims at the prompts it copies.
    public var target: Int?

    public init(
        templateID: Int64?, templateName: String, templateType: TemplateType, systemPrompt: String, prompt: String, outputName: String,
        createdBy: Int64?, provider: String, model: String, settingsJSON: String, keyID: Int64?, recipeID: Int64? = nil,
        sourceDatasetID: Int64? = nil
    ) {
        self.templateID = templateID
        self.templateName = templateName
        self.templateType = templateType
        self.systemPrompt = systemPrompt
        self.prompt = prompt
        self.outputName = outputName
        self.createdBy = createdBy
        self.provider = provider
        self.model = model
        self.settingsJSON = settingsJSON
        self.keyID = keyID
        self.recipeID = recipeID
        self.sourceDatasetID = sourceDatasetID
    }
}

/// A stratum as stored: its plan and its counters (`underWay` is the engine's, never stored).
public struct StoredStratum: Sendable, Equatable {
    public var stratum: Stratum
    public var counts: StratumCounts
}

/// A call committed but not answered, as a restart resumes it.
public struct StoredGenerationCall: Sendable, Equatable {
    public var key: Int64
    public var call: GenerationCall
    public var attempts: Int
    public var failures: Int
    public var answerLimit: Int?
    public var lastErrorCode: String?
    public var tokensIn: Int
    public var tokensOut: Int
    public var costUSD: Double
}

/// One returned item with its verdict.
public struct GenerationItemRecord: Sendable, Equatable {
    public var seq: Int
    public var stratum: Int
    public var callKey: Int64
    /// The dataset line the item becomes.
    public var line: String
    /// The text compared for duplicates (and shown in the report).
    public var text: String
    public var verdict: GenerationVerdict

    public init(seq: Int, stratum: Int, callKey: Int64, line: String, text: String, verdict: GenerationVerdict) {
        self.seq = seq
        self.stratum = stratum
        self.callKey = callKey
        self.line = line
        self.text = text
        self.verdict = verdict
    }
}

/// A call's new state (the engine's `SeedUpdate`, keyed by the call) and the answers of it that did not parse.
public struct GenerationCallUpdate: Sendable, Equatable {
    public var state: SeedUpdate
    public var unparseableAnswers: Int

    public init(state: SeedUpdate, unparseableAnswers: Int = 0) {
        self.state = state
        self.unparseableAnswers = unparseableAnswers
    }
}

/// Everything one commit of the engine changes, written in one transaction: calls added (top-ups), calls' states,
/// returned items with their verdicts, and the totals; each stratum's counters follow from those rows.
public struct GenerationBatch: Sendable, Equatable {
    public var newCalls: [StoredCallKey] = []
    public var callUpdates: [GenerationCallUpdate] = []
    public var items: [GenerationItemRecord] = []
    public var delta = SynthesisCounterDelta()

    public struct StoredCallKey: Sendable, Equatable {
        public var key: Int64
        public var call: GenerationCall

        public init(key: Int64, call: GenerationCall) {
            self.key = key
            self.call = call
        }
    }

    public init() {}

    public var isEmpty: Bool { newCalls.isEmpty && callUpdates.isEmpty && items.isEmpty && delta.isZero }
}

/// `generation_jobs`, `generation_strata`, `generation_calls` and `generation_items`: what a generation task resumes from
/// and what its report reads.
public struct GenerationStore: Sendable {
    public let database: Database
    public static let jobKind = JobKind.generation.storedName

    public init(database: Database) {
        self.database = database
    }

    /// Queues the task with its strata, and ties a key pasted for it to it, in one transaction.
    public func create(_ job: NewGenerationJob, strata: [Stratum], now: Int64) throws -> Int64 {
        try database.write { connection in
            let jobID = try JobQueue.enqueue(
                in: connection, kind: Self.jobKind, datasetID: job.sourceDatasetID, payload: "{}", now: now, createdBy: job.createdBy)
            try connection.run(
                """
                INSERT INTO generation_jobs (job_id, template_id, template_name, template_type, system_prompt, prompt, output_name,
                    created_by, provider, model, settings, key_id, recipe_id, source_dataset_id, target, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM recipes WHERE id = ?), ?, ?, ?)
                """,
                .integer(jobID), SQLValue(job.templateID), .text(job.templateName), .text(job.templateType.rawValue), .text(job.systemPrompt),
                .text(job.prompt), .text(job.outputName), SQLValue(job.createdBy), .text(job.provider), .text(job.model),
                .text(job.settingsJSON), SQLValue(job.keyID), SQLValue(job.recipeID), SQLValue(job.sourceDatasetID),
                SQLValue(job.target ?? strata.reduce(0) { $0 + $1.quota }), .integer(now))
            let insert = try connection.cachedStatement(
                """
                INSERT INTO generation_strata (job_id, idx, label, value_json, descriptions, weight, quota) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for stratum in strata {
                insert.reset()
                try insert.bind([
                    .integer(jobID), SQLValue(stratum.index), .text(stratum.label), .text(Self.json(stratum.values)),
                    .text(Self.json(stratum.descriptions)), .real(stratum.weight), SQLValue(stratum.quota),
                ])
                _ = try insert.step()
            }
            if let keyID = job.keyID {
                // A key pasted for this task (no owner) now belongs to it, and goes when it ends.
                try connection.run("UPDATE teacher_keys SET job_id = ? WHERE id = ? AND user_id IS NULL", .integer(jobID), .integer(keyID))
            }
            return jobID
        }
    }

    public func job(id: Int64) throws -> GenerationJobRecord? {
        try database.read { try $0.queryOne("\(Self.selectJob) WHERE job_id = ?", .integer(id)).map(Self.record) }
    }

    /// The task's strata in order, with their counters.
    public func strata(jobID: Int64) throws -> [StoredStratum] {
        try database.read { connection in
            try connection.query(
                """
                SELECT idx, label, value_json, descriptions, weight, quota, accepted, duplicates, unparseable, rejected, surplus, items_asked,
                    calls, failed_calls
                FROM generation_strata WHERE job_id = ? ORDER BY idx
                """, .integer(jobID)
            ).map { row in
                var counts = StratumCounts(quota: row.int("quota") ?? 0)
                counts.accepted = row.int("accepted") ?? 0
                counts.duplicates = row.int("duplicates") ?? 0
                counts.unparseable = row.int("unparseable") ?? 0
                counts.rejected = row.int("rejected") ?? 0
                counts.surplus = row.int("surplus") ?? 0
                counts.itemsAsked = row.int("items_asked") ?? 0
                counts.calls = row.int("calls") ?? 0
                counts.failedCalls = row.int("failed_calls") ?? 0
                let stratum = Stratum(
                    index: row.int("idx") ?? 0, values: Self.dictionary(row.string("value_json")),
                    descriptions: Self.dictionary(row.string("descriptions")), weight: row.double("weight") ?? 0, quota: counts.quota,
                    label: row.string("label") ?? "")
                return StoredStratum(stratum: stratum, counts: counts)
            }
        }
    }

    /// Marks the task running; calls a crashed run had in flight are pending again.
    public func markRunning(jobID: Int64, now: Int64) throws {
        try database.write { connection in
            try connection.run(
                """
                UPDATE generation_jobs SET status = 'running', started_at = COALESCE(started_at, ?)
                WHERE job_id = ? AND status IN (\(GenerationStatus.sqlList(GenerationStatus.predecessors(of: .running))))
                """, .integer(now), .integer(jobID))
            guard connection.changes == 1 else { throw try Self.table.refusal(connection, jobID: jobID, to: .running) }
            try connection.run("UPDATE generation_calls SET status = 'pending' WHERE job_id = ? AND status = 'in_flight'", .integer(jobID))
        }
    }

    /// Calls committed but not answered or given up, in key order.
    public func unfinishedCalls(jobID: Int64) throws -> [StoredGenerationCall] {
        try database.read { connection in
            try connection.query(
                """
                SELECT key, stratum, first_index, count, input, source_row, attempts, failures, answer_limit, error_code, tokens_in,
                    tokens_out, cost_usd
                FROM generation_calls WHERE job_id = ? AND status IN ('pending', 'in_flight') ORDER BY key
                """, .integer(jobID)
            ).map { row in
                StoredGenerationCall(
                    key: row.int64("key") ?? 0,
                    call: GenerationCall(
                        stratum: row.int("stratum") ?? 0, firstIndex: row.int("first_index") ?? 1, count: row.int("count") ?? 1,
                        input: row.string("input"), sourceRow: row.int("source_row")),
                    attempts: row.int("attempts") ?? 0, failures: row.int("failures") ?? 0, answerLimit: row.int("answer_limit"),
                    lastErrorCode: row.string("error_code"), tokensIn: row.int("tokens_in") ?? 0, tokensOut: row.int("tokens_out") ?? 0,
                    costUSD: row.double("cost_usd") ?? 0)
            }
        }
    }

    /// The numbering so far: the next item number, the next call's first `{index}`, and the next free call key.
    public func numbering(jobID: Int64) throws -> (nextSeq: Int, nextItemIndex: Int, nextKey: Int64) {
        try database.read { connection in
            let seq = try connection.scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM generation_items WHERE job_id = ?", .integer(jobID))?.intValue
            let row = try connection.queryOne(
                "SELECT COALESCE(MAX(first_index + count), 1) AS next_index, COALESCE(MAX(key), -1) + 1 AS next_key FROM generation_calls WHERE job_id = ?",
                .integer(jobID))
            return (seq ?? 1, row?.int("next_index") ?? 1, row?.int64("next_key") ?? 0)
        }
    }

    /// Accepted items' duplicate texts in the order they were accepted (a restart rebuilds the duplicate index from them).
    public func acceptedTexts(jobID: Int64) throws -> [(seq: Int, text: String)] {
        try database.read { connection in
            try connection.query(
                "SELECT seq, text FROM generation_items WHERE job_id = ? AND status = 'accepted' ORDER BY seq", .integer(jobID)
            ).map { ($0.int("seq") ?? 0, $0.string("text") ?? "") }
        }
    }

    /// Transforms: the input rows with an accepted output, and how many calls each row got (a restart keeps both).
    public func transformProgress(jobID: Int64) throws -> (done: Set<Int>, asks: [Int: Int]) {
        try database.read { connection in
            let done = try connection.query(
                """
                SELECT c.source_row FROM generation_items i JOIN generation_calls c ON c.job_id = i.job_id AND c.key = i.call_key
                WHERE i.job_id = ? AND i.status = 'accepted' AND c.source_row IS NOT NULL
                """, .integer(jobID)
            ).compactMap { $0.int("source_row") }
            var asks: [Int: Int] = [:]
            for row in try connection.query(
                "SELECT source_row, COUNT(*) AS n FROM generation_calls WHERE job_id = ? AND source_row IS NOT NULL GROUP BY source_row",
                .integer(jobID))
            {
                if let source = row.int("source_row") { asks[source] = row.int("n") ?? 0 }
            }
            return (Set(done), asks)
        }
    }

    /// A dataset's rows as a transform reads them, in order: a seeds row's input, a chat row's first user turn.
    public func transformInputs(datasetID: Int64) throws -> [TransformInput] {
        try database.read { connection in
            try connection.query(
                """
                SELECT idx, COALESCE(json_extract(body, '$.input'),
                    (SELECT json_extract(m.value, '$.content') FROM json_each(body, '$.messages') m
                     WHERE json_extract(m.value, '$.role') = 'user' ORDER BY m.key LIMIT 1)) AS text
                FROM dataset_rows WHERE dataset_id = ? ORDER BY idx
                """, .integer(datasetID)
            ).map { TransformInput(row: $0.int("idx") ?? 0, text: $0.string("text") ?? "") }
        }
    }

    /// One commit of the engine, in one transaction (see `GenerationBatch`).
    public func apply(jobID: Int64, _ batch: GenerationBatch) throws {
        guard !batch.isEmpty else { return }
        try database.write { connection in
            try Self.insertCalls(connection, jobID: jobID, batch.newCalls)
            try Self.updateCalls(connection, jobID: jobID, batch.callUpdates)
            try Self.insertItems(connection, jobID: jobID, batch.items)
            let delta = batch.delta
            if !delta.isZero {
                try connection.run(
                    """
                    UPDATE generation_jobs SET retries = retries + ?, tokens_in = tokens_in + ?, tokens_out = tokens_out + ?, cost_usd = cost_usd + ?
                    WHERE job_id = ?
                    """, SQLValue(delta.retries), SQLValue(delta.tokensIn), SQLValue(delta.tokensOut), .real(delta.costUSD), .integer(jobID))
            }
            try SynthesisStore.addEndpointUsage(in: connection, jobID: jobID, delta.byEndpoint)
        }
    }

    private static func insertCalls(_ connection: Connection, jobID: Int64, _ calls: [GenerationBatch.StoredCallKey]) throws {
        guard !calls.isEmpty else { return }
        let insert = try connection.cachedStatement(
            "INSERT INTO generation_calls (job_id, key, stratum, first_index, count, input, source_row) VALUES (?, ?, ?, ?, ?, ?, ?)")
        let count = try connection.cachedStatement(
            "UPDATE generation_strata SET items_asked = items_asked + ?, calls = calls + 1 WHERE job_id = ? AND idx = ?")
        for entry in calls {
            insert.reset()
            try insert.bind([
                .integer(jobID), .integer(entry.key), SQLValue(entry.call.stratum), SQLValue(entry.call.firstIndex), SQLValue(entry.call.count),
                SQLValue(entry.call.input), SQLValue(entry.call.sourceRow),
            ])
            _ = try insert.step()
            count.reset()
            try count.bind([SQLValue(entry.call.count), .integer(jobID), SQLValue(entry.call.stratum)])
            _ = try count.step()
        }
    }

    private static func updateCalls(_ connection: Connection, jobID: Int64, _ updates: [GenerationCallUpdate]) throws {
        guard !updates.isEmpty else { return }
        let statement = try connection.cachedStatement(
            """
            UPDATE generation_calls SET status = ?, attempts = ?, failures = ?, unparseable = unparseable + ?, answer_limit = ?,
                error_code = COALESCE(?, error_code), error_message = COALESCE(?, error_message), tokens_in = ?, tokens_out = ?,
                cost_usd = ?, latency_ms = COALESCE(?, latency_ms)
            WHERE job_id = ? AND key = ?
            """)
        let counters = try connection.cachedStatement(
            """
            UPDATE generation_strata SET unparseable = unparseable + ?, failed_calls = failed_calls + ?
            WHERE job_id = ? AND idx = (SELECT stratum FROM generation_calls WHERE job_id = ? AND key = ?)
            """)
        for update in updates {
            let state = update.state
            statement.reset()
            try statement.bind([
                .text(state.status.rawValue), SQLValue(state.attempts), SQLValue(state.failures), SQLValue(update.unparseableAnswers),
                SQLValue(state.answerLimit), SQLValue(state.errorCode), SQLValue(state.errorMessage), SQLValue(state.tokensIn),
                SQLValue(state.tokensOut), .real(state.costUSD), SQLValue(state.latencyMs), .integer(jobID), .integer(state.index),
            ])
            _ = try statement.step()
            guard connection.changes == 1 else { throw StorageInvariantError("No call \(state.index) in generation task \(jobID).") }
            let failed = state.status == .skipped ? 1 : 0
            if update.unparseableAnswers > 0 || failed > 0 {
                counters.reset()
                try counters.bind([SQLValue(update.unparseableAnswers), SQLValue(failed), .integer(jobID), .integer(jobID), .integer(state.index)])
                _ = try counters.step()
            }
        }
    }

    private static func insertItems(_ connection: Connection, jobID: Int64, _ items: [GenerationItemRecord]) throws {
        guard !items.isEmpty else { return }
        let insert = try connection.cachedStatement(
            """
            INSERT INTO generation_items (job_id, seq, stratum, call_key, line, text, status, duplicate_of, similarity, reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var perStratum: [Int: [String: Int]] = [:]
        for item in items {
            var duplicateOf: String?
            var similarity: Double?
            var reason: String?
            switch item.verdict {
            case .duplicate(let source, let value):
                duplicateOf = source.text
                similarity = value
            case .rejected(let why): reason = why
            case .accepted, .surplus: break
            }
            insert.reset()
            try insert.bind([
                .integer(jobID), SQLValue(item.seq), SQLValue(item.stratum), .integer(item.callKey), .text(item.line), .text(item.text),
                .text(item.verdict.status), SQLValue(duplicateOf), similarity.map(SQLValue.real) ?? .null, SQLValue(reason),
            ])
            _ = try insert.step()
            perStratum[item.stratum, default: [:]][item.verdict.status, default: 0] += 1
        }
        let counters = try connection.cachedStatement(
            """
            UPDATE generation_strata SET accepted = accepted + ?, duplicates = duplicates + ?, rejected = rejected + ?, surplus = surplus + ?
            WHERE job_id = ? AND idx = ?
            """)
        var accepted = 0
        for (stratum, byStatus) in perStratum.sorted(by: { $0.key < $1.key }) {
            counters.reset()
            try counters.bind([
                SQLValue(byStatus["accepted"] ?? 0), SQLValue(byStatus["duplicate"] ?? 0), SQLValue(byStatus["rejected"] ?? 0),
                SQLValue(byStatus["surplus"] ?? 0), .integer(jobID), SQLValue(stratum),
            ])
            _ = try counters.step()
            accepted += byStatus["accepted"] ?? 0
        }
        if accepted > 0 {
            try connection.run("UPDATE generation_jobs SET accepted = accepted + ? WHERE job_id = ?", SQLValue(accepted), .integer(jobID))
        }
    }

    /// Items that were not accepted (duplicates, rejections, surplus), in order, a page at a time.
    public func droppedItems(jobID: Int64, offset: Int, limit: Int) throws -> [GenerationItemRecord] {
        try items(jobID: jobID, condition: "status <> 'accepted'", offset: offset, limit: limit)
    }

    /// Accepted items in the order they were accepted, a page at a time (the output dataset is written from them).
    public func acceptedItems(jobID: Int64, afterSeq: Int, limit: Int) throws -> [GenerationItemRecord] {
        try items(jobID: jobID, condition: "status = 'accepted' AND seq > \(afterSeq)", offset: 0, limit: limit)
    }

    private func items(jobID: Int64, condition: String, offset: Int, limit: Int) throws -> [GenerationItemRecord] {
        try database.read { connection in
            try connection.query(
                """
                SELECT seq, stratum, call_key, line, text, status, duplicate_of, similarity, reason FROM generation_items
                WHERE job_id = ? AND \(condition) ORDER BY seq LIMIT ? OFFSET ?
                """, .integer(jobID), SQLValue(limit), SQLValue(offset)
            ).map { row in
                GenerationItemRecord(
                    seq: row.int("seq") ?? 0, stratum: row.int("stratum") ?? 0, callKey: row.int64("call_key") ?? 0,
                    line: row.string("line") ?? "", text: row.string("text") ?? "",
                    verdict: Self.verdict(
                        status: row.string("status") ?? "", duplicateOf: row.string("duplicate_of"), similarity: row.double("similarity"),
                        reason: row.string("reason")))
            }
        }
    }

    /// How many items were dropped (for paging the report's list).
    /// How many items the task's filter rejected, per reason: most first, then by reason.
    public func rejectionCounts(jobID: Int64) throws -> [(reason: String, count: Int)] {
        try database.read { connection in
            try connection.query(
                """
                SELECT reason, COUNT(*) AS n FROM generation_items WHERE job_id = ? AND status = 'rejected'
                GROUP BY reason ORDER BY n DESC, reason
                """, .integer(jobID)
            ).map { ($0.string("reason") ?? "", $0.int("n") ?? 0) }
        }
    }

    public func droppedCount(jobID: Int64) throws -> Int {
        try database.read {
            try $0.scalar("SELECT COUNT(*) FROM generation_items WHERE job_id = ? AND status <> 'accepted'", .integer(jobID))?.intValue ?? 0
        }
    }

    static func verdict(status: String, duplicateOf: String?, similarity: Double?, reason: String?) -> GenerationVerdict {
        switch status {
        case "duplicate":
            let text = duplicateOf ?? ""
            let source: DuplicateSource = text.hasPrefix("seed ")
                ? .reference(Int(text.dropFirst(5)) ?? 0) : .item(seq: Int(text) ?? 0)
            return .duplicate(of: source, similarity: similarity ?? 1)
        case "rejected": return .rejected(reason: reason ?? "")
        case "surplus": return .surplus
        default: return .accepted
        }
    }

    public func requestCancel(jobID: Int64) throws -> Bool { try Self.table.requestCancel(database, jobID: jobID) }

    public func cancelRequested(jobID: Int64) throws -> Bool { try Self.table.cancelRequested(database, jobID: jobID) }

    /// Records the task's output dataset in the dataset's own creating transaction, so a task stopped while it
    /// validates its output finds and reuses it when it resumes.
    public static func linkOutput(_ connection: Connection, jobID: Int64, datasetID: Int64) throws {
        try connection.run("UPDATE generation_jobs SET output_dataset_id = ? WHERE job_id = ?", .integer(datasetID), .integer(jobID))
        guard connection.changes == 1 else { throw StorageInvariantError("No generation task \(jobID) to link its output dataset to.") }
    }

    /// A failure-mode task that copies the failing prompts alone counts them as its accepted output.
    public func recordCopiedPrompts(jobID: Int64, count: Int) throws {
        try database.write { try $0.run("UPDATE generation_jobs SET accepted = ? WHERE job_id = ?", SQLValue(count), .integer(jobID)) }
    }

    /// Ends the task: its status, its queue entry's (in `JobStatus`'s words), the failure text, and the keys pasted
    /// for it deleted; with `checks`, the output's data checks queued. A move its life cycle does not allow is refused.
    public func finish(jobID: Int64, status: GenerationStatus, failure: String?, now: Int64, checks: AutomaticDataChecks? = nil) throws {
        try database.write { connection in
            try Self.table.end(in: connection, jobID: jobID, status: status, failure: failure, now: now)
            try JobQueue.endEntry(in: connection, jobID: jobID, status: status.jobStatus, failure: failure, now: now)
            try AutomaticDataChecks.queue(checks, in: connection, now: now)
        }
    }

    static let table = JobRecordTable<GenerationStatus>(table: "generation_jobs", noun: "generation task")

    private static let selectJob = """
        SELECT job_id, template_id, template_name, template_type, system_prompt, prompt, output_name, created_by, provider, model, settings,
            key_id, recipe_id, source_dataset_id, output_dataset_id, status, target, accepted, retries, tokens_in, tokens_out, cost_usd,
            cancel_requested, created_at, started_at, finished_at, failure
        FROM generation_jobs
        """

    private static func record(_ row: Row) -> GenerationJobRecord {
        GenerationJobRecord(
            jobID: row.int64("job_id") ?? 0, templateID: row.int64("template_id"), templateName: row.string("template_name") ?? "",
            templateType: TemplateType(rawValue: row.string("template_type") ?? "") ?? .prompts, systemPrompt: row.string("system_prompt") ?? "",
            prompt: row.string("prompt") ?? "", outputName: row.string("output_name") ?? "", createdBy: row.int64("created_by"),
            provider: row.string("provider") ?? "", model: row.string("model") ?? "", settingsJSON: row.string("settings") ?? "{}",
            keyID: row.int64("key_id"), recipeID: row.int64("recipe_id"), sourceDatasetID: row.int64("source_dataset_id"),
            outputDatasetID: row.int64("output_dataset_id"), status: GenerationStatus(rawValue: row.string("status") ?? "") ?? .failed,
            target: row.int("target") ?? 0, accepted: row.int("accepted") ?? 0, retries: row.int("retries") ?? 0,
            tokensIn: row.int("tokens_in") ?? 0, tokensOut: row.int("tokens_out") ?? 0, costUSD: row.double("cost_usd") ?? 0,
            cancelRequested: row.int("cancel_requested") == 1, createdAt: row.int64("created_at") ?? 0, startedAt: row.int64("started_at"),
            finishedAt: row.int64("finished_at"), failure: row.string("failure"))
    }

    static func json(_ values: [String: String]) -> String {
        SynthesisJSON.object(values.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).serialized
    }

    static func dictionary(_ text: String?) -> [String: String] {
        guard let text, case .object(let members)? = try? SynthesisJSON.parse(text) else { return [:] }
        var values: [String: String] = [:]
        for (key, value) in members { if let string = value.stringValue { values[key] = string } }
        return values
    }
}
