/// Where one seed stands in a synthesis job (stored per seed in SQLite).
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

/// One seed's progress. Legal moves:
/// pending → inFlight (start) → done (finish) | pending (retry) | skipped (skip);
/// pending → skipped (job cancelled or aborted); inFlight → pending (restart recovery, not an attempt lost).
/// done and skipped are final.
public struct SeedState: Sendable, Equatable {
    public private(set) var status: SeedStatus
    /// Attempts started, the current one included.
    public private(set) var attempts: Int
    public private(set) var lastFailure: FailureClass?
    public private(set) var lastMessage: String?
    public private(set) var tokensIn: Int
    public private(set) var tokensOut: Int
    public private(set) var costUSD: Double
    public private(set) var latencyMs: Int64

    public init(
        status: SeedStatus = .pending, attempts: Int = 0, lastFailure: FailureClass? = nil, lastMessage: String? = nil,
        tokensIn: Int = 0, tokensOut: Int = 0, costUSD: Double = 0, latencyMs: Int64 = 0
    ) {
        self.status = status
        self.attempts = attempts
        self.lastFailure = lastFailure
        self.lastMessage = lastMessage
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costUSD
        self.latencyMs = latencyMs
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

    /// inFlight → pending (retryable failure, attempts left) or skipped (final failure or attempts used up),
    /// recording the failure either way. Returns the new status.
    @discardableResult
    public mutating func fail(_ failure: TeacherFailure, policy: RetryPolicy) throws(SeedTransitionError) -> SeedStatus {
        try require(.inFlight, event: "fail")
        lastFailure = failure.failureClass
        lastMessage = failure.message
        status = failure.failureClass.isRetryable && attempts < policy.maxAttempts ? .pending : .skipped
        return status
    }

    /// pending or inFlight → skipped with a reason (cancel, abort).
    public mutating func skip(_ failure: TeacherFailure) throws(SeedTransitionError) {
        try require(.pending, .inFlight, event: "skip")
        lastFailure = failure.failureClass
        lastMessage = failure.message
        status = .skipped
    }

    /// inFlight → pending after a restart: the answer never arrived, so the attempt is given back.
    public mutating func recoverAfterRestart() throws(SeedTransitionError) {
        try require(.inFlight, event: "recover")
        status = .pending
        attempts = max(0, attempts - 1)
    }
}
