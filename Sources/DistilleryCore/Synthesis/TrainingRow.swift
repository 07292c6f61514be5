/// One line of the child dataset in the clean training shape.
public enum TrainingRow {
    /// `{"messages":[{"role":"system",…},{"role":"user",…},{"role":"assistant",…}]}` (no newline).
    public static func jsonLine(skillPrompt: String, seed: String, answer: String) -> String {
        let messages: SynthesisJSON = .array([
            .object([("role", "system"), ("content", .string(skillPrompt))]),
            .object([("role", "user"), ("content", .string(seed))]),
            .object([("role", "assistant"), ("content", .string(answer))]),
        ])
        return SynthesisJSON.object([("messages", messages)]).serialized
    }
}

/// Where a row came from; shown in the preview and the metadata export.
public struct TrainingRowMetadata: Sendable, Equatable {
    public var provider: String
    public var model: String
    /// Set when rejection sampling chose among candidates.
    public var candidateIndex: Int?
    public var judgeReason: String?
    /// Every candidate, in generation order (rejection sampling only).
    public var candidates: [String]?
    public var tokensIn: Int
    public var tokensOut: Int
    public var latencyMs: Int64
    public var attempts: Int

    public init(
        provider: String, model: String, candidateIndex: Int? = nil, judgeReason: String? = nil,
        candidates: [String]? = nil, tokensIn: Int, tokensOut: Int, latencyMs: Int64, attempts: Int
    ) {
        self.provider = provider
        self.model = model
        self.candidateIndex = candidateIndex
        self.judgeReason = judgeReason
        self.candidates = candidates
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.latencyMs = latencyMs
        self.attempts = attempts
    }

    public var json: SynthesisJSON {
        var members: [(key: String, value: SynthesisJSON)] = [("provider", .string(provider)), ("model", .string(model))]
        if let candidateIndex { members.append(("candidate_index", .number(Double(candidateIndex)))) }
        if let judgeReason { members.append(("judge_reason", .string(judgeReason))) }
        if let candidates { members.append(("candidates", .array(candidates.map { .string($0) }))) }
        members.append(("tokens_in", .number(Double(tokensIn))))
        members.append(("tokens_out", .number(Double(tokensOut))))
        members.append(("latency_ms", .number(Double(latencyMs))))
        members.append(("attempts", .number(Double(attempts))))
        return .object(members)
    }

    public var jsonString: String { json.serialized }
}
