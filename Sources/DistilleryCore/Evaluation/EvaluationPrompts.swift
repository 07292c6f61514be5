/// The judge's two kinds of call in an evaluation: the grade (pass/fail per dimension against the reference, reasoning
/// first, and a short phrase naming what went wrong) and the pairwise preference (asked in both orders). Neutral
/// labels (A, B) so the judge never knows which answer is the reference; temperature 0 so verdicts are as stable as
/// the model allows.
public enum EvaluationPrompts {
    /// Stored with each run (`evaluation_runs.prompt_version`): runs are comparable only under the same prompts.
    public static let version = "evaluation-1"
    /// The longest failure phrase kept (the judge is asked for a few words).
    public static let failurePhraseLimit = 120

    static let gradeSystem = """
        You are a strict, impartial judge. You grade a student model's answer to a conversation against a reference \
        answer that shows what a good answer looks like. For each dimension you first write your reasoning, then decide \
        pass or fail: pass when the student's answer is acceptable on that dimension (it need not match the reference's \
        wording, only its quality). Reply with JSON only.
        """

    static let preferenceSystem = """
        You are a strict, impartial judge. You compare two answers to the same conversation and say which one is better: \
        more correct, more helpful, closer to what was asked. Do not let the order of the answers or their length \
        influence you. Reply with JSON only.
        """

    /// The conversation as the judge reads it, one tagged turn after another.
    public static func transcript(_ conversation: [ChatMessage]) -> String {
        conversation.map { "<\($0.role.rawValue)>\n\($0.content)\n</\($0.role.rawValue)>" }.joined(separator: "\n")
    }

    public static func gradeRequest(
        model: String, conversation: [ChatMessage], reference: String, studentAnswer: String, dimensions: [JudgeDimension], maxNewTokens: Int
    ) -> ChatCompletionRequest {
        var user = "<conversation>\n\(transcript(conversation))\n</conversation>\n\n"
        user += "<reference_answer>\n\(reference)\n</reference_answer>\n\n<student_answer>\n\(studentAnswer)\n</student_answer>\n\n<dimensions>\n"
        for dimension in dimensions {
            user += "- \(dimension.id): \(dimension.title). \(dimension.description)"
            if !dimension.rubricText.isEmpty { user += " \(dimension.rubricText)" }
            user += "\n"
        }
        let ids = dimensions.map { "\"\($0.id)\"" }.joined(separator: ", ")
        user += """
            </dimensions>

            Grade the student's answer on every dimension (\(ids)), in that order. Reply with exactly one JSON object and \
            nothing else: {"verdicts": [{"dimension": "<id>", "reasoning": "<why, first>", "pass": true or false}, …], \
            "failure": "<when any dimension fails: a few words naming what the student got wrong, e.g. ignores the word \
            limit; otherwise an empty string>"}
            """
        return ChatCompletionRequest(
            model: model, systemPrompt: gradeSystem, userPrompt: user,
            sampling: SamplingSettings(temperature: 0, maxNewTokens: maxNewTokens, jsonObjectResponse: true, jsonSchema: gradeSchema(dimensions)))
    }

    /// The grade's shape, sent as structured output where the judge's model takes it (reasoning before the decision).
    public static func gradeSchema(_ dimensions: [JudgeDimension]) -> JSONSchemaFormat {
        let verdict: SynthesisJSON = .object([
            ("type", "object"),
            ("properties", .object([
                ("dimension", .object([("type", "string"), ("enum", .array(dimensions.map { .string($0.id) }))])),
                ("reasoning", .object([("type", "string")])),
                ("pass", .object([("type", "boolean")])),
            ])),
            ("required", ["dimension", "reasoning", "pass"]),
            ("additionalProperties", false),
        ])
        return JSONSchemaFormat(
            name: "evaluation_grade",
            schema: .object([
                ("type", "object"),
                ("properties", .object([
                    // Exactly one verdict a dimension: a grammar-constrained small model otherwise stops early or repeats.
                    ("verdicts", .object([
                        ("type", "array"), ("items", verdict), ("minItems", .number(Double(dimensions.count))),
                        ("maxItems", .number(Double(dimensions.count))),
                    ])),
                    ("failure", .object([("type", "string")])),
                ])),
                ("required", ["verdicts", "failure"]),
                ("additionalProperties", false),
            ]))
    }

    /// One order of the pairwise comparison: `first` is shown as answer A, `second` as answer B.
    public static func preferenceRequest(
        model: String, conversation: [ChatMessage], first: String, second: String, maxNewTokens: Int
    ) -> ChatCompletionRequest {
        let user = """
            <conversation>
            \(transcript(conversation))
            </conversation>

            <answer_a>
            \(first)
            </answer_a>

            <answer_b>
            \(second)
            </answer_b>

            Which answer is the better reply to the conversation's last message? Reply with exactly one JSON object and \
            nothing else: {"reasoning": "<one or two sentences, first>", "winner": "A", "B" or "tie"}
            """
        return ChatCompletionRequest(
            model: model, systemPrompt: preferenceSystem, userPrompt: user,
            sampling: SamplingSettings(temperature: 0, maxNewTokens: maxNewTokens, jsonObjectResponse: true, jsonSchema: preferenceSchema))
    }

    public static let preferenceSchema = JSONSchemaFormat(
        name: "evaluation_preference",
        schema: .object([
            ("type", "object"),
            ("properties", .object([
                ("reasoning", .object([("type", "string")])),
                ("winner", .object([("type", "string"), ("enum", ["A", "B", "tie"])])),
            ])),
            ("required", ["reasoning", "winner"]),
            ("additionalProperties", false),
        ]))
}

/// The judge's grade of one answer: a verdict per dimension (in the run's order) and, when any fails, the phrase.
public struct EvaluationGrade: Sendable, Equatable, Codable {
    public var verdicts: [DimensionVerdict]
    public var failurePhrase: String?

    public init(verdicts: [DimensionVerdict], failurePhrase: String?) {
        self.verdicts = verdicts
        self.failurePhrase = failurePhrase
    }

    public var passed: Bool { verdicts.allSatisfy(\.pass) }

    public static let emptyAnswerReason = "The student gave an empty answer."
    public static let emptyAnswerPhrase = "gives an empty answer"

    /// The grade of an empty answer, given without the judge: every dimension fails.
    public static func emptyAnswer(dimensions: [JudgeDimension]) -> EvaluationGrade {
        EvaluationGrade(
            verdicts: dimensions.map { DimensionVerdict(dimension: $0.id, pass: false, reasoning: emptyAnswerReason) }, failurePhrase: emptyAnswerPhrase)
    }
}

/// Reads the judge's answers. Prose around the object, a code fence or a `<think>` block before it are tolerated;
/// anything else is `judgeUnparseable` naming the JSON path, so the call is retried and, at the cap, the row skipped
/// with that reason: a verdict is never guessed.
public enum EvaluationVerdictParser {
    public static func parseGrade(_ answer: String, dimensions: [JudgeDimension]) -> Result<EvaluationGrade, TeacherFailure> {
        guard let object = firstObject(in: answer, containing: "verdicts") else {
            return failure("No JSON object with \"verdicts\" was found.")
        }
        guard let list = object["verdicts"]?.arrayValue else { return failure("verdicts: must be a list.") }
        let wanted = Set(dimensions.map(\.id))
        var found: [String: DimensionVerdict] = [:]
        for (position, element) in list.enumerated() {
            let path = "verdicts[\(position)]"
            guard let id = element["dimension"]?.stringValue else { return failure("\(path).dimension: must be a dimension id.") }
            guard wanted.contains(id) else { return failure("\(path).dimension: \"\(id)\" is not one of the dimensions asked.") }
            guard found[id] == nil else { return failure("\(path).dimension: \"\(id)\" is graded twice.") }
            guard let reasoning = element["reasoning"]?.stringValue else { return failure("\(path).reasoning: must be a string.") }
            guard let pass = element["pass"].flatMap(passValue) else { return failure("\(path).pass: must be true or false.") }
            found[id] = DimensionVerdict(dimension: id, pass: pass, reasoning: AnswerExtraction.trimmed(reasoning))
        }
        if let missing = dimensions.first(where: { found[$0.id] == nil }) {
            return failure("verdicts: no verdict for \"\(missing.id)\".")
        }
        let verdicts = dimensions.compactMap { found[$0.id] }
        guard verdicts.contains(where: { !$0.pass }) else { return .success(EvaluationGrade(verdicts: verdicts, failurePhrase: nil)) }
        let phrase = AnswerExtraction.trimmed(object["failure"]?.stringValue ?? "")
        guard !phrase.isEmpty else { return failure("failure: a dimension failed, so a short phrase naming what went wrong is required.") }
        let kept = phrase.count > EvaluationPrompts.failurePhraseLimit ? String(phrase.prefix(EvaluationPrompts.failurePhraseLimit)) : phrase
        return .success(EvaluationGrade(verdicts: verdicts, failurePhrase: kept))
    }

    /// The winner of one order, mapped back to who it is: with `studentFirst`, A is the student's answer.
    public static func parsePreference(_ answer: String, studentFirst: Bool) -> Result<PairwisePreference, TeacherFailure> {
        guard let object = firstObject(in: answer, containing: "winner") else { return failure("No JSON object with \"winner\" was found.") }
        let winner = AnswerExtraction.trimmed(object["winner"]?.stringValue ?? "").lowercased()
        switch winner {
        case "a", "answer a", "answer_a": return .success(studentFirst ? .student : .reference)
        case "b", "answer b", "answer_b": return .success(studentFirst ? .reference : .student)
        case "tie": return .success(.tie)
        default: return failure("winner: must be \"A\", \"B\" or \"tie\".")
        }
    }

    static func passValue(_ value: SynthesisJSON) -> Bool? {
        if let bool = value.boolValue { return bool }
        switch value.stringValue?.lowercased() {
        case "true", "pass": return true
        case "false", "fail": return false
        default: return nil
        }
    }

    static func firstObject(in answer: String, containing key: String) -> SynthesisJSON? {
        let bytes = Array(AnswerExtraction.splitInlineReasoning(answer).answer.utf8)
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "{") {
            if let (value, _) = SynthesisJSON.parsePrefix(bytes, from: offset), value[key] != nil { return value }
        }
        return nil
    }

    static func failure<T>(_ detail: String) -> Result<T, TeacherFailure> { .failure(TeacherFailure(.judgeUnparseable, detail: detail)) }
}
