/// One row of a scoring job: its index in the dataset and the conversation (nil when the row has no answer to grade).
public struct ScoringItem: Sendable, Equatable {
    public var key: Int64
    public var conversation: ScoredConversation?

    public init(key: Int64, conversation: ScoredConversation?) {
        self.key = key
        self.conversation = conversation
    }
}

/// Judge scoring as a pipeline: an item is a row; one stage, one call grading every chosen dimension
/// (`ScoringPrompt`); an answer `ScoringVerdictParser` cannot read is a retryable `judgeUnparseable`, so the row is
/// asked again and, when its attempts run out, skipped: unscored, never guessed.
public struct ScoringPipeline: Pipeline, Sendable {
    public struct Configuration: Sendable, Equatable {
        public var model: String
        public var dimensions: [JudgeDimension]
        public var limits: LadderSpec

        public init(model: String, dimensions: [JudgeDimension], limits: LadderSpec) {
            self.model = model
            self.dimensions = dimensions
            self.limits = limits
        }
    }

    public static let stage = 0
    /// The tokens a verdict is expected to take per dimension (reasoning and score), for the default limit and the estimate.
    public static let tokensPerDimension = 200

    public let configuration: Configuration
    public var stageCount: Int { 1 }
    public var vocabulary: PipelineVocabulary { PipelineVocabulary(items: "rows", outputs: "scores", finished: "scored") }

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    public func begin(_ item: ScoringItem) -> [DimensionScore]? { nil }

    public func next(_ item: ScoringItem, _ progress: [DimensionScore]?) -> PipelineStep<[DimensionScore], ScoringItem> {
        if let verdicts = progress { return .finish([verdicts], followUps: []) }
        guard let conversation = item.conversation else {
            return .skip(TeacherFailure(.badRequest, detail: "The row has no assistant answer to grade."))
        }
        let prompt = ScoringPrompt(conversation: conversation, dimensions: configuration.dimensions)
        return .send([StageRequest(
            endpoint: 0, stage: Self.stage, request: prompt.request(model: configuration.model, maxNewTokens: configuration.limits.initial),
            expectsJSON: true)])
    }

    public func accept(
        _ answer: ChatCompletionResult, usage: RequestUsage, to request: StageRequest, item: ScoringItem, progress: inout [DimensionScore]?
    ) -> TeacherFailure? {
        guard let first = answer.candidates.first else { return TeacherFailure(.judgeUnparseable, detail: "The judge returned no answer.") }
        switch AnswerExtraction.finalAnswer(first, mode: .answerOnly) {
        case .failure(let failure):
            // A cut-off verdict is the judge's limit: the ladder raises it on the retry.
            return failure.failureClass == .truncated ? TeacherFailure(.judgeTruncated) : failure
        case .success(let text):
            switch ScoringVerdictParser.parse(text, dimensions: configuration.dimensions) {
            case .failure(let failure): return failure
            case .success(let verdicts):
                progress = verdicts
                return nil
            }
        }
    }

    public func ladder(for request: StageRequest, item: ScoringItem) -> TokenLimitLadder {
        configuration.limits.ladder(promptTokens: request.request.estimatedPromptTokens)
    }
}
