import DistilleryCore
import DistilleryPlatform
import Dispatch
import Foundation
import Synchronization

/// Where a job's endpoint lives on the network (its pacing, caps and prices are the scheduler's `EngineEndpoint`).
struct EndpointConnection {
    var chatCompletionsURL: String
    /// Opened for this run only; freed by whoever opened it.
    var key: SecureBytes?
    var timeoutSeconds: Double
}

/// Completions arrive on the transport's thread and wait here for the job's thread.
final class CompletionInbox: @unchecked Sendable {
    let condition = NSCondition()
    var items: [(Int, Result<TeacherHTTPResponse, TeacherTransportError>)] = []

    func post(_ ticket: Int, _ result: Result<TeacherHTTPResponse, TeacherTransportError>) {
        condition.lock()
        items.append((ticket, result))
        condition.signal()
        condition.unlock()
    }
}

/// Commits batches of item changes on their own thread, in order, so a transaction never delays the next
/// request; the job's thread waits for it only at the end, and learns of a failed commit at its next flush.
final class BatchCommitter<Batch>: @unchecked Sendable {
    // @unchecked: `commit` runs only on `queue`; a batch is handed over whole and the sender keeps no reference.
    private let queue = DispatchQueue(label: "distillery.engine.commit")
    private let commit: (Batch) throws -> Void
    private let failure = Mutex<(any Error)?>(nil)

    init(_ commit: @escaping (Batch) throws -> Void) { self.commit = commit }

    func submit(_ batch: Batch) {
        nonisolated(unsafe) let batch = batch
        queue.async {
            guard self.failure.withLock({ $0 == nil }) else { return }
            do { try self.commit(batch) } catch { self.failure.withLock { $0 = error } }
        }
    }

    /// The first commit error so far (without waiting).
    func check() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Waits for every batch submitted so far; throws the first commit error.
    func drain() throws {
        queue.sync {}
        try check()
    }
}

/// Runs a `Scheduler` against the shared libcurl multi transport: sends what it says when it says, hands each
/// answer back, and commits the item changes it reports in small transactions within ~50 ms. All decisions are
/// the scheduler's and happen on this job's own thread; the transport's completions are handed over through an
/// inbox, so nothing here needs a lock but the inbox.
final class EngineDriver<P: Pipeline> {
    enum Outcome: Equatable {
        /// Every item is done or skipped.
        case finished
        /// A user cancelled: what finished so far is kept.
        case cancelled
        /// The server is stopping: the job resumes at the next start.
        case interrupted
        /// A failure no retry can fix (bad key, no balance): the remaining items were skipped with it.
        case aborted(TeacherFailure)
        /// The first items all failed the same way (fail fast): the rest were skipped unsent; the text says why.
        case stoppedEarly(String)
    }

    struct Hooks {
        /// The job's cancel flag (read at most every 250 ms).
        var isCancelRequested: () -> Bool
        /// The server is stopping (also renews the job's lease; throws when it was lost).
        var heartbeat: () throws -> Void
        /// Commits a batch of item changes in one transaction.
        var commit: ([Scheduler<P>.Event]) throws -> Void
        /// Looks at the changes before they are committed, on the job's thread: may complete them (generation's ledger
        /// gives every returned item its verdict) and returns items to add at once (its top-ups).
        var review: (inout [Scheduler<P>.Event]) -> [P.Item] = { _ in [] }
    }

    static var flushIntervalMs: Int64 { 50 }
    static var flushBatchSize: Int { 256 }
    /// Answers handled between two refills within a burst.
    static var refillEvery: Int { 32 }

    let scheduler: Scheduler<P>
    let connections: [EndpointConnection]
    let transport: TeacherTransport
    let hooks: Hooks
    let live: LiveSynthesisProgress
    private let inbox = CompletionInbox()
    private var transfers: [Int: TransferID] = [:]
    private var pending: [Scheduler<P>.Event] = []
    private lazy var committer = BatchCommitter<[Scheduler<P>.Event]>(hooks.commit)
    private var lastFlush: Int64 = 0
    private var lastCancelCheck: Int64 = 0
    private var stopping: Outcome?

    init(scheduler: Scheduler<P>, connections: [EndpointConnection], transport: TeacherTransport, hooks: Hooks, live: LiveSynthesisProgress) {
        self.scheduler = scheduler
        self.connections = connections
        self.transport = transport
        self.hooks = hooks
        self.live = live
    }

    static func nowMs() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000) }

    static func unixNowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    func run() throws -> Outcome {
        live.update { $0.startedAtMs = Self.nowMs() }
        lastFlush = Self.nowMs()
        while true {
            // A review of the last changes may still add items (top-ups): the job is done when it adds none.
            if scheduler.isIdle && !collect() { break }
            let now = Self.nowMs()
            checkStop(now: now)
            // Answers just handled free slots: their successors go out before anything is committed.
            let next = sendWhatIsDue(now: now)
            live.update {
                $0.inFlight = self.scheduler.inFlightCount
                $0.pausedUntilMs = self.scheduler.pausedUntilMs
            }
            // Top-ups of calls just reviewed go out now, not after the next wait.
            if collect() { continue }
            if Self.nowMs() - lastFlush >= Self.flushIntervalMs || pending.count >= Self.flushBatchSize { try flush() }
            if scheduler.isIdle { break }
            var wakeAt = lastFlush + Self.flushIntervalMs
            if let next { wakeAt = min(wakeAt, next) }
            // A burst of answers (hundreds at once at high concurrency) frees slots a few at a time: refill them as
            // it is worked through rather than after the whole burst.
            for (count, (ticket, result)) in waitForCompletions(until: wakeAt).enumerated() {
                handle(ticket, result)
                if count % Self.refillEvery == Self.refillEvery - 1 { _ = sendWhatIsDue(now: Self.nowMs()) }
            }
        }
        try flush()
        try committer.drain()
        if let stopping { return stopping }
        switch scheduler.outcome {
        case .finished: return .finished
        case .aborted(let failure): return .aborted(failure)
        case .stoppedEarly(let reason): return .stoppedEarly(reason)
        }
    }

    /// Sends what the scheduler says is due, cancels what it dropped; returns when pacing or a retry is next due.
    private func sendWhatIsDue(now: Int64) -> Int64? {
        let (sends, cancels, next) = scheduler.poll(now: now)
        for ticket in cancels { if let transfer = transfers.removeValue(forKey: ticket) { transport.cancel(transfer) } }
        for dispatch in sends { send(dispatch) }
        return next
    }

    // MARK: Stopping

    private func checkStop(now: Int64) {
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
        for ticket in scheduler.stop() { if let transfer = transfers[ticket] { transport.cancel(transfer) } }
    }

    // MARK: Sending and receiving

    private func send(_ dispatch: Scheduler<P>.Dispatch) {
        let connection = connections[dispatch.endpoint]
        let body = Array(dispatch.request.jsonBody(capabilities: scheduler.endpoints[dispatch.endpoint].capabilities).utf8)
        var request = TeacherHTTPRequest(
            url: connection.chatCompletionsURL, method: "POST", headers: [("Content-Type", "application/json")], body: body,
            timeoutSeconds: connection.timeoutSeconds)
        if let key = connection.key { request.secretHeaders = [TeacherSecretHeader(secret: key)] }
        let inbox = self.inbox
        let ticket = dispatch.ticket
        // Completions run on the transport's loop thread: hand over and return at once.
        transfers[ticket] = transport.submit(request) { result in inbox.post(ticket, result) }
    }

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

    private func handle(_ ticket: Int, _ result: Result<TeacherHTTPResponse, TeacherTransportError>) {
        transfers[ticket] = nil
        let now = Self.nowMs()
        switch result {
        case .failure(.cancelled):
            scheduler.complete(ticket, .cancelled, now: now)
        case .failure(let error):
            scheduler.complete(ticket, .failure(TeacherFailure.transport(Self.transportFailure(error))), now: now)
        case .success(let response):
            let unixNow = Self.unixNowMs()
            let snapshot = RateLimitHeaders.parse(response.headers, nowUnixMs: unixNow)
            if let endpoint = scheduler.endpoint(ofTicket: ticket) {
                scheduler.observe(endpoint: endpoint, snapshot, now: now)
                if response.status == 429 { scheduler.rateLimited(endpoint: endpoint, snapshot, now: now) }
            }
            switch ChatCompletionParser.classify(status: response.status, headers: response.headers, body: response.body, nowUnixMs: unixNow) {
            case .failure(let failure): scheduler.complete(ticket, .failure(failure), now: now)
            case .success(let answer): scheduler.complete(ticket, .answer(answer), now: now)
            }
        }
    }

    // MARK: Committing

    /// Moves the scheduler's changes, reviewed, to the next commit and to the live progress; true when the review
    /// added items (their requests are due now).
    @discardableResult
    private func collect() -> Bool {
        var events = scheduler.drainEvents()
        guard !events.isEmpty else { return false }
        let followUps = hooks.review(&events)
        // Nothing new is sent once the job stops (cancel, shutdown, a fatal failure).
        let adding = stopping == nil && scheduler.outcome == .finished ? followUps : []
        for item in adding { scheduler.addFollowUp(item) }
        let now = Self.nowMs()
        var written = 0
        var skipped = 0
        var retries = 0
        for event in events {
            switch event {
            case .finished: written += 1
            case .skipped: skipped += 1
            case .retrying: retries += 1
            case .started, .added, .usage, .answered: break
            }
        }
        if written + skipped + retries > 0 {
            live.update {
                $0.written += written
                $0.skipped += skipped
                $0.retries += retries
                if written + skipped > 0 { $0.meter.record(atMs: now, count: written + skipped) }
            }
        }
        pending += events
        return !adding.isEmpty
    }

    private func flush() throws {
        lastFlush = Self.nowMs()
        try committer.check()
        guard !pending.isEmpty else { return }
        committer.submit(pending)
        pending.removeAll(keepingCapacity: true)
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
