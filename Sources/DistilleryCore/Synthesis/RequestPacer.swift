/// Whether a request may go now, or when it may.
public enum PacingDecision: Sendable, Equatable {
    case startNow
    case waitUntil(Int64)
}

/// Paces teacher requests ahead of time so a declared limit is never exceeded (rather than provoking 429s
/// and backing off). A generic cell-rate algorithm: each request (and each estimated token) advances a
/// theoretical arrival time; a request may start once that time, less a small burst allowance, has come.
/// A job-wide pause (a 429's Retry-After, or an exhausted allowance in the headers) holds every request,
/// then releases them one interval apart instead of all at once.
///
/// Times are milliseconds on any monotonic clock the caller chooses; the pacer never reads a clock.
public struct RequestPacer: Sendable, Equatable {
    /// Limits as declared by the user (or the provider's documented tier).
    public struct Configuration: Sendable, Equatable {
        /// Nil: no request limit (only pauses apply).
        public var requestsPerMinute: Int?
        /// Nil: no token limit.
        public var tokensPerMinute: Int?
        /// Requests that may start back to back before the steady spacing applies (at least 1).
        public var burst: Int
        /// After a pause with no requests-per-minute configured, the rate used to release the backlog
        /// (unless the headers reported a limit) for `recoveryWindowMs`.
        public var recoveryRequestsPerMinute: Int
        public var recoveryWindowMs: Int64
        /// How long a 429 without `Retry-After` (or reset headers) holds the job.
        public var defaultRateLimitPauseMs: Int64

        public init(
            requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, burst: Int = 1,
            recoveryRequestsPerMinute: Int = 120, recoveryWindowMs: Int64 = 60_000, defaultRateLimitPauseMs: Int64 = 1_000
        ) {
            self.defaultRateLimitPauseMs = max(0, defaultRateLimitPauseMs)
            self.requestsPerMinute = requestsPerMinute.flatMap { $0 > 0 ? $0 : nil }
            self.tokensPerMinute = tokensPerMinute.flatMap { $0 > 0 ? $0 : nil }
            self.burst = max(1, burst)
            self.recoveryRequestsPerMinute = max(1, recoveryRequestsPerMinute)
            self.recoveryWindowMs = max(0, recoveryWindowMs)
        }
    }

    public let configuration: Configuration
    /// Sending is held until this time (job-wide).
    public private(set) var pausedUntilMs: Int64?
    private var requestArrival: Double = -.infinity
    private var tokenArrival: Double = -.infinity
    private var recoveryArrival: Double = -.infinity
    private var recoveryUntilMs: Int64 = .min
    private var recoveryIntervalMs: Double = 0
    /// The request limit the provider reported in `x-ratelimit-limit-requests`, used for recovery.
    private var reportedRequestLimit: Int?

    public init(_ configuration: Configuration) { self.configuration = configuration }

    var requestIntervalMs: Double? { configuration.requestsPerMinute.map { 60_000 / Double($0) } }
    var tokenIntervalMs: Double? { configuration.tokensPerMinute.map { 60_000 / Double($0) } }
    var burstToleranceMs: Double { Double(configuration.burst - 1) * (requestIntervalMs ?? 0) }

    /// The earliest time the next request may start. Tokens are paid after the start (a request's
    /// estimate delays the ones after it), so this needs no token count.
    public func earliestStart(nowMs: Int64) -> Int64 {
        var earliest = Double(nowMs)
        if let pausedUntilMs { earliest = max(earliest, Double(pausedUntilMs)) }
        if requestIntervalMs != nil { earliest = max(earliest, requestArrival - burstToleranceMs) }
        if tokenIntervalMs != nil { earliest = max(earliest, tokenArrival) }
        if nowMs < recoveryUntilMs { earliest = max(earliest, recoveryArrival) }
        return Int64(earliest.rounded(.up))
    }

    /// Starts the request now if pacing allows (recording it), or says when to try again.
    /// `estimatedTokens`: prompt plus max new tokens, corrected later with `adjustTokens(by:)`.
    public mutating func tryStart(nowMs: Int64, estimatedTokens: Int = 0) -> PacingDecision {
        let earliest = earliestStart(nowMs: nowMs)
        guard earliest <= nowMs else { return .waitUntil(earliest) }
        recordStart(atMs: nowMs, estimatedTokens: estimatedTokens)
        return .startNow
    }

    /// Records a request that started at `atMs` (use `tryStart` unless the start was decided elsewhere).
    public mutating func recordStart(atMs: Int64, estimatedTokens: Int = 0) {
        let now = Double(atMs)
        if let interval = requestIntervalMs { requestArrival = max(requestArrival, now) + interval }
        if let interval = tokenIntervalMs {
            tokenArrival = max(tokenArrival, now) + Double(max(0, estimatedTokens)) * interval
        }
        if atMs < recoveryUntilMs { recoveryArrival = max(recoveryArrival, now) + recoveryIntervalMs }
        if let pausedUntilMs, atMs >= pausedUntilMs { self.pausedUntilMs = nil }
    }

    /// Corrects the token account once the real usage is known (`actual - estimated`, may be negative).
    public mutating func adjustTokens(by delta: Int) {
        guard let interval = tokenIntervalMs, tokenArrival.isFinite else { return }
        tokenArrival += Double(delta) * interval
    }

    /// Holds every request until `untilMs`, then releases them one interval apart: the configured rate,
    /// or (with none configured) the provider's reported limit or the recovery rate.
    public mutating func pause(untilMs: Int64) {
        let until = max(untilMs, pausedUntilMs ?? .min)
        pausedUntilMs = until
        let start = Double(until)
        if requestIntervalMs != nil {
            // Arrival = until + tolerance lets exactly one request through at `until`.
            requestArrival = max(requestArrival, start + burstToleranceMs)
        } else {
            let rate = reportedRequestLimit ?? configuration.recoveryRequestsPerMinute
            recoveryIntervalMs = 60_000 / Double(max(1, rate))
            recoveryArrival = max(recoveryArrival, start)
            recoveryUntilMs = until + configuration.recoveryWindowMs
        }
        if tokenIntervalMs != nil { tokenArrival = max(tokenArrival, start) }
    }

    /// Applies what a response's headers said: pauses the job when `Retry-After` is present or an
    /// allowance is exhausted, and remembers a reported request limit for recovery pacing.
    public mutating func observe(_ snapshot: RateLimitSnapshot, receivedAtMs: Int64) {
        if let limit = snapshot.limitRequests, limit > 0 { reportedRequestLimit = limit }
        if let pause = snapshot.pauseMs, pause > 0 { self.pause(untilMs: receivedAtMs + pause) }
    }

    /// A 429 arrived: the whole job waits for `Retry-After` (or the reset headers, or the default pause).
    public mutating func rateLimited(receivedAtMs: Int64, snapshot: RateLimitSnapshot) {
        if let limit = snapshot.limitRequests, limit > 0 { reportedRequestLimit = limit }
        pause(untilMs: receivedAtMs + max(1, snapshot.pauseMs ?? configuration.defaultRateLimitPauseMs))
    }

    /// The steady request rate in force (requests per minute), if any.
    public func effectiveRequestsPerMinute(nowMs: Int64) -> Double? {
        if let rpm = configuration.requestsPerMinute { return Double(rpm) }
        if nowMs < recoveryUntilMs, recoveryIntervalMs > 0 { return 60_000 / recoveryIntervalMs }
        return nil
    }
}
