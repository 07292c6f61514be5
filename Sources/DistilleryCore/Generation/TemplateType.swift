/// What one teacher answer of an instruction template holds, and what each of its items becomes.
public enum TemplateType: String, Sendable, CaseIterable {
    case prompts, qa, dialogue, transform

    public var title: String {
        switch self {
        case .prompts: return "Prompts"
        case .qa: return "Questions and answers"
        case .dialogue: return "Dialogue"
        case .transform: return "Transform"
        }
    }

    /// The fields every item of an answer must have.
    public var itemFields: [String] {
        switch self {
        case .prompts: return ["prompt"]
        case .qa: return ["question", "answer"]
        case .dialogue: return ["turns"]
        case .transform: return ["output"]
        }
    }

    /// Its output is a seeds dataset (`{"input"}` rows), ready to synthesize.
    public var producesSeeds: Bool { self == .prompts }

    /// It is applied to each row of an input dataset (`{input}` is the row's text).
    public var needsInputDataset: Bool { self == .transform }

    /// The schema for `response_format: json_schema`: `{"items": [item, …]}` with exactly `count` items, each
    /// with its required fields and nothing else (strict structured output needs `additionalProperties: false`).
    public func responseSchema(count: Int) -> SynthesisJSON {
        let items: SynthesisJSON = .object([
            ("type", "array"), ("minItems", .number(Double(count))), ("maxItems", .number(Double(count))),
            ("items", Self.strictObject(itemProperties)),
        ])
        return Self.strictObject([("items", items)])
    }

    /// `responseSchema` named for `ChatCompletionRequest`'s `response_format`.
    public func responseFormat(count: Int) -> JSONSchemaFormat {
        JSONSchemaFormat(name: "distillery_\(rawValue)_items", schema: responseSchema(count: count))
    }

    /// Appended to the prompt when the model cannot take a JSON schema (JSON mode or plain text).
    public func formatInstruction(count: Int) -> String {
        let noun = count == 1 ? "item" : "items"
        var text = "Answer with a JSON object {\"items\": [...]} holding exactly \(count) \(noun), each \(itemShape)."
        if self == .dialogue { text += " Each dialogue starts with a user turn, alternates, and ends with an assistant turn." }
        return text + " Write nothing outside the JSON object."
    }

    private var itemShape: String {
        switch self {
        case .prompts: return "{\"prompt\": \"…\"}"
        case .qa: return "{\"question\": \"…\", \"answer\": \"…\"}"
        case .dialogue:
            return "{\"turns\": [{\"role\": \"user\", \"content\": \"…\"}, {\"role\": \"assistant\", \"content\": \"…\"}, …]}"
        case .transform: return "{\"output\": \"…\"}"
        }
    }

    private var itemProperties: [(key: String, value: SynthesisJSON)] {
        let string: SynthesisJSON = .object([("type", "string")])
        guard self == .dialogue else { return itemFields.map { ($0, string) } }
        let turn = Self.strictObject([("role", .object([("type", "string"), ("enum", ["user", "assistant"])])), ("content", string)])
        return [("turns", .object([("type", "array"), ("minItems", 2), ("items", turn)]))]
    }

    private static func strictObject(_ properties: [(key: String, value: SynthesisJSON)]) -> SynthesisJSON {
        .object([
            ("type", "object"), ("properties", .object(properties)),
            ("required", .array(properties.map { .string($0.key) })), ("additionalProperties", false),
        ])
    }
}
