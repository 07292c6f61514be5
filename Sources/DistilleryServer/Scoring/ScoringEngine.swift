import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Runs one scoring job on the general engine: the scoring pipeline under the `Scheduler`, driven by `EngineDriver`
/// against the shared transport. This file only translates: stored rows into items, and the scheduler's events into
/// row updates, verdicts and totals for one transaction per batch.
final class ScoringEngine {
    typealias Outcome = EngineDriver<ScoringPipeline>.Outcome

    /// Fail fast when this many first rows all fail the same persistent way.
    static let failFastWindow = 5
    /// The name this job's usage is kept under in `job_endpoint_usage`.
    static let endpointName = "judge"

    let record: ScoringJobRecord
    let settings: ScoringSettings
    let key: SecureBytes?
    let transport: TeacherTransport
    let store: ScoringStore
    let hooks: SynthesisEngine.Hooks
    let live: LiveSynthesisProgress
    let now: @Sendable () -> Int64

    init(
        record: ScoringJobRecord, settings: ScoringSettings, key: SecureBytes?, transport: TeacherTransport, store: ScoringStore,
        hooks: SynthesisEngine.Hooks, live: LiveSynthesisProgress, now: @escaping @Sendable () -> Int64
    ) {
        self.record = record
        self.settings = settings
        self.key = key
        self.transport = transport
        self.store = store
        self.hooks = hooks
        self.live = live
        self.now = now
    }

    func run() throws -> Outcome {
        let jobID = record.jobID
        let judge = settings.judge
        let scheduler = Scheduler(
            pipeline: ScoringPipeline(settings.pipelineConfiguration), endpoints: Array(judge.engineEndpoints.prefix(1)),
            retryPolicy: RetryPolicy(maxAttempts: judge.maxAttempts, baseDelayMs: 500, maxDelayMs: 30_000),
            failFast: FailFastRule(window: Self.failFastWindow, alreadySucceeded: record.scored),
            random: SeededRandom(seed: UInt64(bitPattern: jobID) &* 0x9E37_79B9_7F4A_7C15))
        for row in try store.pendingRows(jobID: jobID) {
            scheduler.add(
                key: row.index, item: ScoringItem(key: row.index, conversation: row.body.flatMap(ScoredConversation.parse(rowJSON:))),
                state: Self.state(resuming: row), limits: [row.judgeLimit])
        }
        let (model, version, clock) = (record.model, record.promptVersion, now)
        let driver = EngineDriver(
            scheduler: scheduler, connections: Array(judge.connections(keys: [key]).prefix(1)), transport: transport,
            hooks: .init(
                isCancelRequested: hooks.isCancelRequested, heartbeat: hooks.heartbeat,
                commit: { [store] events in try store.apply(jobID: jobID, Self.batch(events), model: model, promptVersion: version, now: clock()) }),
            live: live)
        return try driver.run()
    }

    /// A stored unscored row as the state machine resumes it: pending, with what it spent before.
    static func state(resuming row: PendingScoringRow) -> WorkItemState {
        WorkItemState.resumed(
            attempts: row.attempts, failures: [row.failures], lastFailure: row.lastErrorCode.flatMap(FailureClass.init(code:)),
            lastFailureStage: ScoringPipeline.stage, tokensIn: row.tokensIn, tokensOut: row.tokensOut, costUSD: row.costUSD)
    }

    /// The scheduler's events as one transaction's changes.
    static func batch(_ events: [Scheduler<ScoringPipeline>.Event]) -> ScoringBatch {
        var batch = ScoringBatch()
        for event in events {
            switch event {
            case .started(let key, let state, let limits):
                batch.rowUpdates.append(progress(key, state, limits: limits, status: .inFlight))
            case .retrying(let key, let state, let limits, let failure):
                batch.delta.retries += 1
                var update = progress(key, state, limits: limits, status: .inFlight)
                update.errorCode = failure.code
                update.errorMessage = failure.message
                batch.rowUpdates.append(update)
            case .skipped(let key, let state, let limits):
                batch.delta.skipped += 1
                var update = progress(key, state, limits: limits, status: .skipped)
                update.errorCode = state.lastFailure?.code
                update.errorMessage = state.lastMessage
                batch.rowUpdates.append(update)
            case .finished(let key, let state, let outputs, let latency):
                guard let verdicts = outputs.first else { continue }
                batch.delta.written += 1
                var update = progress(key, state, limits: [], status: .done)
                update.latencyMs = latency
                batch.rowUpdates.append(update)
                batch.verdicts.append((key, verdicts))
            case .usage(_, let usage):
                batch.delta.tokensIn += usage.promptTokens
                batch.delta.tokensOut += usage.completionTokens
                batch.delta.costUSD += usage.costUSD
                batch.delta.byEndpoint[endpointName, default: EndpointUsage()].add(usage)
            case .added, .answered:
                // Scoring adds no follow-up items (each row ends scored or unscored) and commits a row's verdicts when it ends.
                break
            }
        }
        return batch
    }

    private static func progress(_ key: Int64, _ state: WorkItemState, limits: [Int?], status: SeedStatus) -> SeedUpdate {
        var update = SeedUpdate(
            index: key, status: status, attempts: state.attempts, tokensIn: state.tokensIn, tokensOut: state.tokensOut, costUSD: state.costUSD)
        update.failures = state.failures[ScoringPipeline.stage]
        update.judgeLimit = limits.first ?? nil
        return update
    }
}
