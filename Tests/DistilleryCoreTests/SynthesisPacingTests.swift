import DistilleryCore
import Testing

struct SynthesisPacingTests {
    /// Drives the pacer like an event loop with unlimited concurrency: start whenever allowed.
    static func startTimes(_ pacer: inout RequestPacer, count: Int, from start: Int64 = 0, tokens: Int = 0) -> [Int64] {
        var now = start
        var times: [Int64] = []
        while times.count < count {
            switch pacer.tryStart(nowMs: now, estimatedTokens: tokens) {
            case .startNow: times.append(now)
            case .waitUntil(let t):
                #expect(t > now)
                now = t
            }
        }
        return times
    }

    @Test func requestsPerMinuteSpacesStartsEvenly() {
        var pacer = RequestPacer(.init(requestsPerMinute: 600))
        let times = Self.startTimes(&pacer, count: 5)
        #expect(times == [0, 100, 200, 300, 400])
    }

    @Test(arguments: [(600, 1_000), (120, 200), (6_000, 5_000)])
    func noSixtySecondWindowExceedsTheLimit(rpm: Int, count: Int) {
        var pacer = RequestPacer(.init(requestsPerMinute: rpm, burst: 3))
        let times = Self.startTimes(&pacer, count: count)
        var worst = 0
        var left = 0
        for right in times.indices {
            while times[right] - times[left] >= 60_000 { left += 1 }
            worst = max(worst, right - left + 1)
        }
        // The burst allowance adds at most burst-1 above the steady rate in any window.
        #expect(worst <= rpm + 2)
        let steadyEnd = times.last!
        #expect(steadyEnd >= Int64(count - 3) * 60_000 / Int64(rpm))
    }

    @Test func burstAllowanceIsSmallAndThenSteady() {
        var pacer = RequestPacer(.init(requestsPerMinute: 60, burst: 3))
        #expect(Self.startTimes(&pacer, count: 5) == [0, 0, 0, 1000, 2000])
    }

    @Test func tokensPerMinutePacesByEstimatedTokens() {
        var pacer = RequestPacer(.init(tokensPerMinute: 60_000))  // 1 token per ms
        #expect(Self.startTimes(&pacer, count: 3, tokens: 500) == [0, 500, 1000])
        pacer.adjustTokens(by: -250)  // the last call used 250 instead of 500
        #expect(pacer.earliestStart(nowMs: 1000) == 1250)
    }

    @Test func pauseHoldsEveryoneThenReleasesAtTheConfiguredRate() {
        var pacer = RequestPacer(.init(requestsPerMinute: 600, burst: 4))
        _ = Self.startTimes(&pacer, count: 4)
        pacer.pause(untilMs: 5_000)
        #expect(pacer.earliestStart(nowMs: 10) == 5_000)
        #expect(pacer.tryStart(nowMs: 4_999) == .waitUntil(5_000))
        // No stampede: despite the burst allowance, the backlog leaves one interval apart.
        #expect(Self.startTimes(&pacer, count: 4, from: 5_000) == [5_000, 5_100, 5_200, 5_300])
    }

    @Test func pauseWithoutAConfiguredRateUsesTheReportedLimitToRecover() {
        var pacer = RequestPacer(.init(recoveryRequestsPerMinute: 120, recoveryWindowMs: 10_000))
        #expect(Self.startTimes(&pacer, count: 3) == [0, 0, 0])
        pacer.observe(RateLimitSnapshot(limitRequests: 300, retryAfterMs: 2_000), receivedAtMs: 1_000)
        #expect(Self.startTimes(&pacer, count: 3, from: 1_500) == [3_000, 3_200, 3_400])
        #expect(pacer.effectiveRequestsPerMinute(nowMs: 3_500) == 300)
        // After the recovery window, unlimited again.
        #expect(Self.startTimes(&pacer, count: 2, from: 20_000) == [20_000, 20_000])
        #expect(pacer.effectiveRequestsPerMinute(nowMs: 20_000) == nil)
    }

    @Test func aLaterPauseNeverShortensAnEarlierOne() {
        var pacer = RequestPacer(.init(requestsPerMinute: 60))
        pacer.pause(untilMs: 9_000)
        pacer.pause(untilMs: 4_000)
        #expect(pacer.pausedUntilMs == 9_000)
        #expect(pacer.earliestStart(nowMs: 0) == 9_000)
    }

    @Test func exhaustedAllowanceInHeadersPausesUntilReset() {
        var pacer = RequestPacer(.init(requestsPerMinute: 600))
        pacer.observe(RateLimitSnapshot(limitRequests: 600, remainingRequests: 0, resetRequestsMs: 1_500), receivedAtMs: 100)
        #expect(pacer.earliestStart(nowMs: 100) == 1_600)
        pacer.observe(RateLimitSnapshot(limitRequests: 600, remainingRequests: 10, resetRequestsMs: 60_000), receivedAtMs: 200)
        #expect(pacer.earliestStart(nowMs: 200) == 1_600)
    }
}

struct SynthesisRateLimitHeaderTests {
    static let now: Int64 = 1_795_327_262_000  // 2026-11-22T06:01:02Z

    @Test(arguments: [
        ("1s", 1_000), ("6m0s", 360_000), ("20ms", 20), ("1m30.5s", 90_500), ("2h", 7_200_000), ("7.66s", 7_660),
        ("30", 30_000), ("0.5", 500), ("1795327272", 10_000), ("1795327272000", 10_000),
        ("Sun, 22 Nov 2026 06:01:12 GMT", 10_000), ("2026-11-22T06:01:12Z", 10_000), ("2026-11-22T07:01:12+01:00", 10_000),
        ("1795327000", 0),
    ] as [(String, Int64)])
    func resetValuesInEveryFormat(value: String, expectedMs: Int64) {
        #expect(RateLimitHeaders.resetDelay(value, nowUnixMs: Self.now) == expectedMs)
    }

    @Test(arguments: ["", "soon", "5 parsecs", "-1", "1x"])
    func unreadableResetValuesAreNil(value: String) {
        #expect(RateLimitHeaders.resetDelay(value, nowUnixMs: Self.now) == nil)
    }

    @Test(arguments: [
        ("120", 120_000), (" 2 ", 2_000), ("1.5", 1_500), ("Sun, 22 Nov 2026 06:01:32 GMT", 30_000),
        ("Sunday, 22-Nov-26 06:01:32 GMT", 30_000), ("Sun, 22 Nov 2026 06:00:00 GMT", 0),
    ] as [(String, Int64)])
    func retryAfterSecondsOrHTTPDate(value: String, expectedMs: Int64) {
        #expect(RateLimitHeaders.retryAfter(value, nowUnixMs: Self.now) == expectedMs)
    }

    @Test func openAIStyleHeaderSet() {
        let headers = HTTPHeaders([
            ("X-RateLimit-Limit-Requests", "600"), ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", "6m0s"), ("x-ratelimit-limit-tokens", "150000"),
            ("x-ratelimit-remaining-tokens", "149000"), ("x-ratelimit-reset-tokens", "400ms"), ("Retry-After", "2"),
        ])
        let snapshot = RateLimitHeaders.parse(headers, nowUnixMs: Self.now)
        #expect(snapshot == RateLimitSnapshot(
            limitRequests: 600, remainingRequests: 0, resetRequestsMs: 360_000, limitTokens: 150_000,
            remainingTokens: 149_000, resetTokensMs: 400, retryAfterMs: 2_000))
        #expect(snapshot.pauseMs == 360_000)
    }

    @Test func genericAndMillisecondHeaders() {
        let headers = HTTPHeaders([
            ("x-ratelimit-limit", "60, 60;w=60"), ("x-ratelimit-remaining", "59"), ("x-ratelimit-reset", "1795327272"),
            ("retry-after-ms", "250"), ("retry-after", "9"),
        ])
        let snapshot = RateLimitHeaders.parse(headers, nowUnixMs: Self.now)
        #expect(snapshot.limitRequests == 60)
        #expect(snapshot.remainingRequests == 59)
        #expect(snapshot.resetRequestsMs == 10_000)
        #expect(snapshot.retryAfterMs == 250)
        #expect(snapshot.pauseMs == 250)
        #expect(RateLimitHeaders.parse(HTTPHeaders(), nowUnixMs: Self.now).isEmpty)
    }
}
