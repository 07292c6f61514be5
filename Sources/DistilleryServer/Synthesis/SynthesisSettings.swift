import DistilleryCore
import DistilleryPlatform
import Foundation

/// What a synthesis job was started with, stored as JSON with the job so a resumed job runs with
/// the same teacher, limits and prices even if the catalog changes meanwhile.
public struct SynthesisSettings: Codable, Sendable, Equatable {
    public var provider: String
    public var model: String
    /// The API base URL (`…/v1`); chat completions and models paths are appended.
    public var baseURL: String
    public var chatCompletionsPath = "/chat/completions"
    public var modelsPath = "/models"
    public var temperature: Double?
    public var maxNewTokens: Int
    public var seed: Int?
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var maxInFlight: Int
    public var rejectionSampling: Bool
    /// Keep a reasoning model's reasoning as `<think>…</think>` before the answer.
    public var keepReasoning: Bool
    public var requestTimeoutSeconds: Double
    public var maxAttempts: Int
    public var supportsN: Bool
    public var supportsSeed: Bool
    public var returnsReasoning: Bool
    public var inputPricePerMillionUSD: Double
    public var outputPricePerMillionUSD: Double
    /// The highest token limit a truncated answer is retried with (doubling from max new tokens);
    /// nil in jobs stored before it existed: never raised.
    public var maxTokensCap: Int?
    /// The judge's own token limit (rejection sampling); nil: derived from max new tokens as before.
    public var judgeMaxTokens: Int?
    /// The model's context window from the catalog: bounds the raised limits.
    public var contextWindow: Int?
    public var supportsJSONObject: Bool?
    /// Structured output (`json_schema`) per the catalog; nil in jobs stored before it existed: not sent.
    public var supportsJSONSchema: Bool?
    /// A custom server taking the schema as llama-cpp-python does (`json_object` with a `schema`); nil: not sent.
    public var supportsJSONObjectSchema: Bool?
    /// The teacher's name as the dialog showed it ("DeepSeek"), for the job page.
    public var teacherDisplayName: String?
    /// A server the user runs (custom base URL): no list price, so its cost is unknown unless `priceGiven`.
    public var selfHosted: Bool?
    /// The user typed a price per million tokens for a self-hosted teacher.
    public var priceGiven: Bool?
    /// Which key the job used, by its label ("team key (…7f3a)", "pasted for this job", "none").
    public var keyDescription: String?
    /// Rejection sampling's judge as its own endpoint; nil: the teacher judges (jobs stored before it existed too).
    public var judge: JudgeEndpointSettings?
    /// Candidates per seed with rejection sampling (1 to 5); nil: 3, as before it was a setting.
    public var candidates: Int?
    /// Nucleus sampling; nil: not sent.
    public var topP: Double?
    /// The train/validation/test distribution the child is split by when it is built (a recipe's, or given
    /// with the run); nil: the child is not split.
    public var distribution: RecipeDistribution?
    /// The share of judged seeds whose verdict is asked again with the candidates reversed (0–1, the swap check); nil
    /// in jobs stored before it existed: none.
    public var swapCheckFraction: Double?

    public init(
        provider: String, model: String, baseURL: String, temperature: Double? = 0.7, maxNewTokens: Int = 1024, seed: Int? = nil,
        requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, maxInFlight: Int = 16, rejectionSampling: Bool = false,
        keepReasoning: Bool = false, requestTimeoutSeconds: Double = 120, maxAttempts: Int = 5, supportsN: Bool = false,
        supportsSeed: Bool = false, returnsReasoning: Bool = false, inputPricePerMillionUSD: Double = 0,
        outputPricePerMillionUSD: Double = 0
    ) {
        self.provider = provider
        self.model = model
        self.baseURL = baseURL
        self.temperature = temperature
        self.maxNewTokens = maxNewTokens
        self.seed = seed
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.maxInFlight = maxInFlight
        self.rejectionSampling = rejectionSampling
        self.keepReasoning = keepReasoning
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.maxAttempts = maxAttempts
        self.supportsN = supportsN
        self.supportsSeed = supportsSeed
        self.returnsReasoning = returnsReasoning
        self.inputPricePerMillionUSD = inputPricePerMillionUSD
        self.outputPricePerMillionUSD = outputPricePerMillionUSD
    }

    /// False when the cost cannot be known: a self-hosted teacher without a price.
    var costKnown: Bool { !(selfHosted ?? false) || (priceGiven ?? false) }

    var capabilities: TeacherCapabilities {
        TeacherCapabilities(
            supportsN: supportsN, supportsSeed: supportsSeed, returnsReasoning: returnsReasoning,
            supportsJSONObject: supportsJSONObject ?? false, supportsJSONSchema: supportsJSONSchema ?? false,
            supportsJSONObjectSchema: supportsJSONObjectSchema ?? false)
    }

    /// How the child is split when it is built: the distribution with the job's seed (the split form's default
    /// seed when the job has none), near duplicates at the default threshold.
    var childSplit: SplitRequest? {
        distribution.map { SplitRequest(distribution: $0, seed: seed.map { UInt64(truncatingIfNeeded: $0) } ?? SplitRequest.defaultSeed) }
    }

    /// The default cap: four times max new tokens (two doublings).
    static func defaultCap(maxNewTokens: Int) -> Int { maxNewTokens.multipliedReportingOverflow(by: 4).overflow ? Int.max : maxNewTokens * 4 }

    /// The judge's first limit: its own setting, or room for a reasoning model to think before its short JSON.
    var effectiveJudgeMaxTokens: Int { judgeMaxTokens ?? max(256, min(1024, maxNewTokens)) }

    /// The answer's limit ladder for a prompt of `promptTokens`.
    func answerLadder(promptTokens: Int) -> TokenLimitLadder {
        TokenLimitLadder(
            initial: maxNewTokens, userCap: maxTokensCap ?? maxNewTokens, contextWindow: contextWindow ?? 0, promptTokens: promptTokens)
    }

    /// The judge's ladder: its own limit, raised up to the same cap (or its own limit when that is higher).
    func judgeLadder(promptTokens: Int) -> TokenLimitLadder {
        TokenLimitLadder(
            initial: effectiveJudgeMaxTokens, userCap: max(effectiveJudgeMaxTokens, maxTokensCap ?? 0),
            contextWindow: contextWindow ?? 0, promptTokens: promptTokens)
    }

    var chatCompletionsURL: String { TeacherProvider.join(baseURL, chatCompletionsPath) }
    var modelsURL: String { TeacherProvider.join(baseURL, modelsPath) }

    func costUSD(promptTokens: Int, completionTokens: Int) -> Double {
        (Double(promptTokens) * inputPricePerMillionUSD + Double(completionTokens) * outputPricePerMillionUSD) / 1_000_000
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ json: String) throws -> SynthesisSettings {
        try JSONDecoder().decode(SynthesisSettings.self, from: Data(json.utf8))
    }
}

/// Rejection sampling's judge when it is its own endpoint (any provider and model, its own key); stored with the
/// job like the teacher's settings.
public struct JudgeEndpointSettings: Codable, Sendable, Equatable {
    public var provider: String
    public var model: String
    public var baseURL: String
    public var chatCompletionsPath: String
    public var modelsPath: String
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var maxInFlight: Int
    public var requestTimeoutSeconds: Double
    public var supportsSeed: Bool
    public var returnsReasoning: Bool
    public var supportsJSONObject: Bool
    public var supportsJSONSchema: Bool
    public var inputPricePerMillionUSD: Double
    public var outputPricePerMillionUSD: Double
    public var contextWindow: Int?
    /// The judge's name as the dialog showed it, for the job page.
    public var displayName: String?
    /// Which key the judge used, by its label.
    public var keyDescription: String?
    /// The judge's own key in the vault (pasted for the job, or saved); nil: the teacher's key when the judge is
    /// on the teacher's provider, else none.
    public var keyID: Int64?
    public var selfHosted: Bool
    public var priceGiven: Bool

    public init(provider: String, model: String, baseURL: String, maxInFlight: Int = 16, requestTimeoutSeconds: Double = 120) {
        self.provider = provider
        self.model = model
        self.baseURL = baseURL
        chatCompletionsPath = "/chat/completions"
        modelsPath = "/models"
        self.maxInFlight = maxInFlight
        self.requestTimeoutSeconds = requestTimeoutSeconds
        supportsSeed = false
        returnsReasoning = false
        supportsJSONObject = false
        supportsJSONSchema = false
        inputPricePerMillionUSD = 0
        outputPricePerMillionUSD = 0
        selfHosted = false
        priceGiven = false
    }

    var capabilities: TeacherCapabilities {
        TeacherCapabilities(
            supportsN: false, supportsSeed: supportsSeed, returnsReasoning: returnsReasoning, supportsJSONObject: supportsJSONObject,
            supportsJSONSchema: supportsJSONSchema)
    }

    var chatCompletionsURL: String { TeacherProvider.join(baseURL, chatCompletionsPath) }
    var modelsURL: String { TeacherProvider.join(baseURL, modelsPath) }

    /// The judge as a teacher's settings, for the pre-flight (which checks a key, a model and a URL).
    var preflightSettings: SynthesisSettings {
        var settings = SynthesisSettings(provider: provider, model: model, baseURL: baseURL)
        settings.chatCompletionsPath = chatCompletionsPath
        settings.modelsPath = modelsPath
        settings.selfHosted = selfHosted
        settings.supportsJSONObject = supportsJSONObject
        return settings
    }
}

/// The job's settings as the engine runs them: the pipeline, the endpoints and their connections.
extension SynthesisSettings {
    /// Candidates per seed: 1 without rejection sampling; the setting (default 3) with it.
    var candidateCount: Int { rejectionSampling ? min(5, max(1, candidates ?? 3)) : 1 }

    /// The judge's endpoint index: its own (1) when set, else the teacher's (0).
    var judgeEndpointIndex: Int { judge == nil ? 0 : 1 }

    func pipelineConfiguration(skillPrompt: String, jobID: Int64) -> SynthesisPipeline.Configuration {
        SynthesisPipeline.Configuration(
            skillPrompt: skillPrompt, teacherModel: model, judgeModel: judge?.model ?? model, judgeEndpoint: judgeEndpointIndex,
            teacherCapabilities: capabilities, temperature: temperature, topP: topP, seed: seed, candidates: candidateCount,
            reasoningMode: keepReasoning ? .keepAsThinkBlock : .answerOnly,
            answerLimits: LadderSpec(initial: maxNewTokens, userCap: maxTokensCap ?? maxNewTokens, contextWindow: contextWindow ?? 0),
            judgeLimits: LadderSpec(
                initial: effectiveJudgeMaxTokens, userCap: max(effectiveJudgeMaxTokens, maxTokensCap ?? 0),
                contextWindow: judge?.contextWindow ?? contextWindow ?? 0),
            shuffleSeed: UInt64(bitPattern: jobID) &* 0xBF58_476D_1CE4_E5B9 &+ UInt64(bitPattern: Int64(seed ?? 0)),
            swapCheck: SwapCheckSample(fraction: swapCheckFraction ?? 0))
    }

    /// Pace a hair under the declared rate, so timer jitter never pushes a 60-second window past the limit; a
    /// burst of 2 lets a late wake-up catch up instead of shifting every later request.
    static func pacing(requestsPerMinute: Int?, tokensPerMinute: Int?) -> RequestPacer.Configuration {
        RequestPacer.Configuration(
            requestsPerMinute: requestsPerMinute.map { max(1, Int((Double($0) * 0.99).rounded(.down))) },
            tokensPerMinute: tokensPerMinute, burst: 2)
    }

    var engineEndpoints: [EngineEndpoint] {
        var endpoints = [EngineEndpoint(
            capabilities: capabilities, maxInFlight: maxInFlight,
            pacing: Self.pacing(requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute),
            inputPricePerMillionUSD: inputPricePerMillionUSD, outputPricePerMillionUSD: outputPricePerMillionUSD)]
        if let judge {
            endpoints.append(EngineEndpoint(
                capabilities: judge.capabilities, maxInFlight: judge.maxInFlight,
                pacing: Self.pacing(requestsPerMinute: judge.requestsPerMinute, tokensPerMinute: judge.tokensPerMinute),
                inputPricePerMillionUSD: judge.inputPricePerMillionUSD, outputPricePerMillionUSD: judge.outputPricePerMillionUSD))
        }
        return endpoints
    }

    /// `keys`: the teacher's, then the judge's.
    func connections(keys: [SecureBytes?]) -> [EndpointConnection] {
        var connections = [EndpointConnection(
            chatCompletionsURL: chatCompletionsURL, key: keys.first ?? nil, timeoutSeconds: requestTimeoutSeconds)]
        if let judge {
            connections.append(EndpointConnection(
                chatCompletionsURL: judge.chatCompletionsURL, key: keys.count > 1 ? keys[1] : nil, timeoutSeconds: judge.requestTimeoutSeconds))
        }
        return connections
    }
}
