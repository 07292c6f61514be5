/// One teacher call of a generation task: `count` items for one stratum, the first of them item number
/// `firstIndex` (1-based) of the task. A transform call carries the input row it is applied to.
public struct GenerationCall: Sendable, Equatable {
    public var stratum: Int
    public var firstIndex: Int
    public var count: Int
    /// Transform: the input row's text (`{input}`) and its position in the input dataset.
    public var input: String?
    public var sourceRow: Int?

    public init(stratum: Int, firstIndex: Int, count: Int, input: String? = nil, sourceRow: Int? = nil) {
        self.stratum = stratum
        self.firstIndex = firstIndex
        self.count = count
        self.input = input
        self.sourceRow = sourceRow
    }
}

extension GenerationCall {
    /// What the call's prompt is rendered with (by the task, and by a template's preview): its stratum's values and
    /// descriptions, a transform's input row as `{input}`, the call's `{index}` and `{count}`, the task's time and the
    /// `{random_id}` of its first item from the task's seed.
    public func promptContext(strata: [Stratum], seed: UInt64, nowUnixMs: Int64) -> PromptContext {
        let stratum = strata.indices.contains(self.stratum) ? strata[self.stratum] : nil
        var values = stratum?.values ?? [:]
        if let input { values["input"] = input }
        return PromptContext(
            values: values, descriptions: stratum?.descriptions ?? [:], index: firstIndex, count: count, nowUnixMs: nowUnixMs,
            randomID: PromptContext.randomID(seed: seed, index: firstIndex))
    }
}

/// One item a call returned and, once the ledger has looked at it, what became of it.
public struct GenerationOutput: Sendable, Equatable {
    public var item: GeneratedItem
    /// Set by `GenerationLedger.review` before the call is committed.
    public var verdict: GenerationVerdict?
    /// The item's number among every item the task received (set with the verdict).
    public var seq: Int?
    /// The stratum of the call that returned it (set with the verdict).
    public var stratum: Int?
    /// The dataset line it becomes (set by the engine before it is committed).
    public var line: String?

    public init(item: GeneratedItem, verdict: GenerationVerdict? = nil, seq: Int? = nil) {
        self.item = item
        self.verdict = verdict
        self.seq = seq
    }
}

/// Generation as a pipeline: an item is one call; one stage asks the teacher for the call's items (a JSON list,
/// shaped by `response_format: json_schema` where the model takes it, else JSON mode plus the format spelled out in
/// the prompt); an answer that does not parse is a retryable content failure naming the JSON path. The quotas,
/// duplicates and top-ups are not the pipeline's: `GenerationLedger` decides them as calls finish.
public struct GenerationPipeline: Pipeline, Sendable {
    public struct Configuration: Sendable, Equatable {
        public var model: String
        public var type: TemplateType
        public var systemPrompt: String
        public var prompt: PromptTemplate
        public var strata: [Stratum]
        public var capabilities: TeacherCapabilities
        public var temperature: Double?
        public var topP: Double?
        public var limits: LadderSpec
        /// The task's seed: `{random_id}` of item i is `PromptContext.randomID(seed:index:)`, the same after a restart.
        public var seed: UInt64
        /// When the task was created: `{current_date}` and `{current_time}` stay the same across a restart.
        public var createdAtUnixMs: Int64

        public init(
            model: String, type: TemplateType, systemPrompt: String, prompt: PromptTemplate, strata: [Stratum],
            capabilities: TeacherCapabilities, temperature: Double?, topP: Double? = nil, limits: LadderSpec, seed: UInt64,
            createdAtUnixMs: Int64
        ) {
            self.model = model
            self.type = type
            self.systemPrompt = systemPrompt
            self.prompt = prompt
            self.strata = strata
            self.capabilities = capabilities
            self.temperature = temperature
            self.topP = topP
            self.limits = limits
            self.seed = seed
            self.createdAtUnixMs = createdAtUnixMs
        }
    }

    public static let stage = 0
    public let configuration: Configuration
    public var stageCount: Int { 1 }
    public var vocabulary: PipelineVocabulary { PipelineVocabulary(items: "calls", outputs: "items", finished: "answered") }

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    public func begin(_ item: GenerationCall) -> [GeneratedItem]? { nil }

    public func next(_ item: GenerationCall, _ progress: [GeneratedItem]?) -> PipelineStep<GenerationOutput, GenerationCall> {
        if let items = progress { return .finish(items.map { GenerationOutput(item: $0) }, followUps: []) }
        do {
            return .send([try request(for: item)])
        } catch {
            // The prompt was checked when the task was created; a call that still cannot be written is never sent.
            return .skip(TeacherFailure(.badRequest, detail: "The prompt cannot be written: \(error.description)."))
        }
    }

    /// The call's request: the template's system prompt, its prompt rendered for the stratum and the call, and the
    /// answer's format.
    public func request(for call: GenerationCall) throws(PromptTemplateError) -> StageRequest {
        var prompt = try configuration.prompt.render(
            call.promptContext(strata: configuration.strata, seed: configuration.seed, nowUnixMs: configuration.createdAtUnixMs))
        var sampling = SamplingSettings(
            temperature: configuration.temperature, maxNewTokens: configuration.limits.initial, topP: configuration.topP)
        if configuration.capabilities.takesSchema {
            sampling.jsonSchema = JSONSchemaFormat(name: "generated_items", schema: configuration.type.responseSchema(count: call.count))
        } else {
            prompt += "\n\n" + configuration.type.formatInstruction(count: call.count)
            sampling.jsonObjectResponse = true
        }
        let system = configuration.systemPrompt.isEmpty ? nil : configuration.systemPrompt
        return StageRequest(
            endpoint: 0, stage: Self.stage,
            request: ChatCompletionRequest(model: configuration.model, systemPrompt: system, userPrompt: prompt, sampling: sampling),
            expectsJSON: true)
    }

    public func accept(
        _ answer: ChatCompletionResult, usage: RequestUsage, to request: StageRequest, item: GenerationCall, progress: inout [GeneratedItem]?
    ) -> TeacherFailure? {
        guard let candidate = answer.candidates.first else { return TeacherFailure(.emptyAnswer) }
        switch AnswerExtraction.finalAnswer(candidate, mode: .answerOnly) {
        case .failure(let failure):
            return failure
        case .success(let text):
            switch GenerationAnswerParser.parse(text, type: configuration.type) {
            case .failure(let error): return TeacherFailure(.unparseableItems, detail: error.description)
            case .success(let items):
                progress = items
                return nil
            }
        }
    }

    public func ladder(for request: StageRequest, item: GenerationCall) -> TokenLimitLadder {
        configuration.limits.ladder(promptTokens: request.request.estimatedPromptTokens)
    }
}
