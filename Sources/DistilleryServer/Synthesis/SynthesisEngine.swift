import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Dispatch
import Foundation

/// Drives one synthesis job: sends every pending seed to the teacher through the shared libcurl
/// multi transport (many requests in flight, no thread each), paces requests ahead of time,
/// retries what is worth retrying, and commits each answer within ~50 ms of its arrival in small
/// transactions. All decisions happen on the job's own thread; the transport's completions are
/// handed over through an inbox, so the engine's state needs no locks.
final class SynthesisEngine {
    enum Outcome: Equatable {
        /// Every seed is done or skipped.
        case finished
        /// A user cancelled: what finished so far is kept.
        case cancelled
        /// The server is stopping: the job resumes at the next start.
        case interrupted
        /// A failure no retry can fix (bad key, no balance): the remaining seeds were skipped with it.
        case aborted(TeacherFailure)
        /// The first seeds all failed the same way (fail fast): the rest were skipped unsent; the text says why.
        case stoppedEarly(String)
    }

    struct Hooks {
        /// The job's cancel flag (read at most every 250 ms).
        var isCancelRequested: () -> Bool
        /// The server is stopping (also renews the job's lease; throws when it was lost).
        var heartbeat: () throws -> Void
    }

    /// One seed's progress through its calls.
    final class SeedRun {
        let seed: PendingSeed
        var attempts: Int
        /// Failed answer calls and failed judge calls, each capped by the retry policy (kept across restarts).
        var failures: Int
        var judgeFailures: Int
        var lastFailure: FailureClass?
        var lastJudgeFailure: FailureClass?
        var candidates: [TeacherCandidate?]
        var answers: [String?]
        /// Per candidate: its own output tokens, the prompt tokens and the limit of the call that produced it.
        var answerTokens: [(prompt: Int, output: Int, limit: Int)?]
        var plannedCalls: [CandidatePlan.Call]
        var pendingCalls: Set<Int>
        var judge: JudgePrompt?
        /// The current token limits (raised after a truncation) and how far they may go.
        let answerLadder: TokenLimitLadder
        var answerLimit: Int
        var judgeLadder: TokenLimitLadder?
        var judgeLimit: Int?
        /// Billed over every attempt.
        var tokensIn: Int
        var tokensOut: Int
        var costUSD: Double
        var firstSentAt: Int64?
        var markedInFlight = false
        /// Done or skipped: any of its work still queued or in flight is dropped when met.
        var isFinished = false

        init(seed: PendingSeed, calls: [CandidatePlan.Call], candidateCount: Int, answerLadder: TokenLimitLadder) {
            self.seed = seed
            attempts = seed.attempts
            failures = seed.failures
            judgeFailures = seed.judgeFailures
            tokensIn = seed.tokensIn
            tokensOut = seed.tokensOut
            costUSD = seed.costUSD
            candidates = Array(repeating: nil, count: candidateCount)
            answers = Array(repeating: nil, count: candidateCount)
            answerTokens = Array(repeating: nil, count: candidateCount)
            plannedCalls = calls
            pendingCalls = Set(calls.indices)
            self.answerLadder = answerLadder
            answerLimit = min(max(seed.answerLimit ?? answerLadder.initial, answerLadder.initial), answerLadder.cap)
            judgeLimit = seed.judgeLimit
            if let code = seed.lastErrorCode, let failure = FailureClass(code: code) {
                if failure == .judgeUnparseable || failure == .judgeTruncated { lastJudgeFailure = failure } else { lastFailure = failure }
            }
        }

        /// The seed's state to keep after a failed attempt it will retry (the cap and the ladder hold across restarts).
        func progressUpdate(status: SeedStatus) -> SeedUpdate {
            var update = SeedUpdate(
                index: seed.index, status: status, attempts: attempts, tokensIn: tokensIn, tokensOut: tokensOut, costUSD: costUSD)
            update.failures = failures
            update.judgeFailures = judgeFailures
            update.answerLimit = answerLimit
            update.judgeLimit = judgeLimit
            return update
        }
    }

    enum Work {
        case generate(SeedRun, call: Int)
        case judge(SeedRun)
    }

    /// Completions arrive on the transport's thread and wait here for the engine's thread.
    final class Inbox: @unchecked Sendable {
        let condition = NSCondition()
        var items: [(Int, Result<TeacherHTTPResponse, TeacherTransportError>)] = []

        func post(_ ticket: Int, _ result: Result<TeacherHTTPResponse, TeacherTransportError>) {
            condition.lock()
            items.append((ticket, result))
            condition.signal()
            condition.unlock()
        }
    }

    let jobID: Int64
    let settings: SynthesisSettings
    let skillPrompt: String
    let key: SecureBytes?
    let transport: TeacherTransport
    let store: SynthesisStore
    let hooks: Hooks
    let live: LiveSynthesisProgress
    private let inbox = Inbox()
    private var pacer: RequestPacer
    private let retryPolicy: RetryPolicy
    private var random: SeededRandom
    private let reasoningMode: ReasoningMode
    private let candidateCount: Int

    private var ready: [Work] = []
    private var readyHead = 0
    private var judgeQueue: [SeedRun] = []
    private var delayed: [(at: Int64, work: Work)] = []
    /// Keyed by a ticket the completion carries (the transfer id is only known after submitting); `limit` is the
    /// request's max tokens.
    private var inFlight: [Int: (work: Work, sentAt: Int64, transfer: TransferID?, limit: Int)] = [:]
    private var nextTicket = 0
    private var unfinished = 0
    private var updates: [SeedUpdate] = []
    private var delta = SynthesisCounterDelta()
    private var lastFlush: Int64 = 0
    private var lastCancelCheck: Int64 = 0
    private var stopping: Outcome?
    private var abortFailure: TeacherFailure?
    private var failFast = FailFastRule()
    private var earlyStop: String?

    static let flushIntervalMs: Int64 = 50
    static let flushBatchSize = 256
    /// Fail fast when this many first seeds all fail the same persistent way.
    static let failFastWindow = 5

    init(
        jobID: Int64, settings: SynthesisSettings, skillPrompt: String, key: SecureBytes?, transport: TeacherTransport,
        store: SynthesisStore, hooks: Hooks, live: LiveSynthesisProgress
    ) {
        self.jobID = jobID
        self.settings = settings
        self.skillPrompt = skillPrompt
        self.key = key
        self.transport = transport
        self.store = store
        self.hooks = hooks
        self.live = live
        // Pace a hair under the declared rate, so timer jitter never pushes a 60-second window past
        // the limit; a burst of 2 lets a late wake-up catch up instead of shifting every later request.
        pacer = RequestPacer(.init(
            requestsPerMinute: settings.requestsPerMinute.map { max(1, Int((Double($0) * 0.99).rounded(.down))) },
            tokensPerMinute: settings.tokensPerMinute, burst: 2))
        retryPolicy = RetryPolicy(maxAttempts: settings.maxAttempts, baseDelayMs: 500, maxDelayMs: 30_000)
        random = SeededRandom(seed: UInt64(bitPattern: jobID) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bitPattern: Int64(settings.seed ?? 0)))
        reasoningMode = settings.keepReasoning ? .keepAsThinkBlock : .answerOnly
        candidateCount = settings.rejectionSampling ? 3 : 1
    }

    static func nowMs() -> Int64 {
        Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000)
    }

    func run() throws -> Outcome {
        let seeds = try store.pendingSeeds(jobID: jobID)
        failFast = FailFastRule(window: Self.failFastWindow, alreadySucceeded: try store.job(id: jobID)?.written ?? 0)
        let calls = CandidatePlan.calls(candidates: candidateCount, capabilities: settings.capabilities, seed: settings.seed)
        let systemTokens = TokenEstimator.estimate(skillPrompt) + TokenEstimator.perMessageOverhead
        for seed in seeds {
            let promptTokens = systemTokens + TokenEstimator.estimate(seed.input) + TokenEstimator.perMessageOverhead
            let run = SeedRun(seed: seed, calls: calls, candidateCount: candidateCount, answerLadder: settings.answerLadder(promptTokens: promptTokens))
            for call in calls.indices { ready.append(.generate(run, call: call)) }
        }
        unfinished = seeds.count
        live.update { $0.startedAtMs = Self.nowMs() }
        lastFlush = Self.nowMs()

        while unfinished > 0 || !inFlight.isEmpty {
            let now = Self.nowMs()
            try checkStop(now: now)
            if stopping != nil && inFlight.isEmpty { break }
            releaseDueRetries(now: now)
            var wakeAt = now + Self.flushIntervalMs
            if stopping == nil, let next = submitReadyWork(now: now) { wakeAt = min(wakeAt, next) }
            if let soonestRetry = delayed.map(\.at).min() { wakeAt = min(wakeAt, soonestRetry) }
            if unfinished == 0 && inFlight.isEmpty { break }
            let arrived = waitForCompletions(until: wakeAt)
            for (id, result) in arrived { handle(id, result) }
            if Self.nowMs() - lastFlush >= Self.flushIntervalMs || updates.count >= Self.flushBatchSize { try flush() }
        }
        try flush()
        if let abortFailure { return .aborted(abortFailure) }
        if let earlyStop { return .stoppedEarly(earlyStop) }
        return stopping ?? .finished
    }

    // MARK: Stopping

    private func checkStop(now: Int64) throws {
        do {
            try hooks.heartbeat()
        } catch {
            beginStopping(.interrupted)
            return
        }
        guard stopping == nil, now - lastCancelCheck >= 250 else { return }
        lastCancelCheck = now
        if hooks.isCancelRequested() { beginStopping(.cancelled) }
    }

    private func beginStopping(_ outcome: Outcome) {
        guard stopping == nil else { return }
        stopping = outcome
        for entry in inFlight.values { if let transfer = entry.transfer { transport.cancel(transfer) } }
    }

    // MARK: Sending

    private func nextWork() -> Work? {
        while let work = popWork() {
            if !seedRun(of: work).isFinished { return work }
        }
        return nil
    }

    private func popWork() -> Work? {
        if !judgeQueue.isEmpty { return .judge(judgeQueue.removeFirst()) }
        guard readyHead < ready.count else { return nil }
        let work = ready[readyHead]
        readyHead += 1
        if readyHead > 4096 && readyHead * 2 > ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
        return work
    }

    private func pushBack(_ work: Work) {
        if case .judge(let run) = work {
            judgeQueue.insert(run, at: 0)
        } else if readyHead > 0 {
            readyHead -= 1
            ready[readyHead] = work
        } else {
            ready.insert(work, at: 0)
        }
    }

    /// Starts as much work as the in-flight cap and the pacer allow; returns when pacing next allows one.
    private func submitReadyWork(now: Int64) -> Int64? {
        while inFlight.count < settings.maxInFlight, let work = nextWork() {
            let request = chatRequest(for: work)
            switch pacer.tryStart(nowMs: now, estimatedTokens: request.estimatedPromptTokens + (request.sampling.maxNewTokens ?? settings.maxNewTokens)) {
            case .waitUntil(let time):
                pushBack(work)
                live.update { $0.pausedUntilMs = self.pacer.pausedUntilMs }
                return time
            case .startNow:
                send(work, request: request, now: now)
            }
        }
        return nil
    }

    /// The request for a piece of work; a retry after a content failure varies its sampling (`RetryVariation`)
    /// and a retry after a truncation uses the raised limit.
    private func chatRequest(for work: Work) -> ChatCompletionRequest {
        switch work {
        case .generate(let run, let callIndex):
            let call = run.plannedCalls[callIndex]
            let base = SamplingSettings(temperature: settings.temperature, maxNewTokens: run.answerLimit, seed: call.seed)
            let sampling = run.lastFailure.map {
                RetryVariation.sampling(base, retry: run.failures, after: $0, capabilities: settings.capabilities, expectsJSON: false)
            } ?? base
            return ChatCompletionRequest(
                model: settings.model, systemPrompt: skillPrompt, userPrompt: run.seed.input, sampling: sampling,
                candidateCount: call.candidateCount)
        case .judge(let run):
            var request = run.judge!.request(model: settings.model, maxNewTokens: run.judgeLimit ?? settings.effectiveJudgeMaxTokens)
            if let failure = run.lastJudgeFailure {
                request.sampling = RetryVariation.sampling(
                    request.sampling, retry: run.judgeFailures, after: failure, capabilities: settings.capabilities, expectsJSON: true)
            }
            return request
        }
    }

    private func send(_ work: Work, request: ChatCompletionRequest, now: Int64) {
        let run = seedRun(of: work)
        run.attempts += 1
        if run.firstSentAt == nil { run.firstSentAt = now }
        if !run.markedInFlight {
            run.markedInFlight = true
            updates.append(SeedUpdate(index: run.seed.index, status: .inFlight, attempts: run.attempts))
        }
        let body = Array(request.jsonBody(capabilities: settings.capabilities).utf8)
        let inbox = self.inbox
        let ticket = nextTicket
        nextTicket += 1
        // Recorded before submitting: a transport that is shutting down completes at once.
        inFlight[ticket] = (work, now, nil, request.sampling.maxNewTokens ?? settings.maxNewTokens)
        var httpRequest = TeacherHTTPRequest(
            url: settings.chatCompletionsURL, method: "POST", headers: [("Content-Type", "application/json")], body: body,
            timeoutSeconds: settings.requestTimeoutSeconds)
        if let key { httpRequest.secretHeaders = [TeacherSecretHeader(secret: key)] }
        let transfer = transport.submit(httpRequest) { result in
            // Completions run on the transport's loop thread: hand over and return at once.
            inbox.post(ticket, result)
        }
        inFlight[ticket]?.transfer = transfer
        live.update { $0.inFlight = self.inFlight.count }
    }

    private func seedRun(of work: Work) -> SeedRun {
        switch work {
        case .generate(let run, _), .judge(let run): return run
        }
    }

    // MARK: Waiting

    private func waitForCompletions(until deadline: Int64) -> [(Int, Result<TeacherHTTPResponse, TeacherTransportError>)] {
        inbox.condition.lock()
        defer { inbox.condition.unlock() }
        if inbox.items.isEmpty {
            let delay = max(0, deadline - Self.nowMs())
            if delay > 0 { _ = inbox.condition.wait(until: Date().addingTimeInterval(Double(delay) / 1000)) }
        }
        let items = inbox.items
        inbox.items.removeAll(keepingCapacity: true)
        return items
    }

    private func releaseDueRetries(now: Int64) {
        guard !delayed.isEmpty else { return }
        var remaining: [(at: Int64, work: Work)] = []
        for entry in delayed where !seedRun(of: entry.work).isFinished {
            if entry.at <= now {
                if case .judge(let run) = entry.work { judgeQueue.append(run) } else { pushBack(entry.work) }
            } else {
                remaining.append(entry)
            }
        }
        delayed = remaining
    }

    // MARK: Handling answers

    private func handle(_ ticket: Int, _ result: Result<TeacherHTTPResponse, TeacherTransportError>) {
        guard let (work, _, _, limit) = inFlight.removeValue(forKey: ticket) else { return }
        live.update { $0.inFlight = self.inFlight.count }
        let now = Self.nowMs()
        let run = seedRun(of: work)
        guard !run.isFinished else { return }
        let outcome: Result<ChatCompletionResult, TeacherFailure>
        switch result {
        case .failure(let error):
            if case .cancelled = error {
                // Cancelled by us (cancel or shutdown): not the seed's fault; it stays pending.
                return
            }
            outcome = .failure(TeacherFailure.transport(Self.transportFailure(error)))
        case .success(let response):
            let snapshot = RateLimitHeaders.parse(response.headers, nowUnixMs: Self.unixNowMs())
            pacer.observe(snapshot, receivedAtMs: now)
            if response.status == 429 {
                pacer.rateLimited(receivedAtMs: now, snapshot: snapshot)
                live.update { $0.pausedUntilMs = self.pacer.pausedUntilMs }
            }
            outcome = ChatCompletionParser.classify(
                status: response.status, headers: response.headers, body: response.body, nowUnixMs: Self.unixNowMs())
        }
        switch outcome {
        case .failure(let failure):
            fail(work, failure: failure, limit: limit, now: now)
        case .success(let completion):
            let promptTokens = completion.promptTokens ?? chatRequest(for: work).estimatedPromptTokens
            let completionTokens = completion.completionTokens
                ?? completion.candidates.reduce(0) { $0 + TokenEstimator.estimate($1.content) }
            run.tokensIn += promptTokens
            run.tokensOut += completionTokens
            let cost = settings.costUSD(promptTokens: promptTokens, completionTokens: completionTokens)
            run.costUSD += cost
            delta.tokensIn += promptTokens
            delta.tokensOut += completionTokens
            delta.costUSD += cost
            let usage = (prompt: promptTokens, output: completionTokens, limit: limit)
            switch work {
            case .generate(_, let callIndex): accept(completion, of: run, call: callIndex, usage: usage, now: now)
            case .judge: acceptVerdict(completion, of: run, limit: limit, now: now)
            }
        }
    }

    private func accept(
        _ completion: ChatCompletionResult, of run: SeedRun, call callIndex: Int, usage: (prompt: Int, output: Int, limit: Int), now: Int64
    ) {
        let call = run.plannedCalls[callIndex]
        guard completion.candidates.count >= call.candidateCount else {
            fail(.generate(run, call: callIndex), failure: TeacherFailure(
                .malformedBody, detail: "Asked for \(call.candidateCount) answers, got \(completion.candidates.count)."), limit: usage.limit, now: now)
            return
        }
        var answers: [String] = []
        for candidate in completion.candidates.prefix(call.candidateCount) {
            switch AnswerExtraction.finalAnswer(candidate, mode: reasoningMode) {
            case .failure(let failure):
                // An empty or truncated answer is never a row: the whole call is tried again.
                fail(.generate(run, call: callIndex), failure: failure, limit: usage.limit, now: now)
                return
            case .success(let answer):
                answers.append(answer)
            }
        }
        for (offset, answer) in answers.enumerated() {
            run.candidates[call.firstCandidateIndex + offset] = completion.candidates[offset]
            run.answers[call.firstCandidateIndex + offset] = answer
            // One candidate per call: the usage is its own; several share one usage, so each is estimated.
            let output = answers.count == 1 ? usage.output : TokenEstimator.estimate(completion.candidates[offset].content)
            run.answerTokens[call.firstCandidateIndex + offset] = (usage.prompt, output, usage.limit)
        }
        run.pendingCalls.remove(callIndex)
        guard run.pendingCalls.isEmpty else { return }
        if candidateCount == 1 {
            complete(run, chosen: 0, judgeReason: nil, now: now)
        } else {
            run.judge = JudgePrompt(skillPrompt: skillPrompt, seed: run.seed.input, candidates: run.answers.map { $0 ?? "" }, using: &random)
            judgeQueue.append(run)
        }
    }

    private func acceptVerdict(_ completion: ChatCompletionResult, of run: SeedRun, limit: Int, now: Int64) {
        guard let judge = run.judge, let first = completion.candidates.first else {
            fail(.judge(run), failure: TeacherFailure(.judgeUnparseable, detail: "The judge returned no answer."), limit: limit, now: now)
            return
        }
        let text: String
        switch AnswerExtraction.finalAnswer(first, mode: .answerOnly) {
        case .failure(let failure):
            // A cut-off verdict is the judge's limit, not the answers': say so, and advise the judge's setting.
            let judgeFailure = failure.failureClass == .truncated ? TeacherFailure(.judgeTruncated) : failure
            fail(.judge(run), failure: judgeFailure, limit: limit, now: now)
            return
        case .success(let answer):
            text = answer
        }
        switch JudgeVerdictParser.parse(text, prompt: judge) {
        case .failure(let failure):
            fail(.judge(run), failure: failure, limit: limit, now: now)
        case .success(let verdict):
            complete(run, chosen: verdict.candidateIndex, judgeReason: verdict.reason, now: now)
        }
    }

    private func complete(_ run: SeedRun, chosen: Int, judgeReason: String?, now: Int64) {
        run.isFinished = true
        failFast.recordSuccess()
        let answer = run.answers[chosen] ?? ""
        let latency = now - (run.firstSentAt ?? now)
        let own = run.answerTokens[chosen]
        let metadata = TrainingRowMetadata(
            provider: settings.provider, model: settings.model, candidateIndex: settings.rejectionSampling ? chosen : nil,
            judgeReason: judgeReason, candidates: settings.rejectionSampling ? run.answers.map { $0 ?? "" } : nil,
            tokensIn: own?.prompt ?? 0, tokensOut: own?.output ?? 0, tokensInBilled: run.tokensIn, tokensOutBilled: run.tokensOut,
            maxTokens: own?.limit, latencyMs: latency, attempts: run.attempts)
        updates.append(SeedUpdate(
            index: run.seed.index, status: .done, attempts: run.attempts, tokensIn: run.tokensIn, tokensOut: run.tokensOut,
            costUSD: run.costUSD, latencyMs: latency,
            rowJSON: TrainingRow.jsonLine(skillPrompt: skillPrompt, seed: run.seed.input, answer: answer),
            metadata: metadata.jsonString))
        delta.written += 1
        unfinished -= 1
        live.update {
            $0.written += 1
            $0.meter.record(atMs: now)
        }
    }

    private func fail(_ work: Work, failure: TeacherFailure, limit: Int, now: Int64) {
        let run = seedRun(of: work)
        let isJudge: Bool
        if case .judge = work { isJudge = true } else { isJudge = false }
        if isJudge {
            run.judgeFailures += 1
            run.lastJudgeFailure = failure.failureClass
        } else {
            run.failures += 1
            run.lastFailure = failure.failureClass
        }
        if failure.failureClass == .unauthorized || failure.failureClass == .insufficientBalance {
            // Every other seed would fail the same way and some providers bill rejected calls:
            // stop the job and say why.
            abortFailure = abortFailure ?? failure
            skip(run, failure: failure, now: now)
            skipEverythingLeft(failure: failure, now: now)
            return
        }
        let truncated = failure.failureClass == .truncated || failure.failureClass == .judgeTruncated
        // The same limit would cut the answer off again: double it, up to the cap, or give up saying so.
        if truncated && !raiseLimit(of: run, isJudge: isJudge, truncatedAt: limit) {
            skip(run, failure: limitExhausted(failure, of: run, isJudge: isJudge, truncatedAt: limit), now: now)
            return
        }
        switch retryPolicy.decide(failure, attempts: isJudge ? run.judgeFailures : run.failures, using: &random) {
        case .retry(let afterMs):
            delta.retries += 1
            live.update { $0.retries += 1 }
            // Kept at once, so a restart neither forgets the attempts spent nor the raised limit.
            var update = run.progressUpdate(status: .inFlight)
            update.errorCode = failure.code
            update.errorMessage = failure.message
            updates.append(update)
            // A raised limit is a changed request, not a transient failure: no need to wait.
            delayed.append((now + (truncated ? 0 : afterMs), work))
        case .giveUp:
            skip(run, failure: truncated ? limitExhausted(failure, of: run, isJudge: isJudge, truncatedAt: limit) : failure, now: now)
        }
    }

    /// Raises the seed's answer (or judge) limit after a truncation at `limit`; false when it is at its cap.
    private func raiseLimit(of run: SeedRun, isJudge: Bool, truncatedAt limit: Int) -> Bool {
        let ladder = isJudge ? judgeLadder(of: run) : run.answerLadder
        let current = isJudge ? (run.judgeLimit ?? ladder.initial) : run.answerLimit
        if limit < current { return true }  // another call of this seed has raised it already
        guard let next = ladder.next(after: current) else { return false }
        if isJudge { run.judgeLimit = next } else { run.answerLimit = next }
        return true
    }

    /// The skip reason for a truncation: the limits tried, and which setting to raise.
    private func limitExhausted(_ failure: TeacherFailure, of run: SeedRun, isJudge: Bool, truncatedAt limit: Int) -> TeacherFailure {
        let ladder = isJudge ? judgeLadder(of: run) : run.answerLadder
        let advice = isJudge ? TokenLimitLadder.judgeAdvice : TokenLimitLadder.answerAdvice
        return TeacherFailure(failure.failureClass, detail: ladder.exhaustedDetail(at: limit, advice: advice))
    }

    private func judgeLadder(of run: SeedRun) -> TokenLimitLadder {
        if let ladder = run.judgeLadder { return ladder }
        let ladder = settings.judgeLadder(promptTokens: run.judge?.request(model: settings.model).estimatedPromptTokens ?? 0)
        run.judgeLadder = ladder
        return ladder
    }

    private func skip(_ run: SeedRun, failure: TeacherFailure, now: Int64) {
        guard !run.isFinished else { return }
        defer { checkFailFast(after: failure, now: now) }
        // Its queued work (a parallel candidate call, a retry) is dropped when dequeued; what is in
        // flight is stopped now.
        run.isFinished = true
        for (ticket, entry) in inFlight where seedRun(of: entry.work) === run {
            if let transfer = entry.transfer { transport.cancel(transfer) }
            inFlight[ticket] = nil
        }
        var update = run.progressUpdate(status: .skipped)
        update.errorCode = failure.code
        update.errorMessage = failure.message
        updates.append(update)
        delta.skipped += 1
        unfinished -= 1
        live.update {
            $0.skipped += 1
            $0.meter.record(atMs: now)
        }
    }

    /// Fail fast: once the first seeds have all ended skipped the same persistent way, the rest are skipped unsent.
    private func checkFailFast(after failure: TeacherFailure, now: Int64) {
        guard earlyStop == nil, abortFailure == nil, failFast.verdict == .undecided else { return }
        guard case .stop(let failureClass, let example) = failFast.recordFailure(failure) else { return }
        earlyStop = FailFastRule.stopMessage(window: failFast.window, failure: failureClass, example: example)
        skipEverythingLeft(failure: TeacherFailure(.notAttempted), now: now)
    }

    private func skipEverythingLeft(failure: TeacherFailure, now: Int64) {
        let queued = ready[readyHead...].map(seedRun) + judgeQueue + delayed.map { seedRun(of: $0.work) }
            + inFlight.values.map { seedRun(of: $0.work) }
        for run in queued { skip(run, failure: failure, now: now) }
        ready.removeAll()
        readyHead = 0
        judgeQueue.removeAll()
        delayed.removeAll()
    }

    // MARK: Committing

    private func flush() throws {
        lastFlush = Self.nowMs()
        guard !updates.isEmpty || !delta.isZero else { return }
        try store.apply(jobID: jobID, updates: updates, delta: delta)
        updates.removeAll(keepingCapacity: true)
        delta = SynthesisCounterDelta()
    }

    static func unixNowMs() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    static func transportFailure(_ error: TeacherTransportError) -> TransportFailure {
        switch error {
        case .timedOut: return .timeout
        case .cancelled: return .cancelled
        case .connectionFailed(let reason): return .connection(reason)
        case .transferFailed(_, let reason): return .connection(reason)
        }
    }
}
