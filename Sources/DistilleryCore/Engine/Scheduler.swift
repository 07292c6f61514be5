/// Decides what a job sends when, for any pipeline: it runs each item's `WorkItemState`, paces every endpoint
/// ahead of time (`RequestPacer`), caps each endpoint's requests in flight, holds an endpoint whole on a 429,
/// retries with backoff (`RetryPolicy`), varies a retry after a content failure (`RetryVariation`), raises a
/// truncated stage's token limit (`TokenLimitLadder`), sends priority work first (the judge), skips everything
/// left after a fatal failure (a bad key, no balance) or when the first items all fail alike (`FailFastRule`),
/// and takes items added while it runs (top-up).
///
/// It reads no clock and does no I/O: the driver passes the time in, sends what `poll` returns, hands each
/// answer back to `complete`, and commits the `events` it drains. So every decision is testable with a table.
public final class Scheduler<P: Pipeline> {
    /// A request to send now. `ticket` comes back with its answer.
    public struct Dispatch {
        public var ticket: Int
        public var endpoint: Int
        public var itemKey: Int64
        public var request: ChatCompletionRequest
    }

    /// How a sent request ended.
    public enum Completion {
        case answer(ChatCompletionResult)
        case failure(TeacherFailure)
        /// Stopped by the driver (cancel, shutdown, or an item skipped meanwhile): nobody's fault.
        case cancelled
    }

    /// A change the driver commits (in order).
    public enum Event {
        /// The item's first request of this run went out.
        case started(key: Int64, state: WorkItemState, limits: [Int?])
        /// A request failed and will be retried: what the item spent so far, and its raised limits, survive a restart.
        case retrying(key: Int64, state: WorkItemState, limits: [Int?], failure: TeacherFailure)
        case finished(key: Int64, state: WorkItemState, outputs: [P.Output], latencyMs: Int64)
        case skipped(key: Int64, state: WorkItemState, limits: [Int?])
        /// A follow-up item a finished item added (top-up); the driver stores it under `key`.
        case added(key: Int64, item: P.Item)
        /// An answered request's usage, on its endpoint.
        case usage(endpoint: Int, usage: RequestUsage)
        /// An answer the pipeline accepted, with the item's progress after it and the request's own usage and latency
        /// (only for pipelines that commit partial answers).
        case answered(key: Int64, request: StageRequest, progress: P.Progress, usage: RequestUsage, latencyMs: Int64)
    }

    /// How the job ended once `isIdle` (a cancel or shutdown is the driver's).
    public enum Outcome: Equatable {
        case finished
        /// A failure no retry can fix (bad key, no balance): everything left was skipped with it.
        case aborted(TeacherFailure)
        /// The first items all failed the same persistent way: the rest were skipped unsent; the text says why.
        case stoppedEarly(String)
    }

    struct Queued {
        var entry: Int
        var request: StageRequest
    }

    struct Entry {
        var key: Int64
        var item: P.Item
        var progress: P.Progress
        var state: WorkItemState
        /// The current token limit per stage (nil: the stage's ladder's first rung).
        var limits: [Int?]
        /// Parts queued, waiting for a retry or in flight (`stage << 16 | part`).
        var underWay: Set<Int> = []
        var firstSentAt: Int64?
    }

    struct Flight {
        var entry: Int
        var request: StageRequest
        var limit: Int
        var estimatedPromptTokens: Int
        var sentAt: Int64
    }

    struct EndpointQueue {
        var urgent: [Queued] = []
        var urgentHead = 0
        var normal: [Queued] = []
        var normalHead = 0
        var inFlight = 0

        var isEmpty: Bool { urgentHead >= urgent.count && normalHead >= normal.count }

        mutating func push(_ queued: Queued) {
            if queued.request.priority { urgent.append(queued) } else { normal.append(queued) }
        }

        mutating func pop() -> Queued? {
            if urgentHead < urgent.count {
                defer { urgentHead += 1; compact(&urgent, &urgentHead) }
                return urgent[urgentHead]
            }
            guard normalHead < normal.count else { return nil }
            defer { normalHead += 1; compact(&normal, &normalHead) }
            return normal[normalHead]
        }

        /// Puts back what pacing held, first in line.
        mutating func pushFront(_ queued: Queued) {
            if queued.request.priority {
                if urgentHead > 0 { urgentHead -= 1; urgent[urgentHead] = queued } else { urgent.insert(queued, at: 0) }
            } else {
                if normalHead > 0 { normalHead -= 1; normal[normalHead] = queued } else { normal.insert(queued, at: 0) }
            }
        }

        mutating func removeAll() {
            urgent.removeAll()
            normal.removeAll()
            urgentHead = 0
            normalHead = 0
        }

        private func compact(_ queue: inout [Queued], _ head: inout Int) {
            if head > 4096 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
        }
    }

    public let pipeline: P
    public let endpoints: [EngineEndpoint]
    public let retryPolicy: RetryPolicy
    public private(set) var pacers: [RequestPacer]
    private var queues: [EndpointQueue]
    private var entries: [Entry] = []
    private var delayed: [(at: Int64, queued: Queued)] = []
    private var inFlight: [Int: Flight] = [:]
    private var nextTicket = 0
    private var nextKey: Int64 = 0
    private var random: SeededRandom
    private var failFast: FailFastRule
    private var abortFailure: TeacherFailure?
    private var earlyStop: String?
    private var stopped = false
    private var pendingCancels: [Int] = []
    /// Items not yet done or skipped.
    public private(set) var unfinished = 0
    /// Changes to commit, in order; `drainEvents` hands them over.
    public private(set) var events: [Event] = []

    public init(
        pipeline: P, endpoints: [EngineEndpoint], retryPolicy: RetryPolicy, failFast: FailFastRule = FailFastRule(),
        random: SeededRandom
    ) {
        self.pipeline = pipeline
        self.endpoints = endpoints
        self.retryPolicy = retryPolicy
        self.failFast = failFast
        self.random = random
        pacers = endpoints.map { RequestPacer($0.pacing) }
        queues = endpoints.map { _ in EndpointQueue() }
    }

    // MARK: Items

    /// Adds an item (at start, on resume, or while running: a job is done when no item is left, not when the
    /// first list is). `limits`: stage limits raised before a restart.
    public func add(key: Int64, item: P.Item, state: WorkItemState = WorkItemState(), limits: [Int?] = []) {
        var limits = limits
        while limits.count < pipeline.stageCount { limits.append(nil) }
        entries.append(Entry(key: key, item: item, progress: pipeline.begin(item), state: state, limits: limits))
        nextKey = max(nextKey, key + 1)
        unfinished += 1
        if abortFailure != nil || earlyStop != nil {
            skip(entries.count - 1, TeacherFailure(.notAttempted), now: 0)
        } else {
            advance(entries.count - 1, now: 0)
        }
    }

    /// Keys below `key` are taken (a resumed job's finished items are not added again, yet keep their keys).
    public func reserveKeys(below key: Int64) {
        nextKey = max(nextKey, key)
    }

    /// Adds an item under the next free key, reporting it as `added` so the driver stores it before it is sent
    /// (a pipeline's follow-ups, or the items a driver's review of finished items asks for: generation's top-ups).
    @discardableResult
    public func addFollowUp(_ item: P.Item) -> Int64 {
        let key = nextKey
        events.append(.added(key: key, item: item))
        add(key: key, item: item)
        return key
    }

    public func drainEvents() -> [Event] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    /// Nothing left to send or wait for.
    public var isIdle: Bool { (unfinished == 0 || stopped) && inFlight.isEmpty }
    public var inFlightCount: Int { inFlight.count }
    /// The endpoint a request in flight was sent to.
    public func endpoint(ofTicket ticket: Int) -> Int? { inFlight[ticket]?.request.endpoint }
    public func inFlight(endpoint: Int) -> Int { queues[endpoint].inFlight }

    public var outcome: Outcome {
        if let abortFailure { return .aborted(abortFailure) }
        if let earlyStop { return .stoppedEarly(earlyStop) }
        return .finished
    }

    /// Sends nothing more; returns the tickets in flight for the driver to cancel (they come back `.cancelled`).
    public func stop() -> [Int] {
        stopped = true
        return Array(inFlight.keys)
    }

    // MARK: Sending

    /// What to send now, what to cancel (requests of items skipped meanwhile), and when to poll again at the
    /// latest (pacing or a retry's delay; nil: only an answer can change anything).
    public func poll(now: Int64) -> (send: [Dispatch], cancel: [Int], wakeAt: Int64?) {
        var wakeAt: Int64?
        func wake(_ time: Int64) { wakeAt = min(wakeAt ?? time, time) }
        releaseDueRetries(now: now)
        var dispatches: [Dispatch] = []
        if !stopped {
            for endpoint in queues.indices {
                while queues[endpoint].inFlight < endpoints[endpoint].maxInFlight, let queued = nextQueued(endpoint) {
                    let (request, limit) = finalRequest(queued)
                    let tokens = request.estimatedPromptTokens + limit
                    if case .waitUntil(let time) = pacers[endpoint].tryStart(nowMs: now, estimatedTokens: tokens) {
                        queues[endpoint].pushFront(queued)
                        wake(time)
                        break
                    }
                    dispatches.append(send(queued, request: request, limit: limit, now: now))
                }
            }
        }
        if let soonest = delayed.lazy.map(\.at).min() { wake(soonest) }
        defer { pendingCancels.removeAll() }
        return (dispatches, pendingCancels, wakeAt)
    }

    private func nextQueued(_ endpoint: Int) -> Queued? {
        while let queued = queues[endpoint].pop() {
            if !entries[queued.entry].state.status.isFinal { return queued }
        }
        return nil
    }

    /// The request as sent: the stage's current limit, varied after a content failure.
    func finalRequest(_ queued: Queued) -> (ChatCompletionRequest, Int) {
        let entry = entries[queued.entry]
        let stage = queued.request.stage
        var request = queued.request.request
        let ladder = pipeline.ladder(for: queued.request, item: entry.item)
        let limit = entry.limits[stage] ?? ladder.initial
        request.sampling.maxNewTokens = limit
        if let failure = entry.state.lastFailures[min(stage, entry.state.lastFailures.count - 1)] {
            request.sampling = RetryVariation.sampling(
                request.sampling, retry: entry.state.failures[stage], after: failure,
                capabilities: endpoints[queued.request.endpoint].capabilities, expectsJSON: queued.request.expectsJSON)
        }
        return (request, limit)
    }

    private func send(_ queued: Queued, request: ChatCompletionRequest, limit: Int, now: Int64) -> Dispatch {
        let index = queued.entry
        if entries[index].state.status == .pending {
            try? entries[index].state.start()
            events.append(.started(key: entries[index].key, state: entries[index].state, limits: entries[index].limits))
        } else {
            try? entries[index].state.sendAnother()
        }
        if entries[index].firstSentAt == nil { entries[index].firstSentAt = now }
        let ticket = nextTicket
        nextTicket += 1
        inFlight[ticket] = Flight(
            entry: index, request: queued.request, limit: limit, estimatedPromptTokens: request.estimatedPromptTokens, sentAt: now)
        queues[queued.request.endpoint].inFlight += 1
        return Dispatch(ticket: ticket, endpoint: queued.request.endpoint, itemKey: entries[index].key, request: request)
    }

    private func releaseDueRetries(now: Int64) {
        guard !delayed.isEmpty else { return }
        var remaining: [(at: Int64, queued: Queued)] = []
        for entry in delayed where !entries[entry.queued.entry].state.status.isFinal {
            if entry.at <= now { queues[entry.queued.request.endpoint].pushFront(entry.queued) } else { remaining.append(entry) }
        }
        delayed = remaining
    }

    // MARK: Rate limits

    /// The endpoint's `x-ratelimit-*` headers, to pace ahead of its limits.
    public func observe(endpoint: Int, _ snapshot: RateLimitSnapshot, now: Int64) {
        pacers[endpoint].observe(snapshot, receivedAtMs: now)
    }

    /// A 429: the whole endpoint waits (Retry-After, or the reset headers).
    public func rateLimited(endpoint: Int, _ snapshot: RateLimitSnapshot, now: Int64) {
        pacers[endpoint].rateLimited(receivedAtMs: now, snapshot: snapshot)
    }

    /// The latest pause of any endpoint, for the job page.
    public var pausedUntilMs: Int64? { pacers.compactMap(\.pausedUntilMs).max() }

    // MARK: Answers

    public func complete(_ ticket: Int, _ completion: Completion, now: Int64) {
        guard let flight = inFlight.removeValue(forKey: ticket) else { return }
        queues[flight.request.endpoint].inFlight -= 1
        let index = flight.entry
        guard !entries[index].state.status.isFinal else { return }
        switch completion {
        case .cancelled:
            entries[index].underWay.remove(Self.partKey(flight.request))
        case .failure(let failure):
            fail(flight, failure, now: now)
        case .answer(let answer):
            let endpoint = endpoints[flight.request.endpoint]
            let prompt = answer.promptTokens ?? flight.estimatedPromptTokens
            let output = answer.completionTokens ?? answer.candidates.reduce(0) { $0 + TokenEstimator.estimate($1.content) }
            let usage = RequestUsage(
                promptTokens: prompt, completionTokens: output, limit: flight.limit,
                costUSD: endpoint.costUSD(promptTokens: prompt, completionTokens: output))
            entries[index].state.addUsage(tokensIn: prompt, tokensOut: output, costUSD: usage.costUSD)
            events.append(.usage(endpoint: flight.request.endpoint, usage: usage))
            if let failure = pipeline.accept(
                answer, usage: usage, to: flight.request, item: entries[index].item, progress: &entries[index].progress) {
                fail(flight, failure, now: now)
                return
            }
            if P.commitsPartialAnswers {
                events.append(.answered(
                    key: entries[index].key, request: flight.request, progress: entries[index].progress, usage: usage,
                    latencyMs: now - flight.sentAt))
            }
            entries[index].underWay.remove(Self.partKey(flight.request))
            advance(index, now: now)
        }
    }

    private static func partKey(_ request: StageRequest) -> Int { request.stage << 16 | request.part }

    /// Asks the pipeline what the item does next, and does it.
    private func advance(_ index: Int, now: Int64) {
        switch pipeline.next(entries[index].item, entries[index].progress) {
        case .send(let requests):
            for request in requests where !entries[index].underWay.contains(Self.partKey(request)) {
                entries[index].underWay.insert(Self.partKey(request))
                queues[request.endpoint].push(Queued(entry: index, request: request))
            }
        case .finish(let outputs, let followUps):
            let latency = now - (entries[index].firstSentAt ?? now)
            try? entries[index].state.finish(latencyMs: latency)
            unfinished -= 1
            failFast.recordSuccess()
            events.append(.finished(key: entries[index].key, state: entries[index].state, outputs: outputs, latencyMs: latency))
            for item in followUps { addFollowUp(item) }
        case .skip(let reason):
            skip(index, reason, now: now)
        }
    }

    private func fail(_ flight: Flight, _ failure: TeacherFailure, now: Int64) {
        let index = flight.entry
        let stage = flight.request.stage
        if failure.failureClass == .unauthorized || failure.failureClass == .insufficientBalance {
            // Every other item would fail the same way and some providers bill rejected calls: stop, saying why.
            abortFailure = abortFailure ?? failure
            skip(index, failure, now: now)
            skipEverythingLeft(failure, now: now)
            return
        }
        let truncated = failure.failureClass == .truncated || failure.failureClass == .judgeTruncated
        var exhausted: TeacherFailure?
        if truncated {
            // The same limit would cut the answer off again: double it, up to the cap, or give up saying so.
            let ladder = pipeline.ladder(for: flight.request, item: entries[index].item)
            let current = entries[index].limits[stage] ?? ladder.initial
            let reason = TeacherFailure(
                failure.failureClass,
                detail: ladder.exhaustedDetail(
                    at: flight.limit, advice: stage == 0 ? TokenLimitLadder.answerAdvice : TokenLimitLadder.judgeAdvice))
            if flight.limit >= current {
                guard let next = ladder.next(after: current) else {
                    skip(index, reason, now: now)
                    return
                }
                entries[index].limits[stage] = next
            }
            exhausted = reason
        }
        let decision = (try? entries[index].state.fail(
            failure, stage: stage, policy: retryPolicy, giveUpReason: exhausted, using: &random)) ?? .giveUp
        switch decision {
        case .retry(let afterMs):
            events.append(.retrying(key: entries[index].key, state: entries[index].state, limits: entries[index].limits, failure: failure))
            // A raised limit is a changed request, not a transient failure: no need to wait. Nor for generated items that
            // did not parse: the teacher answered, at once, and only this sample was bad.
            let immediate = truncated || failure.failureClass == .unparseableItems
            delayed.append((now + (immediate ? 0 : afterMs), Queued(entry: index, request: flight.request)))
        case .giveUp:
            ended(index, reason: exhausted ?? failure, now: now)
        }
    }

    /// Skips an unfinished item (pending or in flight) with a reason.
    private func skip(_ index: Int, _ reason: TeacherFailure, now: Int64) {
        guard !entries[index].state.status.isFinal else { return }
        try? entries[index].state.skip(reason)
        ended(index, reason: reason, now: now)
    }

    /// Bookkeeping for an item that just became skipped: its other requests are stopped.
    private func ended(_ index: Int, reason: TeacherFailure, now: Int64) {
        for (ticket, flight) in inFlight where flight.entry == index {
            inFlight[ticket] = nil
            queues[flight.request.endpoint].inFlight -= 1
            pendingCancels.append(ticket)
        }
        unfinished -= 1
        events.append(.skipped(key: entries[index].key, state: entries[index].state, limits: entries[index].limits))
        checkFailFast(after: reason, now: now)
    }

    /// Fail fast: once the first items have all ended skipped the same persistent way, the rest are skipped unsent.
    private func checkFailFast(after failure: TeacherFailure, now: Int64) {
        guard earlyStop == nil, abortFailure == nil, failFast.verdict == .undecided else { return }
        guard case .stop(let failureClass, let example) = failFast.recordFailure(failure) else { return }
        earlyStop = FailFastRule.stopMessage(window: failFast.window, items: pipeline.vocabulary.items, failure: failureClass, example: example)
        skipEverythingLeft(TeacherFailure(.notAttempted), now: now)
    }

    private func skipEverythingLeft(_ reason: TeacherFailure, now: Int64) {
        for index in entries.indices where !entries[index].state.status.isFinal { skip(index, reason, now: now) }
        for endpoint in queues.indices { queues[endpoint].removeAll() }
        delayed.removeAll()
    }
}
