/// One held-out row to evaluate: the conversation the student answers (everything before the final assistant turn,
/// multi-turn rows whole), the reference (that final assistant turn), and what a previous run already committed.
public struct EvaluationItem: Sendable, Equatable {
    /// The row's index in its dataset (the item's key in the job).
    public var key: Int64
    public var conversation: [ChatMessage]
    public var reference: String
    /// Parts committed before a restart: never asked again.
    public var stored: EvaluationProgress

    public init(key: Int64, conversation: [ChatMessage], reference: String, stored: EvaluationProgress = EvaluationProgress()) {
        self.key = key
        self.conversation = conversation
        self.reference = reference
        self.stored = stored
    }
}

/// A row's answers so far; each part is committed as it comes.
public struct EvaluationProgress: Sendable, Equatable {
    public var studentAnswer: String?
    /// The student's answer stopped at its token limit's cap (finish_reason "length"): judged as it is, and marked.
    public var studentTruncated: Bool
    public var grade: EvaluationGrade?
    /// The judge's pick with the student's answer shown first (as A).
    public var forward: PairwisePreference?
    /// The judge's pick with the reference shown first (as A).
    public var reverse: PairwisePreference?

    public init(
        studentAnswer: String? = nil, studentTruncated: Bool = false, grade: EvaluationGrade? = nil, forward: PairwisePreference? = nil,
        reverse: PairwisePreference? = nil
    ) {
        self.studentAnswer = studentAnswer
        self.studentTruncated = studentTruncated
        self.grade = grade
        self.forward = forward
        self.reverse = reverse
    }

    public var isComplete: Bool { studentAnswer != nil && grade != nil && forward != nil && reverse != nil }
}

/// Evaluation as a pipeline: endpoint 0 is the student, endpoint 1 the judge. Stage 0 asks the student to answer the
/// row's conversation; stage 1 sends the judge three parts at once, ahead of the judge's other work: the grade against
/// the reference, and the preference in both orders. An unparseable verdict is a content failure (retried, then the
/// row skipped with the reason). What the student gives is its answer, however poor: an empty answer fails every
/// dimension and loses both orders without asking the judge, and an answer cut off at the cap of the student's token
/// limit is judged as it is (marked), so the report counts the student's failures instead of skipping them.
public struct EvaluationPipeline: Pipeline, Sendable {
    public struct Configuration: Sendable, Equatable {
        public var studentModel: String
        public var judgeModel: String
        public var dimensions: [JudgeDimension]
        /// The student's sampling (a recipe's or the run's settings); its token limit comes from `studentLimits`.
        public var studentSampling: SamplingSettings
        public var studentLimits: LadderSpec
        public var judgeLimits: LadderSpec

        public init(
            studentModel: String, judgeModel: String, dimensions: [JudgeDimension], studentSampling: SamplingSettings, studentLimits: LadderSpec,
            judgeLimits: LadderSpec
        ) {
            self.studentModel = studentModel
            self.judgeModel = judgeModel
            self.dimensions = dimensions
            self.studentSampling = studentSampling
            self.studentLimits = studentLimits
            self.judgeLimits = judgeLimits
        }
    }

    public static let studentEndpoint = 0
    public static let judgeEndpoint = 1
    public static let studentStage = 0
    public static let judgeStage = 1
    public enum JudgePart: Int, Sendable, CaseIterable { case grade = 0, forward = 1, reverse = 2 }

    public let configuration: Configuration
    public var stageCount: Int { 2 }
    public var vocabulary: PipelineVocabulary { PipelineVocabulary(items: "rows", outputs: "judged rows", finished: "judged") }
    public static var commitsPartialAnswers: Bool { true }

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    public func begin(_ item: EvaluationItem) -> EvaluationProgress { item.stored }

    public func next(_ item: EvaluationItem, _ progress: EvaluationProgress) -> PipelineStep<EvaluationProgress, EvaluationItem> {
        guard let answer = progress.studentAnswer else { return .send([studentRequest(item)]) }
        let missing = JudgePart.allCases.filter { part in
            switch part {
            case .grade: return progress.grade == nil
            case .forward: return progress.forward == nil
            case .reverse: return progress.reverse == nil
            }
        }
        if missing.isEmpty { return .finish([progress], followUps: []) }
        return .send(missing.map { judgeRequest(item, answer: answer, part: $0) })
    }

    public func studentRequest(_ item: EvaluationItem) -> StageRequest {
        var sampling = configuration.studentSampling
        sampling.maxNewTokens = configuration.studentLimits.initial
        return StageRequest(
            endpoint: Self.studentEndpoint, stage: Self.studentStage,
            request: ChatCompletionRequest(model: configuration.studentModel, messages: item.conversation, sampling: sampling))
    }

    public func judgeRequest(_ item: EvaluationItem, answer: String, part: JudgePart) -> StageRequest {
        let limit = configuration.judgeLimits.initial
        let model = configuration.judgeModel
        let request: ChatCompletionRequest
        switch part {
        case .grade:
            request = EvaluationPrompts.gradeRequest(
                model: model, conversation: item.conversation, reference: item.reference, studentAnswer: answer,
                dimensions: configuration.dimensions, maxNewTokens: limit)
        case .forward:
            request = EvaluationPrompts.preferenceRequest(
                model: model, conversation: item.conversation, first: answer, second: item.reference, maxNewTokens: limit)
        case .reverse:
            request = EvaluationPrompts.preferenceRequest(
                model: model, conversation: item.conversation, first: item.reference, second: answer, maxNewTokens: limit)
        }
        return StageRequest(
            endpoint: Self.judgeEndpoint, stage: Self.judgeStage, part: part.rawValue, request: request, expectsJSON: true, priority: true)
    }

    public func accept(
        _ answer: ChatCompletionResult, usage: RequestUsage, to request: StageRequest, item: EvaluationItem, progress: inout EvaluationProgress
    ) -> TeacherFailure? {
        guard request.stage == Self.judgeStage else { return acceptStudent(answer, usage: usage, to: request, item: item, progress: &progress) }
        guard let candidate = answer.candidates.first else { return TeacherFailure(.judgeUnparseable, detail: "No answer came back.") }
        let text: String
        switch AnswerExtraction.finalAnswer(candidate, mode: .answerOnly) {
        case .failure(let failure):
            // A cut-off verdict is the judge's limit, not the student's: say so.
            return failure.failureClass == .truncated ? TeacherFailure(.judgeTruncated) : failure
        case .success(let answer):
            text = answer
        }
        switch JudgePart(rawValue: request.part) ?? .grade {
        case .grade:
            switch EvaluationVerdictParser.parseGrade(text, dimensions: configuration.dimensions) {
            case .failure(let failure): return failure
            case .success(let grade): progress.grade = grade
            }
        case .forward:
            switch EvaluationVerdictParser.parsePreference(text, studentFirst: true) {
            case .failure(let failure): return failure
            case .success(let preference): progress.forward = preference
            }
        case .reverse:
            switch EvaluationVerdictParser.parsePreference(text, studentFirst: false) {
            case .failure(let failure): return failure
            case .success(let preference): progress.reverse = preference
            }
        }
        return nil
    }

    /// A cut-off answer below the cap is retried with a raised limit (the scheduler's ladder); at the cap the cut text is
    /// the student's answer. An empty answer (nothing, whitespace, a content filter's stop) is judged here: the judge could
    /// only confirm it fails, and asking again would hide the failure.
    private func acceptStudent(
        _ answer: ChatCompletionResult, usage: RequestUsage, to request: StageRequest, item: EvaluationItem, progress: inout EvaluationProgress
    ) -> TeacherFailure? {
        var text = ""
        if let candidate = answer.candidates.first {
            switch AnswerExtraction.finalAnswer(candidate, mode: .answerOnly) {
            case .success(let answer):
                text = answer
            case .failure(let failure) where failure.failureClass == .truncated:
                if ladder(for: request, item: item).next(after: usage.limit) != nil { return failure }
                progress.studentTruncated = true
                text = AnswerExtraction.trimmed(AnswerExtraction.splitInlineReasoning(candidate.content).answer)
            case .failure:
                break
            }
        }
        progress.studentAnswer = text
        if text.isEmpty {
            progress.grade = EvaluationGrade.emptyAnswer(dimensions: configuration.dimensions)
            progress.forward = .reference
            progress.reverse = .reference
        }
        return nil
    }

    public func ladder(for request: StageRequest, item: EvaluationItem) -> TokenLimitLadder {
        let spec = request.stage == Self.judgeStage ? configuration.judgeLimits : configuration.studentLimits
        return spec.ladder(promptTokens: request.request.estimatedPromptTokens)
    }
}

/// A dataset row as an evaluation reads it: the conversation before the final assistant turn and that turn.
public struct HeldOutRow: Sendable, Equatable {
    public var conversation: [ChatMessage]
    /// The last user turn (shown in the report).
    public var prompt: String
    public var reference: String

    public init(conversation: [ChatMessage], prompt: String, reference: String) {
        self.conversation = conversation
        self.prompt = prompt
        self.reference = reference
    }

    /// Reads a chat row's `messages`; nil when it has no assistant turn after a user turn (nothing to compare with).
    public static func read(body: String) -> HeldOutRow? {
        guard let json = try? SynthesisJSON.parse(body), let messages = json["messages"]?.arrayValue else { return nil }
        var turns: [ChatMessage] = []
        for message in messages {
            guard let roleText = message["role"]?.stringValue, let role = ChatMessage.Role(rawValue: roleText),
                let content = message["content"]?.stringValue
            else { return nil }
            turns.append(ChatMessage(role, content))
        }
        guard let last = turns.lastIndex(where: { $0.role == .assistant }) else { return nil }
        let conversation = Array(turns[..<last])
        guard let prompt = conversation.last(where: { $0.role == .user })?.content else { return nil }
        return HeldOutRow(conversation: conversation, prompt: prompt, reference: turns[last].content)
    }
}
