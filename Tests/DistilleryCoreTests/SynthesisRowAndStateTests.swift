import DistilleryCore
import Testing

struct SynthesisRowTests {
    @Test(arguments: [
        ("Skill", "Seed", "Answer", #"{"messages":[{"role":"system","content":"Skill"},{"role":"user","content":"Seed"},{"role":"assistant","content":"Answer"}]}"#),
        ("Say \"hi\"\n", "tab\there", "back\\slash \u{01} é 😀",
         #"{"messages":[{"role":"system","content":"Say \"hi\"\n"},{"role":"user","content":"tab\there"},{"role":"assistant","content":"back\\slash \u0001 é 😀"}]}"#),
    ])
    func rowsAreTheCleanTrainingShape(skill: String, seed: String, answer: String, expected: String) throws {
        let line = TrainingRow.jsonLine(skillPrompt: skill, seed: seed, answer: answer)
        #expect(line == expected)
        #expect(!line.contains("\n"))
        let parsed = try SynthesisJSON.parse(line)
        #expect(parsed["messages"]?[2]?["content"]?.stringValue == answer)
        #expect(parsed["messages"]?[0]?["content"]?.stringValue == skill)
    }

    @Test func metadataCarriesProvenance() {
        let metadata = TrainingRowMetadata(
            provider: "deepseek", model: "deepseek-chat", candidateIndex: 2, judgeReason: "clearest",
            candidates: ["a", "b", "c"], tokensIn: 120, tokensOut: 480, latencyMs: 1_234, attempts: 2)
        #expect(metadata.jsonString == #"{"provider":"deepseek","model":"deepseek-chat","candidate_index":2,"judge_reason":"clearest","candidates":["a","b","c"],"tokens_in":120,"tokens_out":480,"tokens_in_billed":120,"tokens_out_billed":480,"latency_ms":1234,"attempts":2}"#)
        let plain = TrainingRowMetadata(provider: "p", model: "m", tokensIn: 1, tokensOut: 2, latencyMs: 3, attempts: 1)
        #expect(plain.jsonString == #"{"provider":"p","model":"m","tokens_in":1,"tokens_out":2,"tokens_in_billed":1,"tokens_out_billed":2,"latency_ms":3,"attempts":1}"#)
    }
}

struct SynthesisSeedStateTests {
    enum Step: Sendable, CustomStringConvertible {
        case start, another, finish, fail(FailureClass), failJudge(FailureClass), skip
        var description: String {
            switch self {
            case .start: "start"
            case .another: "another"
            case .finish: "finish"
            case .fail(let c): "fail(\(c.code))"
            case .failJudge(let c): "failJudge(\(c.code))"
            case .skip: "skip"
            }
        }
    }

    static let policy = RetryPolicy(maxAttempts: 3)

    static func run(_ steps: [Step]) -> (WorkItemState, String?) {
        var state = WorkItemState()
        var random = SeededRandom(seed: 1)
        for step in steps {
            do throws(SeedTransitionError) {
                switch step {
                case .start: try state.start()
                case .another: try state.sendAnother()
                case .finish: try state.finish(latencyMs: 10)
                case .fail(let c): try state.fail(TeacherFailure(c), stage: 0, policy: policy, using: &random)
                case .failJudge(let c): try state.fail(TeacherFailure(c), stage: 1, policy: policy, using: &random)
                case .skip: try state.skip(TeacherFailure(.cancelled))
                }
            } catch {
                return (state, error.description)
            }
        }
        return (state, nil)
    }

    @Test(arguments: [
        ([Step.start, .finish], SeedStatus.done, 1, nil as String?),
        // A failure to retry keeps the item in flight: it is still being worked on until its retry answers.
        ([.start, .fail(.serverError)], .inFlight, 1, nil),
        ([.start, .fail(.serverError), .another, .finish], .done, 2, nil),
        ([.start, .fail(.emptyAnswer), .another, .fail(.truncated), .another, .fail(.timeout)], .skipped, 3, nil),
        // The cap holds per stage: two failed answers and two failed verdicts are not four of one.
        ([.start, .fail(.serverError), .another, .fail(.serverError), .another, .failJudge(.judgeUnparseable), .another,
          .failJudge(.judgeUnparseable), .another, .finish], .done, 5, nil),
        ([.start, .another, .another, .finish], .done, 3, nil),
        ([.start, .fail(.unauthorized)], .skipped, 1, nil),
        ([.skip], .skipped, 0, nil),
        ([.start, .skip], .skipped, 1, nil),
        ([.finish], .pending, 0, "cannot finish a seed that is pending"),
        ([.start, .start], .inFlight, 1, "cannot start a seed that is in_flight"),
        ([.another], .pending, 0, "cannot send another request of a seed that is pending"),
        ([.start, .finish, .start], .done, 1, "cannot start a seed that is done"),
        ([.start, .finish, .another], .done, 1, "cannot send another request of a seed that is done"),
        ([.start, .finish, .fail(.serverError)], .done, 1, "cannot fail a seed that is done"),
        ([.fail(.serverError)], .pending, 0, "cannot fail a seed that is pending"),
        ([.skip, .start], .skipped, 0, "cannot start a seed that is skipped"),
        ([.start, .finish, .skip], .done, 1, "cannot skip a seed that is done"),
    ] as [([Step], SeedStatus, Int, String?)])
    func transitionsAreValidated(steps: [Step], status: SeedStatus, attempts: Int, error: String?) {
        let (state, thrown) = Self.run(steps)
        #expect(state.status == status)
        #expect(state.attempts == attempts)
        #expect(thrown == error)
    }

    @Test func failuresAndUsageAreRecorded() throws {
        var state = WorkItemState()
        var random = SeededRandom(seed: 1)
        try state.start()
        state.addUsage(tokensIn: 100, tokensOut: 0, costUSD: 0.001)
        let decision = try state.fail(TeacherFailure(.rateLimited, detail: "HTTP 429."), policy: Self.policy, using: &random)
        guard case .retry = decision else { Issue.record("a 429 is retried: \(decision)"); return }
        #expect(state.lastFailure == .rateLimited)
        #expect(state.lastFailures == [.rateLimited, nil])
        #expect(state.failures == [1, 0])
        #expect(state.lastMessage == "The teacher's rate limit was reached (HTTP 429). HTTP 429.")
        try state.sendAnother()
        state.addUsage(tokensIn: 100, tokensOut: 50, costUSD: 0.002)
        try state.finish(latencyMs: 321)
        #expect(state.tokensIn == 200 && state.tokensOut == 50)
        #expect(abs(state.costUSD - 0.003) < 1e-12)
        #expect(state.latencyMs == 321)
        #expect(SeedStatus.inFlight.rawValue == "in_flight")
        #expect(SeedStatus.done.isFinal && !SeedStatus.pending.isFinal)
    }

    @Test func aGiveUpReportsTheReasonItWasGiven() throws {
        var state = WorkItemState()
        var random = SeededRandom(seed: 1)
        try state.start()
        let reason = TeacherFailure(.truncated, detail: "Tried 1024 and 2048 tokens.")
        let decision = try state.fail(TeacherFailure(.truncated), policy: RetryPolicy(maxAttempts: 1), giveUpReason: reason, using: &random)
        #expect(decision == .giveUp)
        #expect(state.status == .skipped)
        #expect(state.lastMessage == reason.message)
    }

    @Test func aResumedItemIsPendingWithWhatItSpent() throws {
        var state = WorkItemState.resumed(
            attempts: 4, failures: [1, 2], lastFailure: .judgeUnparseable, lastFailureStage: 1, tokensIn: 10, tokensOut: 5, costUSD: 0.5)
        #expect(state.status == .pending)
        #expect(state.failures == [1, 2])
        #expect(state.lastFailures == [nil, .judgeUnparseable])
        try state.start()
        #expect(state.attempts == 5)
        #expect(state.tokensIn == 10 && state.costUSD == 0.5)
    }
}

struct SynthesisProgressTests {
    @Test func rateMeterCountsTheLastMinuteOnly() {
        var meter = CompletionRateMeter()
        #expect(meter.perMinute(nowMs: 0) == 0)
        for second in 0..<120 { meter.record(atMs: Int64(second) * 1_000 + 500, count: second < 60 ? 1 : 3) }
        #expect(meter.perMinute(nowMs: 119_900) == 180)
        var young = CompletionRateMeter()
        for i in 0..<10 { young.record(atMs: 1_000 + Int64(i) * 100) }
        #expect(young.perMinute(nowMs: 3_000) == 300)  // 10 in the 2 s since the first
    }
}
