/// A chat row as a judge reads it: the skill (system) prompt, the turns before the answer, and the answer (the last
/// assistant message).
public struct ScoredConversation: Sendable, Equatable {
    public var systemPrompt: String
    /// The turns before the answer, without the system prompt, in order.
    public var turns: [ChatMessage]
    public var answer: String

    public init(systemPrompt: String, turns: [ChatMessage], answer: String) {
        self.systemPrompt = systemPrompt
        self.turns = turns
        self.answer = answer
    }

    /// A stored (normalized) chat row: `{"messages": [{"role", "content"}, …]}`; nil when it has no assistant answer.
    public static func parse(rowJSON: String) -> ScoredConversation? {
        guard let messages = (try? SynthesisJSON.parse(rowJSON))?["messages"]?.arrayValue else { return nil }
        var system: [String] = []
        var turns: [ChatMessage] = []
        for message in messages {
            guard let role = message["role"]?.stringValue, let content = message["content"]?.stringValue else { continue }
            switch role {
            case "system": system.append(content)
            case "user": turns.append(ChatMessage(.user, content))
            case "assistant": turns.append(ChatMessage(.assistant, content))
            default: continue
            }
        }
        guard let last = turns.lastIndex(where: { $0.role == .assistant }) else { return nil }
        return ScoredConversation(systemPrompt: system.joined(separator: "\n\n"), turns: Array(turns[..<last]), answer: turns[last].content)
    }
}

/// The one judge call that grades a row on every chosen dimension: the skill prompt, the conversation and the answer,
/// then each dimension with what it decides; the judge writes, per dimension, its reasoning first and then the score
/// (reasoning before a verdict makes the verdict follow from it, not the reverse). Structured output where the model
/// takes it (`responseSchema`, `reasoning` before `score` in each object); the parser is strict either way.
public struct ScoringPrompt: Sendable, Equatable {
    /// Stored with every score (`row_scores.prompt_version`): change it whenever the wording below changes.
    public static let version = "score-v1"
    public static let schemaName = "judge_scores"

    public static let systemPrompt = """
        You are an impartial grader of assistant answers. You grade one answer on each dimension you are given, \
        each on its own, judging only what the dimension asks: a longer answer is not a better one, and the order \
        of the dimensions says nothing about their weight. For every dimension write your reasoning first, then \
        the score. Reply with JSON only.
        """

    public var dimensions: [JudgeDimension]
    public var userPrompt: String

    public init(conversation: ScoredConversation, dimensions: [JudgeDimension]) {
        self.dimensions = dimensions
        var text = "<skill_prompt>\n\(conversation.systemPrompt)\n</skill_prompt>\n\n<conversation>\n"
        for turn in conversation.turns { text += "<turn role=\"\(turn.role.rawValue)\">\n\(turn.content)\n</turn>\n" }
        text += "</conversation>\n\n<answer>\n\(conversation.answer)\n</answer>\n\nGrade the answer on these dimensions:\n\n"
        for dimension in dimensions {
            text += "<dimension id=\"\(dimension.id)\" scale=\"\(dimension.rubric == .scale ? "1-5" : "pass/fail")\">\n"
            text += "\(dimension.title): \(dimension.description)\n"
            if !dimension.rubricText.isEmpty { text += "Rubric: \(dimension.rubricText)\n" }
            text += "</dimension>\n\n"
        }
        let members = dimensions.map { dimension in
            "\"\(dimension.id)\": {\"reasoning\": \"<your reasoning>\", \"score\": \(dimension.rubric == .scale ? "<1 to 5>" : "\"pass\" or \"fail\"")}"
        }
        text += """
            Reply with exactly one JSON object and nothing else, one member per dimension in the order above, each \
            with its reasoning first and its score after it: {\(members.joined(separator: ", "))}. A 1-5 score is a \
            whole number (5 best); a pass/fail score is "pass" or "fail".
            """
        userPrompt = text
    }

    /// The JSON schema of the verdict: one required object per dimension, `reasoning` (string) then `score` (an
    /// integer 1–5, or "pass"/"fail").
    public static func responseSchema(_ dimensions: [JudgeDimension]) -> SynthesisJSON {
        let properties = dimensions.map { dimension -> (key: String, value: SynthesisJSON) in
            let score: SynthesisJSON = dimension.rubric == .scale
                ? .object([("type", "integer"), ("minimum", 1), ("maximum", 5)])
                : .object([("type", "string"), ("enum", ["pass", "fail"])])
            return (dimension.id, .object([
                ("type", "object"),
                ("properties", .object([("reasoning", .object([("type", "string")])), ("score", score)])),
                ("required", ["reasoning", "score"]),
                ("additionalProperties", false),
            ]))
        }
        return .object([
            ("type", "object"), ("properties", .object(properties)), ("required", .array(dimensions.map { .string($0.id) })),
            ("additionalProperties", false),
        ])
    }

    /// The judge call: temperature 0 (as stable a verdict as the model allows), the schema as structured output
    /// where the model takes it, JSON mode otherwise (the prompt spells the shape out either way).
    public func request(model: String, maxNewTokens: Int) -> ChatCompletionRequest {
        ChatCompletionRequest(
            model: model, systemPrompt: Self.systemPrompt, userPrompt: userPrompt,
            sampling: SamplingSettings(
                temperature: 0, maxNewTokens: maxNewTokens, jsonObjectResponse: true,
                jsonSchema: JSONSchemaFormat(name: Self.schemaName, schema: Self.responseSchema(dimensions))))
    }
}
