import DistilleryCore
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
    /// The teacher's name as the dialog showed it ("DeepSeek"), for the job page.
    public var teacherDisplayName: String?
    /// A server the user runs (custom base URL): no list price, so its cost is unknown unless `priceGiven`.
    public var selfHosted: Bool?
    /// The user typed a price per million tokens for a self-hosted teacher.
    public var priceGiven: Bool?
    /// Which key the job used, by its label ("team key (…7f3a)", "pasted for this job", "none").
    public var keyDescription: String?

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
            supportsJSONObject: supportsJSONObject ?? false)
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
