/// How an evaluation row's conversation and verdicts are stored (`evaluation_rows.conversation`, `.verdicts`).
public enum EvaluationJSON {
    /// `[{"role", "content"}, …]`.
    public static func conversation(_ messages: [ChatMessage]) -> String {
        SynthesisJSON.array(messages.map { .object([("role", .string($0.role.rawValue)), ("content", .string($0.content))]) }).serialized
    }

    public static func conversation(from text: String) -> [ChatMessage] {
        guard let list = (try? SynthesisJSON.parse(text))?.arrayValue else { return [] }
        return list.compactMap { message in
            guard let role = message["role"]?.stringValue.flatMap(ChatMessage.Role.init(rawValue:)), let content = message["content"]?.stringValue
            else { return nil }
            return ChatMessage(role, content)
        }
    }

    /// `[{"dimension", "pass", "reasoning"}, …]`.
    public static func verdicts(_ verdicts: [DimensionVerdict]) -> String {
        SynthesisJSON.array(verdicts.map {
            .object([("dimension", .string($0.dimension)), ("pass", .bool($0.pass)), ("reasoning", .string($0.reasoning))])
        }).serialized
    }

    public static func verdicts(from text: String?) -> [DimensionVerdict] {
        guard let text, let list = (try? SynthesisJSON.parse(text))?.arrayValue else { return [] }
        return list.compactMap { verdict in
            guard let dimension = verdict["dimension"]?.stringValue, let pass = verdict["pass"]?.boolValue else { return nil }
            return DimensionVerdict(dimension: dimension, pass: pass, reasoning: verdict["reasoning"]?.stringValue ?? "")
        }
    }

    /// The run's dimensions snapshot (`evaluation_runs.dimensions`): the `JudgeDimension`s in grading order.
    public static func dimensions(_ dimensions: [JudgeDimension]) -> String {
        SynthesisJSON.array(dimensions.map {
            .object([
                ("id", .string($0.id)), ("title", .string($0.title)), ("description", .string($0.description)),
                ("rubric_text", .string($0.rubricText)), ("rubric", .string($0.rubric.rawValue)),
            ])
        }).serialized
    }

    public static func dimensions(from text: String) -> [JudgeDimension] {
        guard let list = (try? SynthesisJSON.parse(text))?.arrayValue else { return [] }
        return list.compactMap { item in
            guard let id = item["id"]?.stringValue, let rubric = item["rubric"]?.stringValue.flatMap(JudgeRubric.init(rawValue:)) else { return nil }
            return JudgeDimension(
                id: id, title: item["title"]?.stringValue ?? id, description: item["description"]?.stringValue ?? "",
                rubricText: item["rubric_text"]?.stringValue ?? "", rubric: rubric)
        }
    }
}
