import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Runs one generation task on the general engine: the generation pipeline under the `Scheduler`, driven by
/// `EngineDriver`, with the quota ledger reviewing every finished call before it is committed (each returned item
/// gets its verdict; the stratum is topped up at once). This file only translates: stored strata, calls and accepted
/// items into the ledger and the scheduler, and the scheduler's events into one transaction per batch.
final class GenerationEngine {
    typealias Outcome = EngineDriver<GenerationPipeline>.Outcome

    /// Fail fast when this many first calls all fail the same persistent way.
    static let failFastWindow = 5

    let record: GenerationJobRecord
    let settings: GenerationSettings
    let key: SecureBytes?
    let transport: TeacherTransport
    let store: GenerationStore
    let hooks: SynthesisEngine.Hooks
    let live: LiveSynthesisProgress
    /// Seed expansion: texts every accepted item is compared with too (the source seeds).
    let referenceTexts: [String]
    /// Seed expansion: drops echoes, refusals, rewordings of the item's own seed.
    let filter: GenerationLedger.ItemFilter?
    private(set) var ledger: GenerationLedger
    /// Calls added and not yet answered or given up, by key.
    private var calls: [Int64: GenerationCall] = [:]

    init(
        record: GenerationJobRecord, settings: GenerationSettings, strata: [StoredStratum], key: SecureBytes?, transport: TeacherTransport,
        store: GenerationStore, hooks: SynthesisEngine.Hooks, live: LiveSynthesisProgress, referenceTexts: [String] = [],
        filter: GenerationLedger.ItemFilter? = nil, inputs: [[TransformInput]] = []
    ) {
        self.record = record
        self.settings = settings
        self.key = key
        self.transport = transport
        self.store = store
        self.hooks = hooks
        self.live = live
        self.referenceTexts = referenceTexts
        self.filter = filter
        ledger = GenerationLedger(
            strata: strata.map(\.stratum), itemsPerCall: settings.itemsPerCall, attemptCapFactor: settings.attemptCapFactor,
            threshold: settings.duplicateThreshold, referenceTexts: referenceTexts, deduplicates: record.templateType != .transform,
            filter: filter, inputs: inputs)
        ledger.restore(counts: strata.map(\.counts), accepted: [], nextSeq: 1, nextItemIndex: 1, unfinished: [])
    }

    func pipeline() throws -> GenerationPipeline {
        try Self.pipeline(
            teacher: settings.teacher, type: record.templateType, systemPrompt: record.systemPrompt, prompt: record.prompt, strata: ledger.strata,
            seed: settings.seed, createdAt: record.createdAt)
    }

    /// The generation pipeline of a template on a teacher: a task's, or a template's dry run.
    static func pipeline(
        teacher: SynthesisSettings, type: TemplateType, systemPrompt: String, prompt: String, strata: [Stratum], seed: Int, createdAt: Int64
    ) throws -> GenerationPipeline {
        GenerationPipeline(GenerationPipeline.Configuration(
            model: teacher.model, type: type, systemPrompt: systemPrompt, prompt: try PromptTemplate(prompt),
            strata: strata, capabilities: teacher.capabilities, temperature: teacher.temperature, topP: teacher.topP,
            limits: LadderSpec(initial: teacher.maxNewTokens, userCap: teacher.maxTokensCap ?? teacher.maxNewTokens, contextWindow: teacher.contextWindow ?? 0),
            seed: UInt64(bitPattern: Int64(seed)), createdAtUnixMs: createdAt))
    }

    func run() throws -> Outcome {
        let jobID = record.jobID
        let numbering = try store.numbering(jobID: jobID)
        let unfinished = try store.unfinishedCalls(jobID: jobID)
        let rows = record.templateType.needsInputDataset ? try store.transformProgress(jobID: jobID) : (done: [], asks: [:])
        ledger.restore(
            counts: ledger.counts, accepted: try store.acceptedTexts(jobID: jobID), nextSeq: numbering.nextSeq,
            nextItemIndex: numbering.nextItemIndex, unfinished: unfinished.map(\.call), rowsDone: rows.done, rowAsks: rows.asks)
        let teacher = settings.teacher
        let scheduler = Scheduler(
            pipeline: try pipeline(), endpoints: Array(teacher.engineEndpoints.prefix(1)),
            retryPolicy: RetryPolicy(maxAttempts: teacher.maxAttempts, baseDelayMs: 500, maxDelayMs: 30_000),
            failFast: FailFastRule(window: Self.failFastWindow, alreadySucceeded: ledger.counts.reduce(0) { $0 + $1.calls - $1.failedCalls }),
            random: SeededRandom(seed: UInt64(bitPattern: jobID) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bitPattern: Int64(settings.seed))))
        scheduler.reserveKeys(below: numbering.nextKey)
        for stored in unfinished {
            calls[stored.key] = stored.call
            scheduler.add(key: stored.key, item: stored.call, state: Self.state(resuming: stored), limits: [stored.answerLimit])
        }
        // At the start every stratum's first calls; after a restart, the top-ups a crash lost before they were stored.
        for call in ledger.plan() { scheduler.addFollowUp(call) }
        let driver = EngineDriver(
            scheduler: scheduler, connections: Array(teacher.connections(keys: [key]).prefix(1)), transport: transport,
            hooks: .init(
                isCancelRequested: hooks.isCancelRequested, heartbeat: hooks.heartbeat,
                commit: { [store] events in try store.apply(jobID: jobID, Self.batch(events)) },
                review: { [unowned self] events in self.review(&events) }),
            live: live)
        return try driver.run()
    }

    /// Every stratum has its quota.
    var isComplete: Bool { ledger.isComplete }

    /// A stored unfinished call as the state machine resumes it: pending, with what it spent before.
    static func state(resuming call: StoredGenerationCall) -> WorkItemState {
        WorkItemState.resumed(
            attempts: call.attempts, failures: [call.failures], lastFailure: call.lastErrorCode.flatMap(FailureClass.init(code:)),
            lastFailureStage: GenerationPipeline.stage, tokensIn: call.tokensIn, tokensOut: call.tokensOut, costUSD: call.costUSD)
    }

    /// The ledger's look at a batch before it is committed: calls added are remembered, a finished call's items get
    /// their verdicts and dataset lines, a call given up or an answer that did not parse is counted; returns the
    /// top-ups.
    func review(_ events: inout [Scheduler<GenerationPipeline>.Event]) -> [GenerationCall] {
        var followUps: [GenerationCall] = []
        for index in events.indices {
            switch events[index] {
            case .added(let key, let call):
                calls[key] = call
            case .retrying(let key, _, _, let failure):
                if failure.failureClass == .unparseableItems, let call = calls[key] { ledger.recordUnparseable(stratum: call.stratum) }
            case .skipped(let key, let state, _):
                guard let call = calls.removeValue(forKey: key) else { continue }
                if state.lastFailure == .unparseableItems { ledger.recordUnparseable(stratum: call.stratum) }
                followUps += ledger.callFailed(call)
            case .finished(let key, let state, let outputs, let latency):
                guard let call = calls.removeValue(forKey: key) else { continue }
                var (reviewed, more) = ledger.review(call, items: outputs.map(\.item))
                for position in reviewed.indices {
                    reviewed[position].line = reviewed[position].item.datasetLine(
                        system: record.systemPrompt.isEmpty ? nil : record.systemPrompt, input: call.input)
                }
                events[index] = .finished(key: key, state: state, outputs: reviewed, latencyMs: latency)
                followUps += more
            case .started, .usage, .answered:
                break
            }
        }
        return followUps
    }

    /// The scheduler's reviewed events as one transaction's changes.
    static func batch(_ events: [Scheduler<GenerationPipeline>.Event]) -> GenerationBatch {
        var batch = GenerationBatch()
        for event in events {
            switch event {
            case .added(let key, let call):
                batch.newCalls.append(.init(key: key, call: call))
            case .started(let key, let state, let limits):
                batch.callUpdates.append(GenerationCallUpdate(state: progress(key, state, limits: limits, status: .inFlight)))
            case .retrying(let key, let state, let limits, let failure):
                batch.delta.retries += 1
                var update = progress(key, state, limits: limits, status: .inFlight)
                update.errorCode = failure.code
                update.errorMessage = failure.message
                batch.callUpdates.append(GenerationCallUpdate(state: update, unparseableAnswers: failure.failureClass == .unparseableItems ? 1 : 0))
            case .skipped(let key, let state, let limits):
                var update = progress(key, state, limits: limits, status: .skipped)
                update.errorCode = state.lastFailure?.code
                update.errorMessage = state.lastMessage
                batch.callUpdates.append(GenerationCallUpdate(state: update, unparseableAnswers: state.lastFailure == .unparseableItems ? 1 : 0))
            case .finished(let key, let state, let outputs, let latency):
                var update = progress(key, state, limits: [], status: .done)
                update.latencyMs = latency
                batch.callUpdates.append(GenerationCallUpdate(state: update))
                for output in outputs {
                    guard let seq = output.seq, let stratum = output.stratum, let verdict = output.verdict else { continue }
                    batch.items.append(GenerationItemRecord(
                        seq: seq, stratum: stratum, callKey: key, line: output.line ?? "", text: output.item.duplicateKey, verdict: verdict))
                }
            case .usage(_, let usage):
                batch.delta.tokensIn += usage.promptTokens
                batch.delta.tokensOut += usage.completionTokens
                batch.delta.costUSD += usage.costUSD
                batch.delta.byEndpoint["teacher", default: EndpointUsage()].add(usage)
            case .answered:
                // Generation commits a call's items when it finishes.
                break
            }
        }
        return batch
    }

    private static func progress(_ key: Int64, _ state: WorkItemState, limits: [Int?], status: SeedStatus) -> SeedUpdate {
        var update = SeedUpdate(
            index: key, status: status, attempts: state.attempts, tokensIn: state.tokensIn, tokensOut: state.tokensOut, costUSD: state.costUSD)
        update.failures = state.failures[GenerationPipeline.stage]
        update.answerLimit = limits.first ?? nil
        return update
    }
}
