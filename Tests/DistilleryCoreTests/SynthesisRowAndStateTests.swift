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
        case start, finish, fail(FailureClass), skip, recover
        var description: String {
            switch self {
            case .start: "start"
            case .finish: "finish"
            case .fail(let c): "fail(\(c.code))"
            case .skip: "skip"
            case .recover: "recover"
            }
        }
    }

    static let policy = RetryPolicy(maxAttempts: 3)

    static func run(_ steps: [Step]) -> (SeedState, String?) {
        var state = SeedState()
        for step in steps {
            do {
                switch step {
                case .start: try state.start()
                case .finish: try state.finish(latencyMs: 10)
                case .fail(let c): try state.fail(TeacherFailure(c), policy: policy)
                case .skip: try state.skip(TeacherFailure(.cancelled))
                case .recover: try state.recoverAfterRestart()
                }
            } catch {
                return (state, error.description)
            }
        }
        return (state, nil)
    }

    @Test(arguments: [
        ([Step.start, .finish], SeedStatus.done, 1, nil as String?),
        ([.start, .fail(.serverError)], .pending, 1, nil),
        ([.start, .fail(.serverError), .start, .finish], .done, 2, nil),
        ([.start, .fail(.emptyAnswer), .start, .fail(.truncated), .start, .fail(.timeout)], .skipped, 3, nil),
        ([.start, .fail(.unauthorized)], .skipped, 1, nil),
        ([.skip], .skipped, 0, nil),
        ([.start, .recover], .pending, 0, nil),
        ([.finish], .pending, 0, "cannot finish a seed that is pending"),
        ([.start, .start], .inFlight, 1, "cannot start a seed that is in_flight"),
        ([.start, .finish, .start], .done, 1, "cannot start a seed that is done"),
        ([.start, .finish, .fail(.serverError)], .done, 1, "cannot fail a seed that is done"),
        ([.skip, .start], .skipped, 0, "cannot start a seed that is skipped"),
        ([.recover], .pending, 0, "cannot recover a seed that is pending"),
        ([.start, .finish, .skip], .done, 1, "cannot skip a seed that is done"),
    ] as [([Step], SeedStatus, Int, String?)])
    func transitionsAreValidated(steps: [Step], status: SeedStatus, attempts: Int, error: String?) {
        let (state, thrown) = Self.run(steps)
        #expect(state.status == status)
        #expect(state.attempts == attempts)
        #expect(thrown == error)
    }

    @Test func failuresAndUsageAreRecorded() throws {
        var state = SeedState()
        try state.start()
        state.addUsage(tokensIn: 100, tokensOut: 0, costUSD: 0.001)
        try state.fail(TeacherFailure(.rateLimited, detail: "HTTP 429."), policy: Self.policy)
        #expect(state.lastFailure == .rateLimited)
        #expect(state.lastMessage == "The teacher's rate limit was reached (HTTP 429). HTTP 429.")
        try state.start()
        state.addUsage(tokensIn: 100, tokensOut: 50, costUSD: 0.002)
        try state.finish(latencyMs: 321)
        #expect(state.tokensIn == 200 && state.tokensOut == 50)
        #expect(abs(state.costUSD - 0.003) < 1e-12)
        #expect(state.latencyMs == 321)
        #expect(SeedStatus.inFlight.rawValue == "in_flight")
        #expect(SeedStatus.done.isFinal && !SeedStatus.pending.isFinal)
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
