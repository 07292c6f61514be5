import DistilleryCore
import Testing

/// Rejection sampling's swap check: which seeds are checked, the reversed prompt, and the second verdict's place in the
/// pipeline (after the first, on the judge's endpoint, mapped back to the candidate as generated).
struct SwapCheckTests {
    struct SampleCase: Sendable, CustomStringConvertible {
        var fraction: Double
        var seeds: Int
        var checked: [Int64]
        var description: String { "\(fraction) of \(seeds)" }
    }

    @Test(arguments: [
        SampleCase(fraction: 0.1, seeds: 30, checked: [9, 19, 29]),
        SampleCase(fraction: 0.1, seeds: 9, checked: []),
        SampleCase(fraction: 0.25, seeds: 12, checked: [3, 7, 11]),
        SampleCase(fraction: 0.5, seeds: 6, checked: [1, 3, 5]),
        SampleCase(fraction: 1, seeds: 4, checked: [0, 1, 2, 3]),
        SampleCase(fraction: 0, seeds: 50, checked: []),
        SampleCase(fraction: 0.3, seeds: 10, checked: [3, 6, 9]),
        // Out-of-range and non-finite fractions are clamped, never a crash.
        SampleCase(fraction: 7, seeds: 3, checked: [0, 1, 2]),
        SampleCase(fraction: -1, seeds: 3, checked: []),
        SampleCase(fraction: .nan, seeds: 3, checked: []),
    ])
    func theSampleIsChosenFromTheSeedsIndexAlone(_ row: SampleCase) {
        let sample = SwapCheckSample(fraction: row.fraction)
        #expect((0..<Int64(row.seeds)).filter(sample.includes) == row.checked)
        #expect(sample.count(amongFirst: row.seeds) == row.checked.count)
        // The same answer on a second asking (a resumed job), and a negative index is never checked.
        #expect((0..<Int64(row.seeds)).filter(SwapCheckSample(fraction: row.fraction).includes) == row.checked)
        #expect(!sample.includes(-1))
    }

    @Test(arguments: [(0, 0, nil), (3, 0, 0.0), (10, 1, 0.1), (8, 8, 1.0), (129, 13, 13.0 / 129)] as [(Int, Int, Double?)])
    func theFlipRateIsFlipsPerCheckedSeed(checked: Int, flips: Int, rate: Double?) {
        #expect(SwapCheckTally(checked: checked, flips: flips).flipRate == rate)
    }

    struct ReverseCase: Sendable, CustomStringConvertible {
        var order: [Int]
        var reversed: [Int]
        var description: String { "\(order)" }
    }

    @Test(arguments: [
        ReverseCase(order: [1, 0], reversed: [0, 1]),
        ReverseCase(order: [2, 0, 1], reversed: [1, 0, 2]),
        ReverseCase(order: [3, 1, 4, 0, 2], reversed: [2, 0, 4, 1, 3]),
    ])
    func theSwapPromptShowsTheCandidatesInReverseOrder(_ row: ReverseCase) throws {
        let candidates = row.order.indices.map { "answer \($0)" }
        let first = JudgePrompt(skillPrompt: "Be brief.", seed: "Hello?", candidates: candidates, order: row.order)
        let swap = first.reversed(skillPrompt: "Be brief.", seed: "Hello?", candidates: candidates)
        #expect(swap.order == row.reversed)
        #expect(swap.systemPrompt == first.systemPrompt)
        // Label 1 of the swap prompt holds what the first prompt showed last, and so on.
        for (position, original) in row.reversed.enumerated() {
            #expect(swap.userPrompt.contains("<candidate label=\"\(position + 1)\">\nanswer \(original)\n</candidate>"))
            #expect(swap.originalIndex(forLabel: position + 1) == original)
        }
        // A judge that always answers label 1 picks another candidate the second time: a flip.
        let firstPick = try JudgeVerdictParser.parse(#"{"best": 1, "reason": "first"}"#, prompt: first).get()
        let swapPick = try JudgeVerdictParser.parse(#"{"best": 1, "reason": "first"}"#, prompt: swap).get()
        #expect(firstPick.candidateIndex == row.order[0] && swapPick.candidateIndex == row.order.last)
        #expect(firstPick.candidateIndex != swapPick.candidateIndex)
    }

    static func pipeline(fraction: Double) -> SynthesisPipeline {
        SynthesisPipeline(.init(
            skillPrompt: "Be brief.", teacherModel: "teacher-m", judgeModel: "judge-m", judgeEndpoint: 1,
            teacherCapabilities: TeacherCapabilities(supportsN: true, supportsSeed: true, returnsReasoning: false),
            temperature: 0.7, seed: 40, candidates: 3, reasoningMode: .answerOnly,
            answerLimits: LadderSpec(initial: 100, userCap: 400, contextWindow: 0),
            judgeLimits: LadderSpec(initial: 64, userCap: 400, contextWindow: 0), shuffleSeed: 5,
            swapCheck: SwapCheckSample(fraction: fraction)))
    }

    /// Runs one seed through the pipeline with a judge that answers `labels` in turn (the requests of one step last to
    /// first); returns the requests the judge got and what the seed produced.
    static func run(_ pipeline: SynthesisPipeline, key: Int64, labels: [Int]) throws -> (judged: [StageRequest], output: SynthesisOutput) {
        let item = SeedItem(key: key, input: "Hello?")
        var progress = pipeline.begin(item)
        guard case .send(let calls) = pipeline.next(item, progress) else { throw Failure("no candidate call") }
        let usage = RequestUsage(promptTokens: 10, completionTokens: 20, limit: 100, costUSD: 0)
        let answers = ChatCompletionResult(candidates: ["a0", "a1", "a2"].map { TeacherCandidate(content: $0, finishReason: "stop") })
        #expect(pipeline.accept(answers, usage: usage, to: calls[0], item: item, progress: &progress) == nil)
        var judged: [StageRequest] = []
        var labels = labels[...]
        while true {
            switch pipeline.next(item, progress) {
            case .send(let requests):
                // Answered in reverse, as they may arrive: the second verdict is read against its own prompt whatever the order.
                for request in requests.reversed() {
                    guard let label = labels.popFirst() else { throw Failure("unexpected \(request)") }
                    judged.append(request)
                    let verdict = ChatCompletionResult(
                        candidates: [TeacherCandidate(content: "{\"best\": \(label), \"reason\": \"r\"}", finishReason: "stop")])
                    #expect(pipeline.accept(verdict, usage: usage, to: request, item: item, progress: &progress) == nil)
                }
            case .finish(let outputs, _):
                return (judged, try #require(outputs.first))
            case .skip(let failure):
                throw Failure("skipped: \(failure)")
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func aSampledSeedIsJudgedTwiceAtOnceTheSecondTimeInReverseOrder() throws {
        let pipeline = Self.pipeline(fraction: 0.5)
        // Key 1 is in the 50% sample; a judge answering label 1 both times flips.
        let (judged, output) = try Self.run(pipeline, key: 1, labels: [1, 1])
        // Both verdicts were asked in one step (answered last first).
        #expect(judged.map(\.part) == [SwapCheck.part, 0])
        #expect(judged.allSatisfy { $0.endpoint == 1 && $0.stage == SynthesisPipeline.judgeStage && $0.priority && $0.expectsJSON })
        let order = try #require(output.judgeOrder)
        #expect(judged[0].request.userPrompt.contains("<candidate label=\"1\">\na\(order.last!)\n</candidate>"))
        #expect(output.verdict?.candidateIndex == order.first)
        #expect(output.swapVerdict?.candidateIndex == order.last)
        // The row is still the first verdict's pick.
        #expect(output.chosen == order.first && output.rowJSON.contains("a\(order.first!)"))
    }

    @Test func aConsistentJudgeDoesNotFlip() throws {
        let pipeline = Self.pipeline(fraction: 1)
        // The swap prompt's label 1 and the first prompt's label 3 show the same candidate.
        let (judged, output) = try Self.run(pipeline, key: 0, labels: [1, 3])
        #expect(judged.count == 2)
        #expect(output.verdict?.candidateIndex == output.swapVerdict?.candidateIndex)
    }

    @Test(arguments: [(0.5, 0 as Int64), (0, 1), (0, 9)])
    func aSeedOutsideTheSampleSendsNoSwapCall(fraction: Double, key: Int64) throws {
        let (judged, output) = try Self.run(Self.pipeline(fraction: fraction), key: key, labels: [2])
        #expect(judged.count == 1)
        #expect(output.swapVerdict == nil && output.verdict != nil)
    }

    @Test func theRowRecordsTheSwapCheckAndItsLowConfidence() {
        var flipped = TrainingRowMetadata.JudgeRecord(
            provider: "p", model: "m", label: 1, order: [2, 0, 1], candidateLengths: [2, 2, 2], swapPick: 1)
        #expect(flipped.pick == 2 && flipped.flipped)
        #expect(flipped.json.serialized.contains(#""swap_checked":true,"swap_pick":1,"flipped":true,"low_confidence":true"#))
        flipped.swapPick = 2
        #expect(!flipped.flipped)
        #expect(flipped.json.serialized.contains(#""swap_checked":true,"swap_pick":2,"flipped":false,"low_confidence":false"#))
        flipped.swapPick = nil
        #expect(flipped.json.serialized.hasSuffix(#""swap_checked":false}"#))
    }
}
