/// One turn of a generated dialogue.
public struct DialogueTurn: Sendable, Equatable {
    /// "user" or "assistant".
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// One item of a teacher's answer to an instruction template, already checked by `GenerationAnswerParser`.
public enum GeneratedItem: Sendable, Equatable {
    case prompt(String)
    case qa(question: String, answer: String)
    /// Starts with the user, alternates, ends with the assistant.
    case dialogue([DialogueTurn])
    case transform(output: String)

    /// The text compared for duplicates: the prompt, the question, the dialogue's first user turn, the output.
    public var duplicateKey: String {
        switch self {
        case .prompt(let prompt): return prompt
        case .qa(let question, _): return question
        case .dialogue(let turns): return turns.first { $0.role == "user" }?.content ?? ""
        case .transform(let output): return output
        }
    }

    /// The dataset line this item becomes (compact JSON, no newline): a seeds row `{"input"}` for a prompt, a chat
    /// row `{"messages":[…]}` otherwise. `system` is left out when nil or empty; `input` is a transform's source text.
    public func datasetLine(system: String?, input: String?) -> String {
        if case .prompt(let prompt) = self { return SynthesisJSON.object([("input", .string(prompt))]).serialized }
        var turns: [(role: String, content: String)] = []
        if let system, !system.isEmpty { turns.append(("system", system)) }
        switch self {
        case .prompt: break
        case .qa(let question, let answer): turns += [("user", question), ("assistant", answer)]
        case .dialogue(let dialogue): turns += dialogue.map { ($0.role, $0.content) }
        case .transform(let output): turns += [("user", input ?? ""), ("assistant", output)]
        }
        let messages = turns.map { SynthesisJSON.object([("role", .string($0.role)), ("content", .string($0.content))]) }
        return SynthesisJSON.object([("messages", .array(messages))]).serialized
    }
}
