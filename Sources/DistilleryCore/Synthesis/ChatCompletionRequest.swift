/// The sampling settings the user chose in the synthesis dialog.
public struct SamplingSettings: Sendable, Equatable {
    public var temperature: Double?
    public var maxNewTokens: Int?
    public var seed: Int?
    /// Ask for `response_format: {"type": "json_object"}` (sent only where the model supports it).
    public var jsonObjectResponse: Bool

    public init(temperature: Double? = nil, maxNewTokens: Int? = nil, seed: Int? = nil, jsonObjectResponse: Bool = false) {
        self.temperature = temperature
        self.maxNewTokens = maxNewTokens
        self.seed = seed
        self.jsonObjectResponse = jsonObjectResponse
    }
}

/// One `POST /chat/completions` body.
public struct ChatCompletionRequest: Sendable, Equatable {
    public var model: String
    public var systemPrompt: String?
    public var userPrompt: String
    public var sampling: SamplingSettings
    /// Candidates wanted from this one request (sent as `n` only when above 1).
    public var candidateCount: Int

    public init(model: String, systemPrompt: String?, userPrompt: String, sampling: SamplingSettings, candidateCount: Int = 1) {
        self.model = model
        self.systemPrompt = systemPrompt
        self.userPrompt = userPrompt
        self.sampling = sampling
        self.candidateCount = max(1, candidateCount)
    }

    /// The JSON body. `seed` is left out when the model does not take one; `n` only appears above 1 (plan
    /// with `CandidatePlan`, which never asks a model without `n` support for several).
    public func jsonBody(capabilities: TeacherCapabilities) -> String {
        var messages: [SynthesisJSON] = []
        if let systemPrompt {
            messages.append(.object([("role", "system"), ("content", .string(systemPrompt))]))
        }
        messages.append(.object([("role", "user"), ("content", .string(userPrompt))]))
        var members: [(key: String, value: SynthesisJSON)] = [("model", .string(model)), ("messages", .array(messages))]
        if let temperature = sampling.temperature { members.append(("temperature", .number(temperature))) }
        if let maxTokens = sampling.maxNewTokens { members.append(("max_tokens", .number(Double(maxTokens)))) }
        if let seed = sampling.seed, capabilities.supportsSeed { members.append(("seed", .number(Double(seed)))) }
        if candidateCount > 1 { members.append(("n", .number(Double(candidateCount)))) }
        if sampling.jsonObjectResponse && capabilities.supportsJSONObject {
            members.append(("response_format", .object([("type", .string("json_object"))])))
        }
        members.append(("stream", false))
        return SynthesisJSON.object(members).serialized
    }

    /// Prompt tokens by the validator's estimator (the same figure the cost estimate uses).
    public var estimatedPromptTokens: Int {
        var tokens = TokenEstimator.estimate(userPrompt) + TokenEstimator.perMessageOverhead
        if let systemPrompt { tokens += TokenEstimator.estimate(systemPrompt) + TokenEstimator.perMessageOverhead }
        return tokens
    }
}

/// How to get k candidates for a seed: one request with `n = k` when the model supports it, otherwise k
/// requests. Separate requests get seeds seed, seed+1, … so a fixed seed does not yield k identical answers.
public enum CandidatePlan {
    /// One request of the plan.
    public struct Call: Sendable, Equatable {
        public var candidateCount: Int
        public var seed: Int?
        /// Index of this call's first candidate among the seed's k candidates.
        public var firstCandidateIndex: Int
    }

    public static func calls(candidates: Int, capabilities: TeacherCapabilities, seed: Int?) -> [Call] {
        let k = max(1, candidates)
        if k == 1 || capabilities.supportsN { return [Call(candidateCount: k, seed: seed, firstCandidateIndex: 0)] }
        return (0..<k).map { index in
            Call(candidateCount: 1, seed: seed.map { $0 &+ index }, firstCandidateIndex: index)
        }
    }
}
