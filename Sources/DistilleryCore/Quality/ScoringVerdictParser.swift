/// The judge's verdict on one dimension of one row.
public struct DimensionScore: Sendable, Equatable {
    public var dimension: String
    public var rubric: JudgeRubric
    /// 1–5 on a scale; 1 pass / 0 fail (as `row_scores` stores it).
    public var score: Int
    public var reasoning: String

    public init(dimension: String, rubric: JudgeRubric, score: Int, reasoning: String) {
        self.dimension = dimension
        self.rubric = rubric
        self.score = score
        self.reasoning = reasoning
    }
}

/// Reads a scoring verdict strictly: one JSON object (a fenced block or a `<think>` block before it is tolerated), with
/// an object for every dimension asked, each with a `reasoning` string and a `score` that is a whole number 1–5 (scale)
/// or `"pass"`/`"fail"`/`true`/`false` (pass/fail). Anything else — a dimension missing, a 4.5, a "4", a 7, a "maybe" —
/// is `judgeUnparseable`: the engine retries the call and, when every attempt fails, the row stays unscored. A score is
/// never guessed.
public enum ScoringVerdictParser {
    public static let reasoningLimit = 2_000

    public static func parse(_ answer: String, dimensions: [JudgeDimension]) -> Result<[DimensionScore], TeacherFailure> {
        let text = AnswerExtraction.splitInlineReasoning(answer).answer
        let bytes = Array(text.utf8)
        guard let start = bytes.firstIndex(of: UInt8(ascii: "{")), let (object, _) = SynthesisJSON.parsePrefix(bytes, from: start),
            case .object = object
        else {
            return .failure(TeacherFailure(.judgeUnparseable, detail: "The verdict is not a JSON object of dimension scores."))
        }
        var verdicts: [DimensionScore] = []
        for dimension in dimensions {
            guard let entry = object[dimension.id], case .object = entry else {
                return .failure(TeacherFailure(.judgeUnparseable, detail: "The verdict has no object for \"\(dimension.id)\"."))
            }
            guard let reasoning = entry["reasoning"]?.stringValue else {
                return .failure(TeacherFailure(.judgeUnparseable, detail: "\"\(dimension.id).reasoning\" is missing or not a string."))
            }
            guard let value = entry["score"], let score = score(value, rubric: dimension.rubric) else {
                let expected = dimension.rubric == .scale ? "a whole number from 1 to 5" : "\"pass\" or \"fail\""
                let got = entry["score"].map { String($0.serialized.prefix(40)) } ?? "nothing"
                return .failure(TeacherFailure(.judgeUnparseable, detail: "\"\(dimension.id).score\" must be \(expected); got \(got)."))
            }
            var kept = AnswerExtraction.trimmed(reasoning)
            if kept.count > reasoningLimit { kept = String(kept.prefix(reasoningLimit)) + "…" }
            verdicts.append(DimensionScore(dimension: dimension.id, rubric: dimension.rubric, score: score, reasoning: kept))
        }
        return .success(verdicts)
    }

    /// The stored score of a verdict's `score`, or nil when it is not one the rubric allows.
    static func score(_ value: SynthesisJSON, rubric: JudgeRubric) -> Int? {
        switch rubric {
        case .scale:
            guard let number = value.intValue, (1...5).contains(number) else { return nil }
            return number
        case .passFail:
            if let flag = value.boolValue { return flag ? 1 : 0 }
            switch value.stringValue?.lowercased() {
            case "pass": return 1
            case "fail": return 0
            default: return nil
            }
        }
    }
}
