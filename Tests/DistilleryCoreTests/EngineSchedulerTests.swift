import DistilleryCore
import Testing

/// A small two-stage pipeline for the scheduler's tests: stage 0 answers an item on endpoint 0; a judged item
/// then asks stage 1 (priority, on `judgeEndpoint`); an item may add follow-ups (top-up).
struct TwoStagePipeline: Pipeline {
    struct Item: Equatable {
        var name: String
        var judged = false
        var followUps = 0
    }

    struct Progress {
        var answer: String?
        var verdict: String?
    }

    var judgeEndpoint = 0
    var stageCount: Int { 2 }
    var vocabulary: PipelineVocabulary { PipelineVocabulary(items: "items", outputs: "answers", finished: "answered") }

    func begin(_ item: Item) -> Progress { Progress() }

    func next(_ item: Item, _ progress: Progress) -> PipelineStep<String, Item> {
        guard let answer = progress.answer else {
            return .send([StageRequest(endpoint: 0, stage: 0, request: request(item.name, maxTokens: 100))])
        }
        if item.judged && progress.verdict == nil {
            return .send([StageRequest(
                endpoint: judgeEndpoint, stage: 1, request: request("judge \(item.name)", maxTokens: 50), expectsJSON: true, priority: true)])
        }
        let more = item.followUps > 0 ? [Item(name: item.name + "+", followUps: item.followUps - 1)] : []
        return .finish([answer], followUps: more)
    }

    func request(_ text: String, maxTokens: Int) -> ChatCompletionRequest {
        ChatCompletionRequest(model: "m", systemPrompt: nil, userPrompt: text, sampling: SamplingSettings(temperature: 0, maxNewTokens: maxTokens))
    }

    func accept(_ answer: ChatCompletionResult, usage: RequestUsage, to request: StageRequest, item: Item, progress: inout Progress) -> TeacherFailure? {
        guard let first = answer.candidates.first else { return TeacherFailure(.malformedBody) }
        switch AnswerExtraction.finalAnswer(first, mode: .answerOnly) {
        case .failure(let failure): return failure
        case .success(let text):
            if request.stage == 0 { progress.answer = text } else { progress.verdict = text }
            return nil
        }
    }

    func ladder(for request: StageRequest, item: Item) -> TokenLimitLadder {
        TokenLimitLadder(initial: request.stage == 0 ? 100 : 50, userCap: 400, contextWindow: 0, promptTokens: 0)
    }
}

/// Drives a scheduler with a clock the test moves by hand.
final class SchedulerHarness {
    typealias S = Scheduler<TwoStagePipeline>
    let scheduler: S
    var now: Int64 = 0
    /// Every request sent, in order: (ticket, endpoint, user text, max_tokens, temperature).
    var sent: [(ticket: Int, endpoint: Int, text: String, maxTokens: Int?, temperature: Double?)] = []
    var cancelled: [Int] = []
    var events: [S.Event] = []
    var lastWake: Int64?

    init(
        items: [TwoStagePipeline.Item], endpoints: [EngineEndpoint] = [SchedulerHarness.endpoint()], judgeEndpoint: Int = 0,
        maxAttempts: Int = 3, failFastWindow: Int = 5
    ) {
        scheduler = Scheduler(
            pipeline: TwoStagePipeline(judgeEndpoint: judgeEndpoint), endpoints: endpoints,
            retryPolicy: RetryPolicy(maxAttempts: maxAttempts, baseDelayMs: 500, maxDelayMs: 30_000),
            failFast: FailFastRule(window: failFastWindow), random: SeededRandom(seed: 7))
        for (index, item) in items.enumerated() { scheduler.add(key: Int64(index), item: item) }
    }

    static func endpoint(inFlight: Int = 100, rpm: Int? = nil) -> EngineEndpoint {
        EngineEndpoint(
            capabilities: TeacherCapabilities(supportsN: false, supportsSeed: true, returnsReasoning: false), maxInFlight: inFlight,
            pacing: RequestPacer.Configuration(requestsPerMinute: rpm))
    }

    /// Polls at the current time; returns the user texts sent.
    @discardableResult
    func poll() -> [String] {
        let result = scheduler.poll(now: now)
        lastWake = result.wakeAt
        cancelled += result.cancel
        for dispatch in result.send {
            sent.append((dispatch.ticket, dispatch.endpoint, dispatch.request.userPrompt, dispatch.request.sampling.maxNewTokens,
                         dispatch.request.sampling.temperature))
        }
        events += scheduler.drainEvents()
        return result.send.map(\.request.userPrompt)
    }

    func ticket(_ text: String) -> Int { sent.last { $0.text == text }!.ticket }

    func answer(_ text: String, with content: String = "ok", finish: String = "stop") {
        scheduler.complete(ticket(text), .answer(ChatCompletionResult(candidates: [TeacherCandidate(content: content, finishReason: finish)])), now: now)
        events += scheduler.drainEvents()
    }

    func fail(_ text: String, _ failure: TeacherFailure) {
        scheduler.complete(ticket(text), .failure(failure), now: now)
        events += scheduler.drainEvents()
    }

    var finished: [String] {
        events.compactMap { if case .finished(_, _, let outputs, _) = $0 { outputs.first } else { nil } }
    }

    var skipped: [(key: Int64, code: String)] {
        events.compactMap { if case .skipped(let key, let state, _) = $0 { (key, state.lastFailure?.code ?? "") } else { nil } }
    }
}

struct EngineSchedulerTests {
    static func items(_ count: Int) -> [TwoStagePipeline.Item] { (0..<count).map { .init(name: "s\($0)") } }

    // MARK: Pacing and caps

    struct PacingCase: Sendable, CustomStringConvertible {
        var rpm: Int?
        var inFlight: Int
        var steps: [(at: Int64, sent: Int)]  // (time to poll at, requests that go out)
        var description: String { "rpm \(rpm.map(String.init) ?? "none"), in flight \(inFlight)" }
    }

    @Test(arguments: [
        // 60 per minute: one a second; a late start pushes the next one a second after it, not after its slot.
        PacingCase(rpm: 60, inFlight: 100, steps: [(0, 1), (500, 0), (1_000, 1), (2_999, 1), (3_998, 0), (3_999, 1)]),
        // No limit: the in-flight cap is the only bound.
        PacingCase(rpm: nil, inFlight: 3, steps: [(0, 3), (10, 0)]),
    ])
    func pacingAndTheInFlightCapDecideWhatGoesWhen(_ row: PacingCase) {
        let harness = SchedulerHarness(items: Self.items(6), endpoints: [SchedulerHarness.endpoint(inFlight: row.inFlight, rpm: row.rpm)])
        for step in row.steps {
            harness.now = step.at
            #expect(harness.poll().count == step.sent, "at \(step.at) ms")
        }
    }

    @Test func theWakeTimeIsWhenPacingNextAllowsOne() {
        let harness = SchedulerHarness(items: Self.items(3), endpoints: [SchedulerHarness.endpoint(rpm: 60)])
        harness.poll()
        #expect(harness.lastWake == 1_000)
    }

    @Test func anAnswerFreesASlotUnderTheCap() {
        let harness = SchedulerHarness(items: Self.items(5), endpoints: [SchedulerHarness.endpoint(inFlight: 2)])
        #expect(harness.poll() == ["s0", "s1"])
        harness.answer("s0")
        #expect(harness.poll() == ["s2"])
        #expect(harness.finished == ["ok"])
    }

    // MARK: 429

    @Test func a429HoldsTheWholeEndpointButNotTheOthers() {
        let harness = SchedulerHarness(
            items: [.init(name: "a", judged: true), .init(name: "b"), .init(name: "c")],
            endpoints: [SchedulerHarness.endpoint(inFlight: 2), SchedulerHarness.endpoint(inFlight: 2)], judgeEndpoint: 1)
        #expect(harness.poll() == ["a", "b"])
        harness.answer("a")
        harness.scheduler.rateLimited(endpoint: 0, RateLimitSnapshot(retryAfterMs: 5_000), now: 0)
        harness.fail("b", TeacherFailure(.rateLimited, httpStatus: 429, retryAfterMs: 5_000))
        // The teacher's endpoint waits; the judge's (another endpoint) does not.
        #expect(harness.poll() == ["judge a"])
        harness.now = 4_999
        #expect(harness.poll() == [])
        #expect(harness.scheduler.pausedUntilMs == 5_000)
        harness.now = 5_000
        #expect(harness.poll() == ["b"], "the 429'd request first, then pacing releases the rest one at a time")
    }

    // MARK: Retry classes

    struct RetryCase: Sendable, CustomStringConvertible {
        var failure: FailureClass
        /// nil: skipped at once.
        var retriedWithin: ClosedRange<Int64>?
        var maxTokensOnRetry: Int?
        var temperatureOnRetry: Double?
        var description: String { failure.code }
    }

    @Test(arguments: [
        RetryCase(failure: .serverError, retriedWithin: 0...500, maxTokensOnRetry: 100, temperatureOnRetry: 0),
        RetryCase(failure: .timeout, retriedWithin: 0...500, maxTokensOnRetry: 100, temperatureOnRetry: 0),
        // A content failure varies the retry (a deterministic request would get the same answer).
        RetryCase(failure: .emptyAnswer, retriedWithin: 0...500, maxTokensOnRetry: 100, temperatureOnRetry: 0.2),
        // A truncation doubles the limit and goes again at once.
        RetryCase(failure: .truncated, retriedWithin: 0...0, maxTokensOnRetry: 200, temperatureOnRetry: 0),
        // Generated items that did not parse: the teacher answered, only the sample was bad; varied and sent again at once.
        RetryCase(failure: .unparseableItems, retriedWithin: 0...0, maxTokensOnRetry: 100, temperatureOnRetry: 0.2),
        RetryCase(failure: .badRequest, retriedWithin: nil),
        RetryCase(failure: .notFound, retriedWithin: nil),
    ])
    func eachFailureClassIsRetriedOrNot(_ row: RetryCase) {
        let harness = SchedulerHarness(items: [.init(name: "a")])
        harness.poll()
        harness.fail("a", TeacherFailure(row.failure))
        guard let window = row.retriedWithin else {
            #expect(harness.skipped.map(\.code) == [row.failure.code])
            return
        }
        #expect(harness.skipped.isEmpty)
        for time in stride(from: Int64(0), through: window.upperBound, by: 1) where harness.sent.count == 1 {
            harness.now = time
            harness.poll()
        }
        #expect(harness.sent.count == 2, "retried by \(window.upperBound) ms")
        #expect(window.contains(harness.now))
        #expect(harness.sent.last?.maxTokens == row.maxTokensOnRetry)
        #expect(harness.sent.last?.temperature == row.temperatureOnRetry)
    }

    @Test func aStageGivesUpAfterItsAttemptsAndTheLadderAfterItsCap() {
        let harness = SchedulerHarness(items: [.init(name: "a")], maxAttempts: 5)
        harness.poll()
        // 100 → 200 → 400 (the cap), then a truncation at the cap is final and says which limits were tried.
        for limit in [100, 200, 400] {
            #expect(harness.sent.last?.maxTokens == limit)
            harness.answer("a", with: "cut", finish: "length")
            harness.poll()
        }
        #expect(harness.skipped.map(\.code) == ["truncated_answer"])
        guard case .skipped(_, let state, let limits) = harness.events.last else { Issue.record("not skipped"); return }
        #expect(state.lastMessage?.contains("400") == true)
        #expect(limits == [400, nil])
    }

    // MARK: Priority

    @Test func theJudgeGoesBeforeQueuedAnswersOnASharedEndpoint() {
        let harness = SchedulerHarness(
            items: [.init(name: "a", judged: true)] + Self.items(4), endpoints: [SchedulerHarness.endpoint(inFlight: 1)])
        #expect(harness.poll() == ["a"])
        harness.answer("a")
        #expect(harness.poll() == ["judge a"], "not s0, which was queued first")
        harness.answer("judge a")
        #expect(harness.poll() == ["s0"])
        #expect(harness.finished == ["ok"])
    }

    // MARK: Fatal failures and fail-fast

    @Test(arguments: [FailureClass.unauthorized, .insufficientBalance])
    func aFatalFailureSkipsEverythingLeft(_ failure: FailureClass) {
        let harness = SchedulerHarness(items: Self.items(10), endpoints: [SchedulerHarness.endpoint(inFlight: 2)])
        harness.poll()
        harness.fail("s0", TeacherFailure(failure))
        #expect(harness.poll() == [])
        #expect(harness.cancelled.count == 1, "s1, in flight, is stopped")
        #expect(harness.skipped.count == 10)
        #expect(Set(harness.skipped.map(\.code)) == [failure.code])
        #expect(harness.scheduler.outcome == .aborted(TeacherFailure(failure)))
        #expect(harness.scheduler.isIdle)
    }

    @Test func theFirstItemsFailingAlikeStopTheRestUnsent() {
        let harness = SchedulerHarness(items: Self.items(8), endpoints: [SchedulerHarness.endpoint(inFlight: 3)], failFastWindow: 3)
        harness.poll()
        for name in ["s0", "s1", "s2"] { harness.fail(name, TeacherFailure(.badRequest)) }
        #expect(harness.poll() == [])
        #expect(harness.skipped.map(\.code) == ["bad_request", "bad_request", "bad_request"] + Array(repeating: "not_attempted", count: 5))
        guard case .stoppedEarly(let text) = harness.scheduler.outcome else { Issue.record("not stopped"); return }
        #expect(text.contains("first 3 items"))
    }

    @Test func transientFailuresNeverStopAJobEarly() {
        let harness = SchedulerHarness(items: Self.items(4), maxAttempts: 1, failFastWindow: 2)
        harness.poll()
        for name in ["s0", "s1", "s2"] { harness.fail(name, TeacherFailure(.serverError)) }
        #expect(harness.scheduler.outcome == .finished)
        harness.answer("s3")
        #expect(harness.finished == ["ok"])
    }

    // MARK: Top-up

    @Test func followUpItemsKeepTheJobGoing() {
        let harness = SchedulerHarness(items: [.init(name: "a", followUps: 2)])
        harness.poll()
        harness.answer("a")
        #expect(!harness.scheduler.isIdle, "a follow-up was added")
        #expect(harness.poll() == ["a+"])
        harness.answer("a+")
        #expect(harness.poll() == ["a++"])
        harness.answer("a++")
        #expect(harness.scheduler.isIdle)
        let added = harness.events.compactMap { if case .added(let key, let item) = $0 { "\(key):\(item.name)" } else { nil } }
        #expect(added == ["1:a+", "2:a++"])
    }

    @Test func itemsAddedWhileRunningAreSent() {
        let harness = SchedulerHarness(items: [.init(name: "a")])
        harness.poll()
        harness.answer("a")
        #expect(harness.scheduler.isIdle)
        harness.scheduler.add(key: 9, item: .init(name: "late"))
        #expect(harness.poll() == ["late"])
    }

    // MARK: Stop and state

    @Test func stopHandsBackWhatIsInFlightAndSendsNothingMore() {
        let harness = SchedulerHarness(items: Self.items(5), endpoints: [SchedulerHarness.endpoint(inFlight: 2)])
        harness.poll()
        let tickets = harness.scheduler.stop()
        #expect(Set(tickets) == Set(harness.sent.map(\.ticket)))
        for ticket in tickets { harness.scheduler.complete(ticket, .cancelled, now: 0) }
        #expect(harness.poll() == [])
        #expect(harness.scheduler.isIdle)
        #expect(harness.skipped.isEmpty, "cancelled requests are nobody's fault")
    }

    @Test func itemStatesFollowTheStateMachine() {
        let harness = SchedulerHarness(items: [.init(name: "a", judged: true)])
        harness.poll()
        harness.fail("a", TeacherFailure(.serverError))
        harness.now = 1_000
        harness.poll()
        harness.answer("a")
        harness.poll()
        harness.answer("judge a")
        let trail = harness.events.compactMap { event -> String? in
            switch event {
            case .started(_, let state, _): "started \(state.status.rawValue) \(state.attempts)"
            case .retrying(_, let state, _, _): "retrying \(state.status.rawValue) \(state.attempts)"
            case .finished(_, let state, _, let latency): "finished \(state.status.rawValue) \(state.attempts) \(latency)"
            default: nil
            }
        }
        #expect(trail == ["started in_flight 1", "retrying in_flight 1", "finished done 3 1000"])
    }
}

struct ModelFamilyTests {
    @Test(arguments: [
        ("deepseek", "deepseek-chat", "deepseek", "deepseek-reasoner", true),
        ("openai-compatible", "Qwen/Qwen2.5-7B-Instruct", "qwen", "qwen-plus", true),
        ("openai-compatible", "gpt-4o", "openai-compatible", "gpt-4.1-mini", true),
        ("deepseek", "deepseek-chat", "qwen", "qwen-plus", false),
        ("zai", "glm-4.5", "moonshot", "kimi-k2.6", false),
        // Unknown names fall back to the provider: two servers of one provider are one family.
        ("openai-compatible", "my-model", "openai-compatible", "other-model", true),
        ("openai-compatible", "my-model", "qwen", "qwen-max", false),
    ])
    func sameFamilyIsWarnedAbout(teacherProvider: String, teacherModel: String, judgeProvider: String, judgeModel: String, warned: Bool) {
        let warning = ModelFamily.sameFamilyWarning(
            teacherProvider: teacherProvider, teacherModel: teacherModel, judgeProvider: judgeProvider, judgeModel: judgeModel)
        #expect((warning != nil) == warned)
        if let warning { #expect(warning.contains("87%")) }
    }
}

struct ChatRequestBodyTests {
    @Test func theJudgeAsksForItsVerdictsShapeWhereTheModelTakesASchema() {
        var random = SeededRandom(seed: 1)
        let judge = JudgePrompt(skillPrompt: "s", seed: "q", candidates: ["a", "b"], using: &random).request(model: "j")
        let structured = TeacherCapabilities(
            supportsN: false, supportsSeed: false, returnsReasoning: false, supportsJSONObject: true, supportsJSONSchema: true)
        #expect(judge.jsonBody(capabilities: structured).contains(#""response_format":{"type":"json_schema","json_schema":{"name":"verdict","schema":{"type":"object","properties":{"best":{"type":"integer"},"reason":{"type":"string"}},"required":["best","reason"],"additionalProperties":false},"strict":true}}"#))
        let plain = TeacherCapabilities(supportsN: false, supportsSeed: false, returnsReasoning: false, supportsJSONObject: true)
        #expect(!judge.jsonBody(capabilities: plain).contains("response_format"), "as before: JSON mode only on a varied retry")
    }

    @Test func wholeConversationsAndTheNewSamplingFieldsAreSent() {
        let schema = JSONSchemaFormat(name: "verdict", schema: .object([("type", .string("object"))]))
        let request = ChatCompletionRequest(
            model: "m",
            messages: [ChatMessage(.system, "s"), ChatMessage(.user, "u1"), ChatMessage(.assistant, "a1"), ChatMessage(.user, "u2")],
            sampling: SamplingSettings(temperature: 0.5, maxNewTokens: 10, topP: 0.9, stop: ["END"], jsonSchema: schema))
        let structured = TeacherCapabilities(
            supportsN: false, supportsSeed: false, returnsReasoning: false, supportsJSONObject: true, supportsJSONSchema: true)
        #expect(request.jsonBody(capabilities: structured) == #"{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":"u1"},{"role":"assistant","content":"a1"},{"role":"user","content":"u2"}],"temperature":0.5,"top_p":0.9,"max_tokens":10,"stop":["END"],"response_format":{"type":"json_schema","json_schema":{"name":"verdict","schema":{"type":"object"},"strict":true}},"stream":false}"#)
        // Without structured output the schema is left out; JSON mode applies only where asked for (a retry's variation).
        let jsonMode = TeacherCapabilities(supportsN: false, supportsSeed: false, returnsReasoning: false, supportsJSONObject: true)
        #expect(!request.jsonBody(capabilities: jsonMode).contains("response_format"))
        var varied = request
        varied.sampling.jsonObjectResponse = true
        #expect(varied.jsonBody(capabilities: jsonMode).contains(#""response_format":{"type":"json_object"}"#))
        let plain = TeacherCapabilities(supportsN: false, supportsSeed: false, returnsReasoning: false)
        #expect(!request.jsonBody(capabilities: plain).contains("response_format"))
        #expect(request.systemPrompt == "s" && request.userPrompt == "u2")
    }
}
