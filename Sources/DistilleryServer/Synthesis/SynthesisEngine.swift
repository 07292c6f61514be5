import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Runs one synthesis job on the general engine: the synthesis pipeline (candidates → judge → row) under the
/// `Scheduler`, driven by `EngineDriver` against the shared transport. This file only translates: the job's
/// settings into the pipeline and its endpoints, stored seeds into items, and the scheduler's events into seed
/// updates and job counters.
extension EndpointUsage {
    mutating func add(_ usage: RequestUsage) {
        answered += 1
        tokensIn += usage.promptTokens
        tokensOut += usage.completionTokens
        costUSD += usage.costUSD
    }
}

final class SynthesisEngine {
    typealias Outcome = EngineDriver<SynthesisPipeline>.Outcome

    struct Hooks {
        /// The job's cancel flag (read at most every 250 ms).
        var isCancelRequested: () -> Bool
        /// The server is stopping (also renews the job's lease; throws when it was lost).
        var heartbeat: () throws -> Void
    }

    /// Fail fast when this many first seeds all fail the same persistent way.
    static let failFastWindow = 5

    let jobID: Int64
    let settings: SynthesisSettings
    let skillPrompt: String
    let keys: [SecureBytes?]
    let transport: TeacherTransport
    let store: SynthesisStore
    let hooks: Hooks
    let live: LiveSynthesisProgress

    /// `keys`: the teacher's key, then the judge's when the judge is its own endpoint.
    init(
        jobID: Int64, settings: SynthesisSettings, skillPrompt: String, keys: [SecureBytes?], transport: TeacherTransport,
        store: SynthesisStore, hooks: Hooks, live: LiveSynthesisProgress
    ) {
        self.jobID = jobID
        self.settings = settings
        self.skillPrompt = skillPrompt
        self.keys = keys
        self.transport = transport
        self.store = store
        self.hooks = hooks
        self.live = live
    }

    static func nowMs() -> Int64 { EngineDriver<SynthesisPipeline>.nowMs() }

    static func transportFailure(_ error: TeacherTransportError) -> TransportFailure {
        EngineDriver<SynthesisPipeline>.transportFailure(error)
    }

    func run() throws -> Outcome {
        let seeds = try store.pendingSeeds(jobID: jobID)
        let scheduler = Scheduler(
            pipeline: SynthesisPipeline(settings.pipelineConfiguration(skillPrompt: skillPrompt, jobID: jobID)),
            endpoints: settings.engineEndpoints,
            retryPolicy: RetryPolicy(maxAttempts: settings.maxAttempts, baseDelayMs: 500, maxDelayMs: 30_000),
            failFast: FailFastRule(window: Self.failFastWindow, alreadySucceeded: try store.job(id: jobID)?.written ?? 0),
            random: SeededRandom(seed: UInt64(bitPattern: jobID) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bitPattern: Int64(settings.seed ?? 0))))
        var lines: [Int64: PendingSeed] = [:]
        for seed in seeds {
            lines[seed.index] = seed
            scheduler.add(key: seed.index, item: SeedItem(key: seed.index, input: seed.input), state: Self.state(resuming: seed),
                          limits: [seed.answerLimit, seed.judgeLimit])
        }
        let driver = EngineDriver(
            scheduler: scheduler, connections: settings.connections(keys: keys), transport: transport,
            hooks: .init(
                isCancelRequested: hooks.isCancelRequested, heartbeat: hooks.heartbeat,
                commit: { [store, jobID, settings] events in
                    let (updates, delta) = Self.changes(events, settings: settings)
                    try store.apply(jobID: jobID, updates: updates, delta: delta)
                }),
            live: live)
        return try driver.run()
    }

    /// A stored unfinished seed as the state machine resumes it: pending, with the attempts, failures and cost
    /// it spent before, and its last failure on the stage it belongs to (a retry after a content failure varies).
    static func state(resuming seed: PendingSeed) -> WorkItemState {
        let failure = seed.lastErrorCode.flatMap(FailureClass.init(code:))
        let judgeFailure = failure == .judgeUnparseable || failure == .judgeTruncated
        return WorkItemState.resumed(
            attempts: seed.attempts, failures: [seed.failures, seed.judgeFailures], lastFailure: failure,
            lastFailureStage: judgeFailure ? SynthesisPipeline.judgeStage : SynthesisPipeline.answerStage,
            tokensIn: seed.tokensIn, tokensOut: seed.tokensOut, costUSD: seed.costUSD)
    }

    /// The scheduler's events as seed updates and job counters, for one transaction.
    static func changes(_ events: [Scheduler<SynthesisPipeline>.Event], settings: SynthesisSettings) -> ([SeedUpdate], SynthesisCounterDelta) {
        var updates: [SeedUpdate] = []
        var delta = SynthesisCounterDelta()
        for event in events {
            switch event {
            case .started(let key, let state, let limits):
                updates.append(progress(key, state, limits: limits, status: .inFlight))
            case .retrying(let key, let state, let limits, let failure):
                delta.retries += 1
                var update = progress(key, state, limits: limits, status: .inFlight)
                update.errorCode = failure.code
                update.errorMessage = failure.message
                updates.append(update)
            case .skipped(let key, let state, let limits):
                delta.skipped += 1
                var update = progress(key, state, limits: limits, status: .skipped)
                update.errorCode = state.lastFailure?.code
                update.errorMessage = state.lastMessage
                updates.append(update)
            case .finished(let key, let state, let outputs, let latency):
                guard let output = outputs.first else { continue }
                delta.written += 1
                var metadata = TrainingRowMetadata(
                    provider: settings.provider, model: settings.model, candidateIndex: output.candidates == nil ? nil : output.chosen,
                    judgeReason: output.judgeReason, candidates: output.candidates, tokensIn: output.promptTokens,
                    tokensOut: output.outputTokens, tokensInBilled: state.tokensIn, tokensOutBilled: state.tokensOut,
                    maxTokens: output.limit, latencyMs: latency, attempts: state.attempts)
                if let verdict = output.verdict, let order = output.judgeOrder, let candidates = output.candidates {
                    metadata.judge = .init(
                        provider: settings.judge?.provider ?? settings.provider, model: settings.judge?.model ?? settings.model,
                        label: verdict.label, order: order, candidateLengths: candidates.map(\.count))
                }
                updates.append(SeedUpdate(
                    index: key, status: .done, attempts: state.attempts, tokensIn: state.tokensIn, tokensOut: state.tokensOut,
                    costUSD: state.costUSD, latencyMs: latency, rowJSON: output.rowJSON, metadata: metadata.jsonString))
            case .usage(let endpoint, let usage):
                delta.tokensIn += usage.promptTokens
                delta.tokensOut += usage.completionTokens
                delta.costUSD += usage.costUSD
                delta.byEndpoint[Self.endpointName(endpoint), default: EndpointUsage()].add(usage)
            case .added, .answered:
                // Synthesis adds no follow-up items, and commits a seed's answers with its row when it ends.
                break
            }
        }
        return (updates, delta)
    }

    /// The job's endpoints by name: the teacher, then the judge when it is its own.
    static func endpointName(_ index: Int) -> String { index == 0 ? "teacher" : "judge" }

    private static func progress(_ key: Int64, _ state: WorkItemState, limits: [Int?], status: SeedStatus) -> SeedUpdate {
        var update = SeedUpdate(
            index: key, status: status, attempts: state.attempts, tokensIn: state.tokensIn, tokensOut: state.tokensOut, costUSD: state.costUSD)
        update.failures = state.failures[SynthesisPipeline.answerStage]
        update.judgeFailures = state.failures[SynthesisPipeline.judgeStage]
        update.answerLimit = limits.first ?? nil
        update.judgeLimit = limits.count > 1 ? limits[1] : nil
        return update
    }
}
