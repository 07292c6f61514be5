import DistilleryCore
import Testing

struct SynthesisPreflightTests {
    static let list = Array(#"{"object":"list","data":[{"id":"deepseek-chat","object":"model"},{"id":"deepseek-reasoner"}]}"#.utf8)

    @Test(arguments: [
        (200, "deepseek-chat", true, nil as String?),
        (200, "deepseek-v9", true, "unknown_model"),
        (200, "anything", false, nil),
        (401, "deepseek-chat", true, "unauthorized"),
        (404, "deepseek-chat", true, "not_found"),
        (503, "deepseek-chat", true, "server_error"),
    ])
    func preflightOutcomes(status: Int, model: String, requireListed: Bool, code: String?) {
        let failure = PreflightCheck.evaluate(status: status, body: Self.list, model: model, requireModelListed: requireListed)
        #expect(failure?.code == code)
    }

    @Test func unknownModelMessageListsWhatIsThere() throws {
        let failure = try #require(PreflightCheck.evaluate(status: 200, body: Self.list, model: "r2", requireModelListed: true))
        #expect(failure.message.hasSuffix("The provider does not list the model \"r2\"; it lists: deepseek-chat, deepseek-reasoner."))
        // The server answered 200: no status code may be blamed.
        #expect(!failure.message.contains("HTTP"), "\(failure.message)")
        #expect(failure.httpStatus == nil)
    }

    @Test(arguments: [
        (FailureClass.unknownModel, nil as Int?, false, "model"),
        (.unknownModel, nil, true, "custom_model"),
        (.notFound, 404, true, "base_url"),
        (.notFound, 404, false, "provider"),
        (.unauthorized, 401, true, "api_key"),
        (.connection, nil, true, "base_url"),
    ])
    func eachFailureIsShownNextToOneField(failureClass: FailureClass, status: Int?, selfHosted: Bool, field: String) {
        #expect(PreflightCheck.field(for: TeacherFailure(failureClass, httpStatus: status), selfHosted: selfHosted) == field)
    }

    @Test func theTimingRequestAsksForOneToken() throws {
        let body = PreflightCheck.timingRequest(model: "smol").jsonBody(capabilities: TeacherCapabilities(supportsN: false, supportsSeed: true, returnsReasoning: false))
        let json = try SynthesisJSON.parse(Array(body.utf8))
        #expect(json["max_tokens"]?.intValue == 1)
        #expect(json["model"]?.stringValue == "smol")
        #expect(PreflightCheck.evaluateTiming(status: 200, body: Array(#"{"choices":[{"message":{"content":"Hi"},"finish_reason":"length"}]}"#.utf8)) == nil)
        #expect(PreflightCheck.evaluateTiming(status: 200, body: Array("<html>".utf8))?.code == "malformed_response")
        #expect(PreflightCheck.evaluateTiming(status: 500, body: [])?.code == "server_error")
    }

    @Test func modelListsInTheShapesServersUse() {
        #expect(PreflightCheck.modelIDs(Self.list) == ["deepseek-chat", "deepseek-reasoner"])
        #expect(PreflightCheck.modelIDs(Array(#"{"models":[{"name":"llama3:8b","model":"llama3:8b"}]}"#.utf8)) == ["llama3:8b"])
        #expect(PreflightCheck.modelIDs(Array("<html>not found</html>".utf8)) == nil)
        #expect(PreflightCheck.evaluate(status: 200, body: Array("<html>".utf8), model: "m", requireModelListed: false)?.code == "malformed_response")
    }

    @Test func classifyTurnsAnHTTPOutcomeIntoAResultOrFailure() throws {
        let now: Int64 = 1_000_000
        let limited = ChatCompletionParser.classify(
            status: 429, headers: HTTPHeaders([("Retry-After", "3")]), body: Array("{\"error\":{\"message\":\"slow down\"}}".utf8),
            nowUnixMs: now)
        guard case .failure(let failure) = limited else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.failureClass == .rateLimited)
        #expect(failure.retryAfterMs == 3_000)
        #expect(failure.message.contains("slow down"))
        let ok = ChatCompletionParser.classify(
            status: 200, headers: HTTPHeaders(),
            body: Array(#"{"choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]}"#.utf8), nowUnixMs: now)
        #expect(try ok.get().candidates.first?.content == "hi")
    }

    @Test func a429WithoutRetryAfterStillPausesTheJob() {
        var pacer = RequestPacer(.init(requestsPerMinute: 600, defaultRateLimitPauseMs: 1_500))
        pacer.rateLimited(receivedAtMs: 10_000, snapshot: RateLimitSnapshot())
        #expect(pacer.earliestStart(nowMs: 10_000) == 11_500)
        pacer.rateLimited(receivedAtMs: 10_100, snapshot: RateLimitSnapshot(retryAfterMs: 4_000))
        #expect(pacer.earliestStart(nowMs: 10_100) == 14_100)
    }

    @Test func judgeRequestIsDeterministicAndCarriesBothPrompts() {
        var random = SeededRandom(seed: 1)
        let prompt = JudgePrompt(skillPrompt: "S", seed: "Q", candidates: ["a", "b", "c"], using: &random)
        let request = prompt.request(model: "deepseek-chat")
        #expect(request.sampling.temperature == 0)
        #expect(request.systemPrompt == prompt.systemPrompt)
        #expect(request.userPrompt == prompt.userPrompt)
        #expect(request.candidateCount == 1)
    }
}
