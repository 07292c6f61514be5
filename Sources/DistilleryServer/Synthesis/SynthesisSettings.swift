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
        TeacherCapabilities(supportsN: supportsN, supportsSeed: supportsSeed, returnsReasoning: returnsReasoning)
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
