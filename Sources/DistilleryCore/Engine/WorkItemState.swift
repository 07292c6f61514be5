/// Where one work item stands (stored per item in SQLite; a synthesis item is a seed, hence the name).
public enum SeedStatus: String, Sendable, Equatable, CaseIterable {
    case pending
    case inFlight = "in_flight"
    case done
    case skipped

    public var isFinal: Bool { self == .done || self == .skipped }
}

/// A transition the state machine refuses, e.g. sending a seed that is already done.
public struct SeedTransitionError: Error, Equatable, Sendable, CustomStringConvertible {
    public var from: SeedStatus
    public var event: String
    public var description: String { "cannot \(event) a seed that is \(from.rawValue)" }
}

/// One work item's progress: the state machine the engine (`Scheduler`) runs. Legal moves:
/// pending → inFlight (start: its first request goes out) → done (finish) | skipped (skip or a failure not retried);
/// inFlight → inFlight (another request of the item: a parallel candidate call, the next stage, a retry);
/// pending → skipped (job aborted, fail-fast). done and skipped are final.
/// An item stays in flight while a failed request waits for its retry: the item is still being worked on, and
/// a restart loads it as pending again (`resumed`), keeping the attempts, failures and raised limits it spent.
public struct WorkItemState: Sendable, Equatable {
    public private(set) var status: SeedStatus
    /// Requests sent for this item, every stage and retry included.
    public private(set) var attempts: Int
    /// Failed requests per stage (the retry cap applies to each stage on its own).
    public private(set) var failures: [Int]
    /// The last failure per stage (a retry after a content failure varies its request).
    public private(set) var lastFailures: [FailureClass?]
    public private(set) var lastFailure: FailureClass?
    public private(set) var lastMessage: String?
    public private(set) var tokensIn: Int
    public private(set) var tokensOut: Int
    public private(set) var costUSD: Double
    public private(set) var latencyMs: Int64

    public init(
        status: SeedStatus = .pending, attempts: Int = 0, stages: Int = 2, tokensIn: Int = 0, tokensOut: Int = 0, costUSD: Double = 0
    ) {
        self.status = status
        self.attempts = attempts
        failures = Array(repeating: 0, count: max(1, stages))
        lastFailures = Array(repeating: nil, count: max(1, stages))
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costUSD
        latencyMs = 0
    }

    /// An unfinished item loaded after a restart: pending again, with what it spent before.
    public static func resumed(
        attempts: Int, failures: [Int], lastFailure: FailureClass?, lastFailureStage: Int, tokensIn: Int, tokensOut: Int, costUSD: Double
    ) -> WorkItemState {
        var state = WorkItemState(attempts: attempts, stages: failures.count, tokensIn: tokensIn, tokensOut: tokensOut, costUSD: costUSD)
        state.failures = failures
        if let lastFailure, state.lastFailures.indices.contains(lastFailureStage) {
            state.lastFailures[lastFailureStage] = lastFailure
            state.lastFailure = lastFailure
        }
        return state
    }

    private func require(_ expected: SeedStatus..., event: String) throws(SeedTransitionError) {
        guard expected.contains(status) else { throw SeedTransitionError(from: status, event: event) }
    }

    /// pending → inFlight; counts an attempt.
    public mutating func start() throws(SeedTransitionError) {
        try require(.pending, event: "start")
        status = .inFlight
        attempts += 1
    }

    /// Another request of an item already in flight; counts an attempt.
    public mutating func sendAnother() throws(SeedTransitionError) {
        try require(.inFlight, event: "send another request of")
        attempts += 1
    }

    /// Adds a call's usage (every call costs, including failed and judge calls).
    public mutating func addUsage(tokensIn: Int, tokensOut: Int, costUSD: Double) {
        self.tokensIn += tokensIn
        self.tokensOut += tokensOut
        self.costUSD += costUSD
    }

    /// inFlight → done.
    public mutating func finish(latencyMs: Int64) throws(SeedTransitionError) {
        try require(.inFlight, event: "finish")
        status = .done
        self.latencyMs = latencyMs
    }

    /// A request of `stage` failed: records it, and either keeps the item in flight for a retry (the policy's
    /// delay) or skips it (a final failure, or the stage's attempts used up), reporting `giveUpReason` (the
    /// failure itself unless the caller knows better, e.g. the limits a truncated answer tried).
    @discardableResult
    public mutating func fail(
        _ failure: TeacherFailure, stage: Int = 0, policy: RetryPolicy, giveUpReason: TeacherFailure? = nil,
        using random: inout some RandomNumberGenerator
    ) throws(SeedTransitionError) -> RetryDecision {
        try require(.inFlight, event: "fail")
        let stage = min(max(0, stage), failures.count - 1)
        failures[stage] += 1
        lastFailures[stage] = failure.failureClass
        lastFailure = failure.failureClass
        lastMessage = failure.message
        let decision = policy.decide(failure, attempts: failures[stage], using: &random)
        if decision == .giveUp {
            status = .skipped
            if let giveUpReason { lastFailure = giveUpReason.failureClass; lastMessage = giveUpReason.message }
        }
        return decision
    }

    /// pending or inFlight → skipped with a reason (abort, fail-fast, an exhausted token limit).
    public mutating func skip(_ failure: TeacherFailure) throws(SeedTransitionError) {
        try require(.pending, .inFlight, event: "skip")
        lastFailure = failure.failureClass
        lastMessage = failure.message
        status = .skipped
    }
}
