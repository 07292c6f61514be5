import DistilleryCore
import Testing

struct SynthesisRetryTests {
    @Test(arguments: [
        (429, FailureClass.rateLimited, true), (500, .serverError, true), (502, .serverError, true),
        (503, .serverError, true), (408, .timeout, true), (400, .badRequest, false), (401, .unauthorized, false),
        (403, .unauthorized, false), (404, .notFound, false), (402, .insufficientBalance, false),
        (422, .badRequest, false),
    ])
    func httpStatusesClassify(status: Int, expected: FailureClass, retryable: Bool) {
        #expect(FailureClass.forHTTPStatus(status) == expected)
        #expect(expected.isRetryable == retryable)
    }

    @Test func successIsNotAFailure() {
        #expect(FailureClass.forHTTPStatus(200) == nil)
        #expect(FailureClass.forHTTPStatus(204) == nil)
    }

    @Test(arguments: [
        (FailureClass.timeout, true), (.connection, true), (.malformedBody, true), (.emptyAnswer, true),
        (.truncated, true), (.judgeUnparseable, true), (.cancelled, false),
    ])
    func nonHTTPClassesRetryability(failure: FailureClass, retryable: Bool) {
        #expect(failure.isRetryable == retryable)
    }

    @Test func codesAreStableUniqueAndRoundTrip() {
        let codes = FailureClass.allCases.map(\.code)
        #expect(Set(codes).count == codes.count)
        #expect(FailureClass.rateLimited.code == "rate_limited")
        #expect(FailureClass.truncated.code == "truncated_answer")
        for failure in FailureClass.allCases { #expect(FailureClass(code: failure.code) == failure) }
    }

    /// The heuristic second line: key-shaped words go even when the transport did not know them.
    @Test func providerMessagesAreKeptButKeyShapedWordsAreNot() {
        let key = "sk-live-1234567890abcdefXYZ"
        let body = Array("{\"error\":{\"message\":\"Incorrect API key provided: \(key). Another: ab12cd34ef56gh78ij90kl\"}}".utf8)
        let failure = TeacherFailure.http(status: 401, body: body)
        #expect(failure.failureClass == .unauthorized)
        #expect(failure.httpStatus == 401)
        #expect(failure.message.hasPrefix("The teacher rejected the API key (HTTP 401/403)."))
        #expect(failure.message.contains("Incorrect API key provided: [redacted]"))
        #expect(!failure.message.contains(key))
        #expect(!failure.message.contains("ab12cd34ef56gh78ij90kl"))
        let transport = TeacherFailure.transport(.connection("Could not resolve host: api.example.com"))
        #expect(transport.code == "connection_failed")
        #expect(transport.message.contains("Could not resolve host: api.example.com"))
    }

    @Test(arguments: [(1, 500), (2, 1_000), (3, 2_000), (6, 16_000), (7, 30_000), (60, 30_000)] as [(Int, Int64)])
    func backoffCeilingDoublesUpToTheCap(attempt: Int, ceiling: Int64) {
        #expect(RetryPolicy(maxAttempts: 100, baseDelayMs: 500, maxDelayMs: 30_000).backoffCeilingMs(afterAttempt: attempt) == ceiling)
    }

    @Test func fullJitterStaysInTheWindowAndSpreads() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 8_000)
        var random = SeededRandom(seed: 7)
        let delays = (0..<500).map { _ in policy.backoffMs(afterAttempt: 3, using: &random) }
        #expect(delays.allSatisfy { (0...4_000).contains($0) })
        #expect(Set(delays).count > 400)
        #expect(delays.min()! < 400 && delays.max()! > 3_600)
    }

    @Test func decisionsFollowClassAttemptsAndRetryAfter() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000)
        var random = SeededRandom(seed: 1)
        #expect(policy.decide(TeacherFailure(.badRequest), attempts: 1, using: &random) == .giveUp)
        #expect(policy.decide(TeacherFailure(.serverError), attempts: 3, using: &random) == .giveUp)
        guard case .retry(let delay) = policy.decide(TeacherFailure(.serverError), attempts: 1, using: &random) else {
            Issue.record("expected a retry")
            return
        }
        #expect((0...100).contains(delay))
        let limited = TeacherFailure(.rateLimited, retryAfterMs: 5_000)
        #expect(policy.decide(limited, attempts: 2, using: &random) == .retry(afterMs: 5_000))
    }

    @Test func seededRandomIsDeterministic() {
        var a = SeededRandom(seed: 42)
        var b = SeededRandom(seed: 42)
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
    }
}
