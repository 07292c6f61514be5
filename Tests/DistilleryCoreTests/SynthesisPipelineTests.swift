import DistilleryCore
import Testing

/// The synthesis pipeline's decisions: which requests a seed needs, what each answer does, and what the seed produces.
struct SynthesisPipelineTests {
    static func pipeline(candidates: Int, supportsN: Bool, judgeEndpoint: Int = 1, seed: Int? = 40) -> SynthesisPipeline {
        SynthesisPipeline(.init(
            skillPrompt: "Be brief.", teacherModel: "teacher-m", judgeModel: "judge-m", judgeEndpoint: judgeEndpoint,
            teacherCapabilities: TeacherCapabilities(supportsN: supportsN, supportsSeed: true, returnsReasoning: false),
            temperature: 0.7, topP: 0.9, seed: seed, candidates: candidates, reasoningMode: .answerOnly,
            answerLimits: LadderSpec(initial: 100, userCap: 400, contextWindow: 0),
            judgeLimits: LadderSpec(initial: 64, userCap: 400, contextWindow: 0), shuffleSeed: 5))
    }

    static func answer(_ texts: [String], finish: String = "stop") -> ChatCompletionResult {
        ChatCompletionResult(candidates: texts.map { TeacherCandidate(content: $0, finishReason: finish) })
    }

    static let usage = RequestUsage(promptTokens: 10, completionTokens: 20, limit: 100, costUSD: 0)
    static let item = SeedItem(key: 3, input: "Hello?")

    struct PlanCase: Sendable, CustomStringConvertible {
        var candidates: Int
        var supportsN: Bool
        /// Per request: (n, seed).
        var requests: [(n: Int, seed: Int?)]
        var description: String { "\(candidates) candidates, n \(supportsN)" }
    }

    @Test(arguments: [
        PlanCase(candidates: 1, supportsN: false, requests: [(1, 40)]),
        PlanCase(candidates: 3, supportsN: true, requests: [(3, 40)]),
        PlanCase(candidates: 3, supportsN: false, requests: [(1, 40), (1, 41), (1, 42)]),
        PlanCase(candidates: 5, supportsN: false, requests: [(1, 40), (1, 41), (1, 42), (1, 43), (1, 44)]),
    ])
    func aSeedFirstAsksForItsCandidates(_ row: PlanCase) {
        let pipeline = Self.pipeline(candidates: row.candidates, supportsN: row.supportsN)
        guard case .send(let requests) = pipeline.next(Self.item, pipeline.begin(Self.item)) else { Issue.record("nothing to send"); return }
        #expect(requests.map { $0.request.candidateCount } == row.requests.map(\.n))
        #expect(requests.map { $0.request.sampling.seed } == row.requests.map(\.seed))
        #expect(requests.allSatisfy { $0.endpoint == 0 && $0.stage == 0 && !$0.priority && $0.request.model == "teacher-m" })
        #expect(requests.allSatisfy { $0.request.sampling.topP == 0.9 && $0.request.systemPrompt == "Be brief." && $0.request.userPrompt == "Hello?" })
    }

    @Test func oneCandidateIsTheRowWithoutAJudge() throws {
        let pipeline = Self.pipeline(candidates: 1, supportsN: false)
        var progress = pipeline.begin(Self.item)
        guard case .send(let requests) = pipeline.next(Self.item, progress) else { Issue.record("nothing to send"); return }
        #expect(pipeline.accept(Self.answer(["Hi."]), usage: Self.usage, to: requests[0], item: Self.item, progress: &progress) == nil)
        guard case .finish(let outputs, let followUps) = pipeline.next(Self.item, progress) else { Issue.record("not finished"); return }
        #expect(followUps.isEmpty)
        #expect(outputs.count == 1 && outputs[0].chosen == 0 && outputs[0].candidates == nil && outputs[0].verdict == nil)
        #expect(outputs[0].rowJSON.contains("Hi."))
        #expect(outputs[0].outputTokens == 20 && outputs[0].limit == 100)
    }

    @Test func unusableAnswersAreFailuresNotRows() {
        let pipeline = Self.pipeline(candidates: 3, supportsN: true)
        var progress = pipeline.begin(Self.item)
        guard case .send(let requests) = pipeline.next(Self.item, progress) else { Issue.record("nothing to send"); return }
        #expect(pipeline.accept(Self.answer(["a", "b"]), usage: Self.usage, to: requests[0], item: Self.item, progress: &progress)?.failureClass == .malformedBody)
        #expect(pipeline.accept(Self.answer(["a", " ", "c"]), usage: Self.usage, to: requests[0], item: Self.item, progress: &progress)?.failureClass == .emptyAnswer)
        #expect(pipeline.accept(Self.answer(["a", "b", "c"], finish: "length"), usage: Self.usage, to: requests[0], item: Self.item, progress: &progress)?.failureClass == .truncated)
        #expect(progress.answers == [nil, nil, nil], "no partial answers are kept from a failed call")
    }

    @Test(arguments: [0, 1])
    func theJudgeSeesShuffledCandidatesOnItsEndpointAndItsPickIsTheRow(judgeEndpoint: Int) throws {
        let pipeline = Self.pipeline(candidates: 3, supportsN: false, judgeEndpoint: judgeEndpoint)
        var progress = pipeline.begin(Self.item)
        guard case .send(let calls) = pipeline.next(Self.item, progress) else { Issue.record("nothing to send"); return }
        // Answers arrive in any order; only when all are in does the judge get asked.
        for call in calls.reversed() {
            #expect(pipeline.accept(Self.answer(["answer \(call.part)"]), usage: Self.usage, to: call, item: Self.item, progress: &progress) == nil)
            if call.part != 0, case .send(let left) = pipeline.next(Self.item, progress) { #expect(left.allSatisfy { $0.stage == 0 }) }
        }
        guard case .send(let judged) = pipeline.next(Self.item, progress), let judge = judged.first else { Issue.record("no judge"); return }
        #expect(judged.count == 1)
        #expect(judge.endpoint == judgeEndpoint && judge.stage == 1 && judge.priority && judge.expectsJSON)
        #expect(judge.request.model == "judge-m" && judge.request.sampling.maxNewTokens == 64)
        let order = try #require(progress.judge?.order)
        #expect(order.sorted() == [0, 1, 2])
        for (position, original) in order.enumerated() {
            #expect(judge.request.userPrompt.contains("<candidate label=\"\(position + 1)\">\nanswer \(original)\n</candidate>"))
        }
        let verdict = ChatCompletionResult(candidates: [TeacherCandidate(content: #"{"best": 2, "reason": "clearest"}"#, finishReason: "stop")])
        #expect(pipeline.accept(verdict, usage: Self.usage, to: judge, item: Self.item, progress: &progress) == nil)
        guard case .finish(let outputs, _) = pipeline.next(Self.item, progress), let output = outputs.first else { Issue.record("not finished"); return }
        #expect(output.chosen == order[1])
        #expect(output.rowJSON.contains("answer \(order[1])"))
        #expect(output.judgeOrder == order && output.verdict?.label == 2 && output.judgeReason == "clearest")
        #expect(output.candidates == ["answer 0", "answer 1", "answer 2"])
    }

    @Test func aCutOffVerdictIsTheJudgesTruncation() {
        let pipeline = Self.pipeline(candidates: 2, supportsN: true)
        var progress = pipeline.begin(Self.item)
        guard case .send(let calls) = pipeline.next(Self.item, progress) else { Issue.record("nothing to send"); return }
        _ = pipeline.accept(Self.answer(["x", "y"]), usage: Self.usage, to: calls[0], item: Self.item, progress: &progress)
        guard case .send(let judged) = pipeline.next(Self.item, progress) else { Issue.record("no judge"); return }
        #expect(pipeline.accept(Self.answer([#"{"best": "#], finish: "length"), usage: Self.usage, to: judged[0], item: Self.item, progress: &progress)?.failureClass == .judgeTruncated)
        #expect(pipeline.accept(Self.answer(["no idea"]), usage: Self.usage, to: judged[0], item: Self.item, progress: &progress)?.failureClass == .judgeUnparseable)
        #expect(pipeline.ladder(for: judged[0], item: Self.item).initial == 64)
        #expect(pipeline.ladder(for: calls[0], item: Self.item).initial == 100)
    }

    @Test func theShuffleIsReproduciblePerSeedAndVariesAcrossSeeds() {
        let pipeline = Self.pipeline(candidates: 5, supportsN: true)
        func order(_ key: Int64) -> [Int]? {
            let item = SeedItem(key: key, input: "q")
            var progress = pipeline.begin(item)
            guard case .send(let calls) = pipeline.next(item, progress) else { return nil }
            _ = pipeline.accept(Self.answer(["a", "b", "c", "d", "e"]), usage: Self.usage, to: calls[0], item: item, progress: &progress)
            return progress.judge?.order
        }
        #expect(order(1) == order(1))
        #expect(Set((0..<20).compactMap { order(Int64($0)) }).count > 1)
    }
}
