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
    /// The prompt of the request that produced the row's answer.
    public var tokensIn: Int
    /// The row's answer alone (not its siblings, retries or the judge).
    public var tokensOut: Int
    /// Everything billed for this seed over all its attempts: every candidate, retry and judge call.
    public var tokensInBilled: Int
    public var tokensOutBilled: Int
    /// The token limit of the request that produced the answer (above max new tokens after a truncation).
    public var maxTokens: Int?
    public var latencyMs: Int64
    public var attempts: Int
    /// The judge's verdict (rejection sampling): its provider and model, the label it picked, the candidates'
    /// original indices in the order it saw them, each candidate's length in characters, and its swap check.
    public var judge: JudgeRecord?

    public struct JudgeRecord: Sendable, Equatable {
        public var provider: String
        public var model: String
        public var label: Int
        public var order: [Int]
        public var candidateLengths: [Int]
        /// The swap check's pick (the candidate's original index) when the seed was in its sample; nil otherwise.
        public var swapPick: Int?

        public init(provider: String, model: String, label: Int, order: [Int], candidateLengths: [Int], swapPick: Int? = nil) {
            self.provider = provider
            self.model = model
            self.label = label
            self.order = order
            self.candidateLengths = candidateLengths
            self.swapPick = swapPick
        }

        /// The pick, as generated.
        public var pick: Int? { order.indices.contains(label - 1) ? order[label - 1] : nil }

        /// The swap check picked another candidate: the verdict depends on the order, so the row is low-confidence.
        public var flipped: Bool { swapPick.map { $0 != pick } ?? false }

        public var json: SynthesisJSON {
            var members: [(key: String, value: SynthesisJSON)] = [
                ("provider", .string(provider)), ("model", .string(model)), ("label", .number(Double(label))),
                ("order_seen", .array(order.map { .number(Double($0)) })),
                ("candidate_lengths", .array(candidateLengths.map { .number(Double($0)) })),
                ("swap_checked", .bool(swapPick != nil)),
            ]
            if let swapPick {
                members += [("swap_pick", .number(Double(swapPick))), ("flipped", .bool(flipped)), ("low_confidence", .bool(flipped))]
            }
            return .object(members)
        }
    }

    public init(
        provider: String, model: String, candidateIndex: Int? = nil, judgeReason: String? = nil,
        candidates: [String]? = nil, tokensIn: Int, tokensOut: Int, tokensInBilled: Int? = nil, tokensOutBilled: Int? = nil,
        maxTokens: Int? = nil, latencyMs: Int64, attempts: Int
    ) {
        self.provider = provider
        self.model = model
        self.candidateIndex = candidateIndex
        self.judgeReason = judgeReason
        self.candidates = candidates
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.tokensInBilled = tokensInBilled ?? tokensIn
        self.tokensOutBilled = tokensOutBilled ?? tokensOut
        self.maxTokens = maxTokens
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
        members.append(("tokens_in_billed", .number(Double(tokensInBilled))))
        members.append(("tokens_out_billed", .number(Double(tokensOutBilled))))
        if let maxTokens { members.append(("max_tokens", .number(Double(maxTokens)))) }
        members.append(("latency_ms", .number(Double(latencyMs))))
        members.append(("attempts", .number(Double(attempts))))
        if let judge { members.append(("judge", judge.json)) }
        return .object(members)
    }

    public var jsonString: String { json.serialized }
}
