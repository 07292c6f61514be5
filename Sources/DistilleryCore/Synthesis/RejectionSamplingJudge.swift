/// The judge call for one seed: its prompts, and which original candidate each label stands for.
public struct JudgePrompt: Sendable, Equatable {
    public var systemPrompt: String
    public var userPrompt: String
    /// `order[label - 1]` is the original index of the candidate shown as `label`.
    public var order: [Int]

    /// Builds the prompt with the candidates in shuffled order (so the judge's position bias does not
    /// always favour the first sample), labelled 1…k.
    public init(
        skillPrompt: String, seed: String, candidates: [String], using random: inout some RandomNumberGenerator
    ) {
        var order = Array(candidates.indices)
        order.shuffle(using: &random)
        self.init(skillPrompt: skillPrompt, seed: seed, candidates: candidates, order: order)
    }

    /// Builds the prompt with the candidates in the given order: `order[label - 1]` is shown as `label`.
    public init(skillPrompt: String, seed: String, candidates: [String], order: [Int]) {
        self.order = order
        systemPrompt = """
            You are a strict evaluator of assistant answers. You compare candidate answers to the same user \
            message and pick the one that best follows the assistant's instructions: correct, helpful, in the \
            requested voice and format, and complete. Reply with JSON only.
            """
        var user = "<instructions>\n\(skillPrompt)\n</instructions>\n\n<user_message>\n\(seed)\n</user_message>\n\n"
        for (position, original) in order.enumerated() {
            user += "<candidate label=\"\(position + 1)\">\n\(candidates[original])\n</candidate>\n\n"
        }
        user += """
            Which candidate answers the user message best under the instructions? Reply with exactly one JSON \
            object and nothing else: {"best": <label 1-\(order.count)>, "reason": "<one short sentence>"}
            """
        userPrompt = user
    }

    /// The swap check's prompt: the same candidates in the reverse of this prompt's order, so every candidate that
    /// was not in the middle changes position (a judge that picks by position picks another candidate).
    public func reversed(skillPrompt: String, seed: String, candidates: [String]) -> JudgePrompt {
        JudgePrompt(skillPrompt: skillPrompt, seed: seed, candidates: candidates, order: order.reversed())
    }

    /// The judge call: temperature 0 so the verdict is as stable as the model allows; room for a reasoning
    /// model to think before its short JSON.
    public func request(model: String, maxNewTokens: Int = 1_024) -> ChatCompletionRequest {
        ChatCompletionRequest(
            model: model, systemPrompt: systemPrompt, userPrompt: userPrompt,
            sampling: SamplingSettings(temperature: 0, maxNewTokens: maxNewTokens, jsonSchema: Self.verdictSchema))
    }

    /// The verdict's shape, sent as structured output where the judge's model supports it (the parser still
    /// tolerates prose around the object from models that do not).
    public static let verdictSchema = JSONSchemaFormat(
        name: "verdict",
        schema: .object([
            ("type", .string("object")),
            ("properties", .object([("best", .object([("type", .string("integer"))])), ("reason", .object([("type", .string("string"))]))])),
            ("required", .array([.string("best"), .string("reason")])),
            ("additionalProperties", false),
        ]))

    /// The original candidate index for a label the judge gave, if it is one of the labels shown.
    public func originalIndex(forLabel label: Int) -> Int? {
        guard label >= 1, label <= order.count else { return nil }
        return order[label - 1]
    }
}

/// The judge's pick, mapped back to the candidate as generated.
public struct JudgeVerdict: Sendable, Equatable {
    /// Index into the seed's candidates in generation order.
    public var candidateIndex: Int
    /// The label the judge used (position in the shuffled prompt).
    public var label: Int
    public var reason: String
}

/// Reads the judge's verdict.
public enum JudgeVerdictParser {
    public static let reasonLimit = 300

    /// Reads `{"best": n, "reason": "..."}` from the judge's answer, tolerating a fenced code block, prose
    /// around the object, a `<think>` block before it, and `best` written as "2" or "Candidate 2".
    /// Anything else is `judgeUnparseable`.
    public static func parse(_ answer: String, prompt: JudgePrompt) -> Result<JudgeVerdict, TeacherFailure> {
        let text = AnswerExtraction.splitInlineReasoning(answer).answer
        let bytes = Array(text.utf8)
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "{") {
            guard let (value, _) = SynthesisJSON.parsePrefix(bytes, from: offset), let best = value["best"] else {
                continue
            }
            guard let label = labelNumber(best) else {
                return .failure(TeacherFailure(.judgeUnparseable, detail: "\"best\" is not a candidate number."))
            }
            guard let index = prompt.originalIndex(forLabel: label) else {
                return .failure(
                    TeacherFailure(.judgeUnparseable, detail: "\"best\" is \(label), not a label from 1 to \(prompt.order.count)."))
            }
            var reason = AnswerExtraction.trimmed(value["reason"]?.stringValue ?? "")
            if reason.count > reasonLimit { reason = String(reason.prefix(reasonLimit)) + "…" }
            return .success(JudgeVerdict(candidateIndex: index, label: label, reason: reason))
        }
        return .failure(TeacherFailure(.judgeUnparseable, detail: "No JSON object with \"best\" was found."))
    }

    static func labelNumber(_ value: SynthesisJSON) -> Int? {
        if let int = value.intValue { return int }
        guard let text = value.stringValue else { return nil }
        let digits = text.filter(\.isNumber)
        // "Candidate 2" or "2" but not "1 or 2".
        guard !digits.isEmpty, text.split(whereSeparator: { !$0.isNumber }).count == 1 else { return nil }
        return Int(digits)
    }
}
