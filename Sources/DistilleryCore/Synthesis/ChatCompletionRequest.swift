/// The sampling settings the user chose in the synthesis dialog.
public struct SamplingSettings: Sendable, Equatable {
    public var temperature: Double?
    public var maxNewTokens: Int?
    public var seed: Int?
    /// Ask for `response_format: {"type": "json_object"}` (sent only where the model supports it).
    public var jsonObjectResponse: Bool
    /// Nucleus sampling (`top_p`), left out when nil.
    public var topP: Double?
    /// Stop sequences (`stop`), left out when empty.
    public var stop: [String]
    /// A JSON schema the answer must follow, sent only where the model takes one (`json_schema`, or llama-cpp-python's
    /// `json_object` with a `schema`); elsewhere `jsonObjectResponse` (JSON mode) applies as before.
    public var jsonSchema: JSONSchemaFormat?

    public init(
        temperature: Double? = nil, maxNewTokens: Int? = nil, seed: Int? = nil, jsonObjectResponse: Bool = false, topP: Double? = nil,
        stop: [String] = [], jsonSchema: JSONSchemaFormat? = nil
    ) {
        self.temperature = temperature
        self.maxNewTokens = maxNewTokens
        self.seed = seed
        self.jsonObjectResponse = jsonObjectResponse
        self.topP = topP
        self.stop = stop
        self.jsonSchema = jsonSchema
    }
}

/// A named JSON schema for structured output.
public struct JSONSchemaFormat: Sendable, Equatable {
    public var name: String
    public var schema: SynthesisJSON

    public init(name: String, schema: SynthesisJSON) {
        self.name = name
        self.schema = schema
    }
}

/// One message of a conversation.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable, Equatable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

/// One `POST /chat/completions` body: a whole conversation (any number of system, user and assistant messages).
public struct ChatCompletionRequest: Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var sampling: SamplingSettings
    /// Candidates wanted from this one request (sent as `n` only when above 1).
    public var candidateCount: Int

    public init(model: String, messages: [ChatMessage], sampling: SamplingSettings, candidateCount: Int = 1) {
        self.model = model
        self.messages = messages
        self.sampling = sampling
        self.candidateCount = max(1, candidateCount)
    }

    /// A system prompt (when given) and one user message.
    public init(model: String, systemPrompt: String?, userPrompt: String, sampling: SamplingSettings, candidateCount: Int = 1) {
        self.init(
            model: model, messages: (systemPrompt.map { [ChatMessage(.system, $0)] } ?? []) + [ChatMessage(.user, userPrompt)],
            sampling: sampling, candidateCount: candidateCount)
    }

    /// The first system message, if any.
    public var systemPrompt: String? { messages.first { $0.role == .system }?.content }
    /// The last user message.
    public var userPrompt: String { messages.last { $0.role == .user }?.content ?? "" }

    /// The JSON body. `seed` is left out when the model does not take one; `n` only appears above 1 (plan
    /// with `CandidatePlan`, which never asks a model without `n` support for several).
    public func jsonBody(capabilities: TeacherCapabilities) -> String {
        let messages: [SynthesisJSON] = self.messages.map {
            .object([("role", .string($0.role.rawValue)), ("content", .string($0.content))])
        }
        var members: [(key: String, value: SynthesisJSON)] = [("model", .string(model)), ("messages", .array(messages))]
        if let temperature = sampling.temperature { members.append(("temperature", .number(temperature))) }
        if let topP = sampling.topP { members.append(("top_p", .number(topP))) }
        if let maxTokens = sampling.maxNewTokens { members.append(("max_tokens", .number(Double(maxTokens)))) }
        if let seed = sampling.seed, capabilities.supportsSeed { members.append(("seed", .number(Double(seed)))) }
        if candidateCount > 1 { members.append(("n", .number(Double(candidateCount)))) }
        if !sampling.stop.isEmpty { members.append(("stop", .array(sampling.stop.map { .string($0) }))) }
        if let schema = sampling.jsonSchema, capabilities.supportsJSONSchema {
            members.append(("response_format", .object([
                ("type", .string("json_schema")),
                ("json_schema", .object([("name", .string(schema.name)), ("schema", schema.schema), ("strict", true)])),
            ])))
        } else if let schema = sampling.jsonSchema, capabilities.supportsJSONObjectSchema {
            members.append(("response_format", .object([("type", .string("json_object")), ("schema", schema.schema)])))
        } else if sampling.jsonObjectResponse && capabilities.supportsJSONObject {
            members.append(("response_format", .object([("type", .string("json_object"))])))
        }
        members.append(("stream", false))
        return SynthesisJSON.object(members).serialized
    }

    /// Prompt tokens by the validator's estimator (the same figure the cost estimate uses).
    public var estimatedPromptTokens: Int {
        messages.reduce(0) { $0 + TokenEstimator.estimate($1.content) + TokenEstimator.perMessageOverhead }
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
