/// What to do after a failed attempt.
public enum RetryDecision: Sendable, Equatable {
    /// Try again after this many milliseconds.
    case retry(afterMs: Int64)
    /// Stop: the failure is final, or the attempts are used up.
    case giveUp
}

/// Exponential backoff with full jitter (delay uniformly random in [0, min(cap, base·2^(attempt-1))]),
/// which spreads retries of many seeds apart instead of synchronising them.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts per seed, the first one included.
    public var maxAttempts: Int
    public var baseDelayMs: Int64
    public var maxDelayMs: Int64

    public init(maxAttempts: Int = 5, baseDelayMs: Int64 = 500, maxDelayMs: Int64 = 30_000) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelayMs = max(0, baseDelayMs)
        self.maxDelayMs = max(self.baseDelayMs, maxDelayMs)
    }

    /// The upper bound of the jitter window after attempt number `attempt` (1-based).
    public func backoffCeilingMs(afterAttempt attempt: Int) -> Int64 {
        let doublings = min(max(0, attempt - 1), 40)
        let (scaled, overflow) = baseDelayMs.multipliedReportingOverflow(by: Int64(1) << doublings)
        return overflow ? maxDelayMs : min(maxDelayMs, scaled)
    }

    public func backoffMs(afterAttempt attempt: Int, using random: inout some RandomNumberGenerator) -> Int64 {
        let ceiling = backoffCeilingMs(afterAttempt: attempt)
        return ceiling == 0 ? 0 : Int64.random(in: 0...ceiling, using: &random)
    }

    /// After `attempts` attempts (the failed one included): retry with a jittered delay, never shorter than
    /// the response's Retry-After, or give up.
    public func decide(
        _ failure: TeacherFailure, attempts: Int, using random: inout some RandomNumberGenerator
    ) -> RetryDecision {
        guard failure.failureClass.isRetryable, attempts < maxAttempts else { return .giveUp }
        let delay = backoffMs(afterAttempt: attempts, using: &random)
        return .retry(afterMs: max(delay, failure.retryAfterMs ?? 0))
    }
}

/// A small deterministic generator (SplitMix64) for tests and reproducible shuffles; production code can
/// pass `SystemRandomNumberGenerator`.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
