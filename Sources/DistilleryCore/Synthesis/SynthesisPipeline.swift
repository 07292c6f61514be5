/// A seed to synthesise: its key in the job and its text.
public struct SeedItem: Sendable, Equatable {
    public var key: Int64
    public var input: String

    public init(key: Int64, input: String) {
        self.key = key
        self.input = input
    }
}

/// How a stage's token limit starts and how far it may be raised after truncations.
public struct LadderSpec: Sendable, Equatable {
    public var initial: Int
    public var userCap: Int
    /// The model's context window (0: unknown).
    public var contextWindow: Int

    public init(initial: Int, userCap: Int, contextWindow: Int) {
        self.initial = initial
        self.userCap = userCap
        self.contextWindow = contextWindow
    }

    public func ladder(promptTokens: Int) -> TokenLimitLadder {
        TokenLimitLadder(initial: initial, userCap: userCap, contextWindow: contextWindow, promptTokens: promptTokens)
    }
}

/// What a synthesised seed produced: the training row and what its metadata records.
public struct SynthesisOutput: Sendable, Equatable {
    public var rowJSON: String
    /// The chosen candidate (generation order).
    public var chosen: Int
    public var judgeReason: String?
    /// Every candidate (rejection sampling only).
    public var candidates: [String]?
    /// The judge's verdict and the order it saw the candidates in (original indices), when it judged.
    public var verdict: JudgeVerdict?
    public var judgeOrder: [Int]?
    /// The swap check's second verdict (candidates in reverse order), when the seed was sampled for it.
    public var swapVerdict: JudgeVerdict?
    /// The chosen candidate's own prompt and output tokens and the limit of the call that produced it.
    public var promptTokens: Int
    public var outputTokens: Int
    public var limit: Int
}

/// Synthesis as a pipeline: stage 0 asks the teacher for k candidates (one request with `n = k` where the model
/// takes `n`, k requests otherwise); stage 1, when k > 1, asks the judge (its own endpoint, or the teacher's)
/// to pick one from the candidates in shuffled order, and on the swap check's sample asks it a second time with them in
/// reverse order (part 1 of the judge stage, sent with the first); the item ends with one training row.
public struct SynthesisPipeline: Pipeline, Sendable {
    public struct Configuration: Sendable, Equatable {
        public var skillPrompt: String
        public var teacherModel: String
        public var judgeModel: String
        /// The judge's endpoint index (0 when the judge is the teacher's own endpoint).
        public var judgeEndpoint: Int
        public var teacherCapabilities: TeacherCapabilities
        public var temperature: Double?
        public var topP: Double?
        public var seed: Int?
        public var candidates: Int
        public var reasoningMode: ReasoningMode
        public var answerLimits: LadderSpec
        public var judgeLimits: LadderSpec
        /// Mixed with each seed's key for the judge's shuffle (reproducible per job).
        public var shuffleSeed: UInt64
        /// The seeds whose verdict is asked again with the candidates reversed.
        public var swapCheck: SwapCheckSample

        public init(
            skillPrompt: String, teacherModel: String, judgeModel: String, judgeEndpoint: Int, teacherCapabilities: TeacherCapabilities,
            temperature: Double?, topP: Double? = nil, seed: Int?, candidates: Int, reasoningMode: ReasoningMode,
            answerLimits: LadderSpec, judgeLimits: LadderSpec, shuffleSeed: UInt64, swapCheck: SwapCheckSample = SwapCheckSample(fraction: 0)
        ) {
            self.skillPrompt = skillPrompt
            self.teacherModel = teacherModel
            self.judgeModel = judgeModel
            self.judgeEndpoint = judgeEndpoint
            self.teacherCapabilities = teacherCapabilities
            self.temperature = temperature
            self.topP = topP
            self.seed = seed
            self.candidates = max(1, candidates)
            self.reasoningMode = reasoningMode
            self.answerLimits = answerLimits
            self.judgeLimits = judgeLimits
            self.shuffleSeed = shuffleSeed
            self.swapCheck = swapCheck
        }
    }

    public struct Progress: Sendable, Equatable {
        public var answers: [String?]
        /// Per candidate: the prompt and output tokens and the limit of the call that produced it.
        public var answerUsage: [RequestUsage?]
        public var judge: JudgePrompt?
        public var verdict: JudgeVerdict?
        /// The swap check's prompt (sampled seeds only) and its verdict.
        public var swapJudge: JudgePrompt?
        public var swapVerdict: JudgeVerdict?
    }

    public static let answerStage = 0
    public static let judgeStage = 1

    public let configuration: Configuration
    public let calls: [CandidatePlan.Call]
    public var stageCount: Int { 2 }
    public var vocabulary: PipelineVocabulary { .synthesis }

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        calls = CandidatePlan.calls(
            candidates: configuration.candidates, capabilities: configuration.teacherCapabilities, seed: configuration.seed)
    }

    public func begin(_ item: SeedItem) -> Progress {
        Progress(
            answers: Array(repeating: nil, count: configuration.candidates),
            answerUsage: Array(repeating: nil, count: configuration.candidates))
    }

    public func next(_ item: SeedItem, _ progress: Progress) -> PipelineStep<SynthesisOutput, SeedItem> {
        let missing = calls.indices.filter { progress.answers[calls[$0].firstCandidateIndex] == nil }
        if !missing.isEmpty { return .send(missing.map { answerRequest(item, call: $0) }) }
        if configuration.candidates == 1 { return .finish([output(item, progress, chosen: 0)], followUps: []) }
        guard let judge = progress.judge else { return .skip(TeacherFailure(.judgeUnparseable, detail: "No judge prompt.")) }
        // The swap check's verdict does not depend on the first: both go out at once, so a checked seed takes no longer.
        var verdicts: [StageRequest] = []
        if progress.verdict == nil { verdicts.append(judgeRequest(judge, part: 0)) }
        if let swapJudge = progress.swapJudge, progress.swapVerdict == nil { verdicts.append(judgeRequest(swapJudge, part: SwapCheck.part)) }
        guard let verdict = progress.verdict, verdicts.isEmpty else { return .send(verdicts) }
        return .finish([output(item, progress, chosen: verdict.candidateIndex)], followUps: [])
    }

    func judgeRequest(_ prompt: JudgePrompt, part: Int) -> StageRequest {
        StageRequest(
            endpoint: configuration.judgeEndpoint, stage: Self.judgeStage, part: part,
            request: prompt.request(model: configuration.judgeModel, maxNewTokens: configuration.judgeLimits.initial),
            expectsJSON: true, priority: true)
    }

    func answerRequest(_ item: SeedItem, call index: Int) -> StageRequest {
        let call = calls[index]
        let sampling = SamplingSettings(
            temperature: configuration.temperature, maxNewTokens: configuration.answerLimits.initial, seed: call.seed,
            topP: configuration.topP)
        return StageRequest(
            endpoint: 0, stage: Self.answerStage, part: index,
            request: ChatCompletionRequest(
                model: configuration.teacherModel, systemPrompt: configuration.skillPrompt, userPrompt: item.input, sampling: sampling,
                candidateCount: call.candidateCount))
    }

    public func accept(
        _ answer: ChatCompletionResult, usage: RequestUsage, to request: StageRequest, item: SeedItem, progress: inout Progress
    ) -> TeacherFailure? {
        if request.stage == Self.judgeStage { return acceptVerdict(answer, swapCheck: request.part == SwapCheck.part, progress: &progress) }
        let call = calls[request.part]
        guard answer.candidates.count >= call.candidateCount else {
            return TeacherFailure(.malformedBody, detail: "Asked for \(call.candidateCount) answers, got \(answer.candidates.count).")
        }
        var texts: [String] = []
        for candidate in answer.candidates.prefix(call.candidateCount) {
            switch AnswerExtraction.finalAnswer(candidate, mode: configuration.reasoningMode) {
            // An empty or truncated answer is never a row: the whole call is tried again.
            case .failure(let failure): return failure
            case .success(let text): texts.append(text)
            }
        }
        for (offset, text) in texts.enumerated() {
            progress.answers[call.firstCandidateIndex + offset] = text
            // One candidate per call: the usage is its own; several share one usage, so each is estimated.
            var own = usage
            if texts.count > 1 { own.completionTokens = TokenEstimator.estimate(answer.candidates[offset].content) }
            progress.answerUsage[call.firstCandidateIndex + offset] = own
        }
        if configuration.candidates > 1, progress.answers.allSatisfy({ $0 != nil }) {
            var random = SeededRandom(seed: configuration.shuffleSeed ^ (UInt64(bitPattern: item.key) &* 0x9E37_79B9_7F4A_7C15))
            let candidates = progress.answers.map { $0 ?? "" }
            let judge = JudgePrompt(skillPrompt: configuration.skillPrompt, seed: item.input, candidates: candidates, using: &random)
            progress.judge = judge
            if configuration.swapCheck.includes(item.key) {
                progress.swapJudge = judge.reversed(skillPrompt: configuration.skillPrompt, seed: item.input, candidates: candidates)
            }
        }
        return nil
    }

    /// Reads a verdict into the progress: the first, or the swap check's (read against its own, reversed prompt, so its
    /// label maps back to the candidate as generated). An unreadable one is retried like any verdict.
    func acceptVerdict(_ answer: ChatCompletionResult, swapCheck: Bool, progress: inout Progress) -> TeacherFailure? {
        guard let judge = swapCheck ? progress.swapJudge : progress.judge, let first = answer.candidates.first else {
            return TeacherFailure(.judgeUnparseable, detail: "The judge returned no answer.")
        }
        switch AnswerExtraction.finalAnswer(first, mode: .answerOnly) {
        case .failure(let failure):
            // A cut-off verdict is the judge's limit, not the answers': say so, and advise the judge's setting.
            return failure.failureClass == .truncated ? TeacherFailure(.judgeTruncated) : failure
        case .success(let text):
            switch JudgeVerdictParser.parse(text, prompt: judge) {
            case .failure(let failure): return failure
            case .success(let verdict):
                if swapCheck { progress.swapVerdict = verdict } else { progress.verdict = verdict }
                return nil
            }
        }
    }

    public func ladder(for request: StageRequest, item: SeedItem) -> TokenLimitLadder {
        let spec = request.stage == Self.judgeStage ? configuration.judgeLimits : configuration.answerLimits
        return spec.ladder(promptTokens: request.request.estimatedPromptTokens)
    }

    func output(_ item: SeedItem, _ progress: Progress, chosen: Int) -> SynthesisOutput {
        let usage = progress.answerUsage[chosen]
        return SynthesisOutput(
            rowJSON: TrainingRow.jsonLine(skillPrompt: configuration.skillPrompt, seed: item.input, answer: progress.answers[chosen] ?? ""),
            chosen: chosen, judgeReason: progress.verdict?.reason,
            candidates: configuration.candidates > 1 ? progress.answers.map { $0 ?? "" } : nil,
            verdict: progress.verdict, judgeOrder: progress.judge?.order, swapVerdict: progress.swapVerdict,
            promptTokens: usage?.promptTokens ?? 0, outputTokens: usage?.completionTokens ?? 0, limit: usage?.limit ?? 0)
    }
}
