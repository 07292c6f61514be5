import DistilleryCore
import Testing

struct SynthesisEstimateTests {
    static func model(supportsN: Bool, input: Double = 0.28, output: Double = 0.42) -> TeacherModel {
        TeacherModel(
            id: "m", displayName: "m", contextWindow: 128_000, inputPricePerMillionUSD: input,
            outputPricePerMillionUSD: output, priceAsOf: "2026-01-01",
            capabilities: TeacherCapabilities(supportsN: supportsN, supportsSeed: true, returnsReasoning: false))
    }

    static let skill = String(repeating: "a", count: 400)  // 100 tokens

    @Test func plainGenerationIsSeedsTimesPromptAndCompletion() {
        let input = SynthesisEstimate.Input(
            seedCount: 1_000, seedTokens: 50_000, skillPrompt: Self.skill, expectedCompletionTokens: 500,
            rejectionSampling: false, requestsPerMinute: 600, maxInFlight: 64, typicalLatencyMs: 2_000)
        let estimate = SynthesisEstimate(input, model: Self.model(supportsN: false))
        #expect(estimate.requests == 1_000)
        // 1000 × (100 skill + 50 seed + 2 × 4 overhead)
        #expect(estimate.promptTokens == 158_000)
        #expect(estimate.completionTokens == 500_000)
        #expect(abs(estimate.costUSD - (158_000 * 0.28 + 500_000 * 0.42) / 1_000_000) < 1e-12)
        // 600 rpm is slower than 64 in flight at 2 s: 100 s, plus one latency for the tail.
        #expect(estimate.durationMs == 102_000)
    }

    @Test func rejectionSamplingAddsCandidatesAndJudgeCalls() {
        let base = SynthesisEstimate.Input(
            seedCount: 100, seedTokens: 5_000, skillPrompt: Self.skill, expectedCompletionTokens: 200,
            rejectionSampling: true, maxInFlight: 10, typicalLatencyMs: 1_000)
        let withN = SynthesisEstimate(base, model: Self.model(supportsN: true))
        let withoutN = SynthesisEstimate(base, model: Self.model(supportsN: false))
        #expect(withN.requests == 200)
        #expect(withoutN.requests == 400)
        #expect(withN.completionTokens == 100 * (3 * 200 + 60))
        #expect(withoutN.completionTokens == withN.completionTokens)
        // Without n the generation prompt is paid three times.
        #expect(withoutN.promptTokens - withN.promptTokens == 2 * 100 * (100 + 50 + 8))
        // The judge prompt holds the skill, the seed and three candidates.
        let plain = SynthesisEstimate(SynthesisEstimate.Input(
            seedCount: 100, seedTokens: 5_000, skillPrompt: Self.skill, expectedCompletionTokens: 200,
            rejectionSampling: false, maxInFlight: 10, typicalLatencyMs: 1_000), model: Self.model(supportsN: true))
        #expect(withN.promptTokens - plain.promptTokens > 100 * (100 + 50 + 3 * 200))
        #expect(withN.costUSD > 3 * plain.costUSD)
        // Concurrency-bound: 200 requests × 1 s / 10 in flight + two latencies (generation, then judge).
        #expect(withN.durationMs == 22_000)
    }

    @Test func theSwapCheckAddsOneJudgeCallPerCheckedSeed() {
        var input = SynthesisEstimate.Input(
            seedCount: 100, seedTokens: 5_000, skillPrompt: Self.skill, expectedCompletionTokens: 200,
            rejectionSampling: true, maxInFlight: 10, typicalLatencyMs: 1_000)
        let unchecked = SynthesisEstimate(input, model: Self.model(supportsN: true))
        input.swapCheckFraction = 0.1
        let checked = SynthesisEstimate(input, model: Self.model(supportsN: true))
        // Ten of the hundred seeds get a second verdict: ten more requests, each the size of a first verdict.
        #expect(checked.requests == unchecked.requests + 10)
        let judgeCompletion = 60
        #expect(checked.completionTokens == unchecked.completionTokens + 10 * judgeCompletion)
        let onePrompt = (unchecked.promptTokens - SynthesisEstimate(
            SynthesisEstimate.Input(
                seedCount: 100, seedTokens: 5_000, skillPrompt: Self.skill, expectedCompletionTokens: 200,
                rejectionSampling: false, maxInFlight: 10, typicalLatencyMs: 1_000), model: Self.model(supportsN: true)).promptTokens) / 100
        #expect(checked.promptTokens == unchecked.promptTokens + 10 * onePrompt)
        #expect(checked.costUSD > unchecked.costUSD)
    }

    @Test(arguments: [(2, 100 * 2), (5, 100 * 5)])
    func candidatesAndAJudgeOfItsOwnArePricedApart(candidates: Int, teacherRequests: Int) {
        let input = SynthesisEstimate.Input(
            seedCount: 100, seedTokens: 5_000, skillPrompt: Self.skill, expectedCompletionTokens: 200,
            rejectionSampling: true, candidatesPerSeed: candidates, maxInFlight: 10, typicalLatencyMs: 1_000)
        let free = Self.model(supportsN: false, input: 0, output: 0)
        let judgeOnly = SynthesisEstimate(input, model: free, judge: Self.model(supportsN: false, input: 1, output: 2))
        #expect(judgeOnly.requests == teacherRequests + 100)
        #expect(judgeOnly.completionTokens == 100 * (candidates * 200 + 60))
        // Only the judge's calls cost: its prompt (overhead, skill, seed, k candidates) at 1, its verdicts at 2 per million.
        let judgePrompt = judgeOnly.promptTokens - teacherRequests * (100 + 50 + 8)
        #expect(abs(judgeOnly.costUSD - (Double(judgePrompt) * 1 + Double(100 * 60) * 2) / 1_000_000) < 1e-12)
        let teacherOnly = SynthesisEstimate(input, model: Self.model(supportsN: false, input: 1, output: 2), judge: free)
        #expect(abs(teacherOnly.costUSD - (Double(teacherRequests * 158) * 1 + Double(100 * candidates * 200) * 2) / 1_000_000) < 1e-12)
    }

    @Test func seedTokensComeFromTheValidatorsEstimator() {
        let seeds = ["How do I file?", "Qu'est-ce que c'est ?", "税金について"]
        let input = SynthesisEstimate.Input(
            seeds: seeds, skillPrompt: "", expectedCompletionTokens: 0, rejectionSampling: false, maxInFlight: 1,
            typicalLatencyMs: 0)
        #expect(input.seedTokens == seeds.map(TokenEstimator.estimate).reduce(0, +))
        #expect(input.seedCount == 3)
    }

    @Test func tokensPerMinuteCanBeTheBottleneck() {
        let input = SynthesisEstimate.Input(
            seedCount: 10, seedTokens: 0, skillPrompt: "", expectedCompletionTokens: 992, rejectionSampling: false,
            tokensPerMinute: 10_000, maxInFlight: 100, typicalLatencyMs: 100)
        let estimate = SynthesisEstimate(input, model: Self.model(supportsN: false))
        #expect(estimate.promptTokens + estimate.completionTokens == 10_000)
        #expect(estimate.durationMs == 60_100)
        #expect(SynthesisEstimate(SynthesisEstimate.Input(
            seedCount: 0, seedTokens: 0, skillPrompt: "x", expectedCompletionTokens: 10, rejectionSampling: true,
            maxInFlight: 1, typicalLatencyMs: 500), model: Self.model(supportsN: true)).durationMs == 0)
    }

    @Test(arguments: [(0, 800), (500, 10_800), (1_000, 20_800)] as [(Int, Int64)])
    func typicalLatencyGrowsWithTheAnswer(tokens: Int, expected: Int64) {
        #expect(SynthesisEstimate.typicalLatencyMs(completionTokens: tokens) == expected)
    }

    @Test func costUsesPerMillionPrices() {
        #expect(Self.model(supportsN: false, input: 1, output: 2).costUSD(promptTokens: 1_000_000, completionTokens: 500_000) == 2)
    }
}
