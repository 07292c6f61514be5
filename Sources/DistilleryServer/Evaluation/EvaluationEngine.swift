import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Runs one evaluation run on the general engine: the evaluation pipeline (student answer → grade and both
/// preferences) under the `Scheduler`, driven by `EngineDriver`. This file only translates: stored rows into items
/// (with the parts a previous run committed), and the scheduler's events into one transaction per batch, every
/// accepted answer included, so a restart never asks for a stored part again.
final class EvaluationEngine {
    typealias Outcome = EngineDriver<EvaluationPipeline>.Outcome

    /// Fail fast when this many first rows all fail the same persistent way.
    static let failFastWindow = 5

    let record: EvaluationRunRecord
    let settings: EvaluationSettings
    let studentKey: SecureBytes?
    let judgeKey: SecureBytes?
    let transport: TeacherTransport
    let store: EvaluationStore
    let hooks: SynthesisEngine.Hooks
    let live: LiveSynthesisProgress

    init(
        record: EvaluationRunRecord, settings: EvaluationSettings, studentKey: SecureBytes?, judgeKey: SecureBytes?, transport: TeacherTransport,
        store: EvaluationStore, hooks: SynthesisEngine.Hooks, live: LiveSynthesisProgress
    ) {
        self.record = record
        self.settings = settings
        self.studentKey = studentKey
        self.judgeKey = judgeKey
        self.transport = transport
        self.store = store
        self.hooks = hooks
        self.live = live
    }

    func run() throws -> Outcome {
        let jobID = record.jobID
        let rows = try store.unfinishedRows(jobID: jobID)
        let scheduler = Scheduler(
            pipeline: settings.pipeline(dimensions: record.dimensions), endpoints: settings.engineEndpoints,
            retryPolicy: RetryPolicy(maxAttempts: min(settings.student.maxAttempts, settings.judge.maxAttempts), baseDelayMs: 500, maxDelayMs: 30_000),
            failFast: FailFastRule(window: Self.failFastWindow, alreadySucceeded: record.judged),
            random: SeededRandom(seed: UInt64(bitPattern: jobID) &* 0x9E37_79B9_7F4A_7C15))
        for row in rows {
            scheduler.add(key: row.item.key, item: row.item, state: Self.state(resuming: row), limits: [row.studentLimit, row.judgeLimit])
        }
        let driver = EngineDriver(
            scheduler: scheduler, connections: settings.connections(studentKey: studentKey, judgeKey: judgeKey), transport: transport,
            hooks: .init(
                isCancelRequested: hooks.isCancelRequested, heartbeat: hooks.heartbeat,
                commit: { [store] events in try store.apply(jobID: jobID, Self.batch(events)) }),
            live: live)
        return try driver.run()
    }

    /// A stored unfinished row as the state machine resumes it: pending, with the attempts and failures it spent before.
    static func state(resuming row: PendingEvaluationRow) -> WorkItemState {
        let failure = row.lastErrorCode.flatMap(FailureClass.init(code:))
        let judgeFailure = failure == .judgeUnparseable || failure == .judgeTruncated || row.item.stored.studentAnswer != nil
        return WorkItemState.resumed(
            attempts: row.attempts, failures: [row.studentFailures, row.judgeFailures], lastFailure: failure,
            lastFailureStage: judgeFailure ? EvaluationPipeline.judgeStage : EvaluationPipeline.studentStage, tokensIn: 0, tokensOut: 0, costUSD: 0)
    }

    /// The scheduler's events as one transaction's changes.
    static func batch(_ events: [Scheduler<EvaluationPipeline>.Event]) -> EvaluationBatch {
        var batch = EvaluationBatch()
        for event in events {
            switch event {
            case .started(let key, let state, let limits):
                batch.rowUpdates.append(update(key, state, limits: limits, status: .inFlight))
            case .retrying(let key, let state, let limits, let failure):
                batch.retries += 1
                var row = update(key, state, limits: limits, status: .inFlight)
                row.errorCode = failure.code
                row.errorMessage = failure.message
                batch.rowUpdates.append(row)
            case .skipped(let key, let state, let limits):
                batch.skipped += 1
                var row = update(key, state, limits: limits, status: .skipped)
                row.errorCode = state.lastFailure?.code
                row.errorMessage = state.lastMessage
                batch.rowUpdates.append(row)
            case .finished(let key, let state, _, _):
                batch.judged += 1
                batch.rowUpdates.append(update(key, state, limits: [], status: .done))
            case .answered(let key, let request, let progress, let usage, let latency):
                for (position, part) in parts(of: request, progress: progress, latencyMs: latency).enumerated() {
                    // The call's usage goes with the part it answered; verdicts that came with it (an empty answer's) cost nothing.
                    let paid = position == 0
                    batch.answers.append(EvaluationAnswerRecord(
                        idx: key, part: part, tokensIn: paid ? usage.promptTokens : 0, tokensOut: paid ? usage.completionTokens : 0,
                        costUSD: paid ? usage.costUSD : 0))
                }
            case .usage(let endpoint, let usage):
                batch.byEndpoint[EvaluationSettings.endpointName(endpoint), default: EndpointUsage()].add(usage)
            case .added:
                // Evaluation adds no follow-up items: each row ends judged or skipped.
                break
            }
        }
        return batch
    }

    /// The parts an accepted answer filled in, the answered part first. A student's answer comes alone, except an empty
    /// one: its failed grade and lost preferences come with it, committed in the same transaction.
    static func parts(of request: StageRequest, progress: EvaluationProgress, latencyMs: Int64) -> [EvaluationAnswerRecord.Part] {
        let outcome = progress.forward.flatMap { forward in progress.reverse.map { PairwiseOutcome.combine(forward: forward, reverse: $0) } }
        let grade = progress.grade.map { EvaluationAnswerRecord.Part.grade($0) }
        let forward = progress.forward.map { EvaluationAnswerRecord.Part.forward($0, outcome: outcome) }
        let reverse = progress.reverse.map { EvaluationAnswerRecord.Part.reverse($0, outcome: outcome) }
        guard request.stage == EvaluationPipeline.judgeStage else {
            guard let answer = progress.studentAnswer else { return [] }
            return [.student(answer, latencyMs: latencyMs, truncated: progress.studentTruncated)] + [grade, forward, reverse].compactMap { $0 }
        }
        switch EvaluationPipeline.JudgePart(rawValue: request.part) {
        case .grade: return grade.map { [$0] } ?? []
        case .forward: return forward.map { [$0] } ?? []
        case .reverse: return reverse.map { [$0] } ?? []
        case nil: return []
        }
    }

    private static func update(_ key: Int64, _ state: WorkItemState, limits: [Int?], status: SeedStatus) -> EvaluationRowUpdate {
        EvaluationRowUpdate(
            idx: key, status: status, attempts: state.attempts, studentFailures: state.failures[EvaluationPipeline.studentStage],
            judgeFailures: state.failures[EvaluationPipeline.judgeStage], studentLimit: limits.first ?? nil,
            judgeLimit: limits.count > 1 ? limits[1] : nil)
    }
}
