/// A person's verdict on one row (migration 13's `row_reviews.verdict`).
public enum RowVerdict: String, Sendable, Equatable, CaseIterable, Codable {
    case accepted, rejected
}

/// The body of a review, `{"verdict": "accepted"|"rejected", "rating": 1-5}` (rating optional), or the row page's form.
public struct RowReviewSubmission: Sendable, Equatable {
    public var verdict: RowVerdict
    public var rating: Int?

    public static let ratingRange = 1...5

    public init(verdict: RowVerdict, rating: Int? = nil) {
        self.verdict = verdict
        self.rating = rating
    }

    /// From a JSON object; every problem keyed by its field.
    public static func read(_ json: SynthesisJSON) -> Result<RowReviewSubmission, RowReviewProblems> {
        guard case .object(let members) = json else { return .failure(RowReviewProblems(fields: ["body": "must be a JSON object"])) }
        var problems: [String: String] = [:]
        for member in members where member.key != "verdict" && member.key != "rating" { problems[member.key] = "is not a known field" }
        let verdict = json["verdict"].flatMap(\.stringValue).flatMap(RowVerdict.init(rawValue:))
        if verdict == nil { problems["verdict"] = verdictProblem }
        var rating: Int?
        if let value = json["rating"], !value.isNull {
            if let number = value.intValue, ratingRange.contains(number) { rating = number } else { problems["rating"] = ratingProblem }
        }
        guard let verdict, problems.isEmpty else { return .failure(RowReviewProblems(fields: problems)) }
        return .success(RowReviewSubmission(verdict: verdict, rating: rating))
    }

    /// From the row page's form: `verdict` (the button pressed) and `rating` ("" for none).
    public static func read(form fields: [String: String]) -> Result<RowReviewSubmission, RowReviewProblems> {
        var problems: [String: String] = [:]
        let verdict = fields["verdict"].flatMap(RowVerdict.init(rawValue:))
        if verdict == nil { problems["verdict"] = verdictProblem }
        var rating: Int?
        if let text = fields["rating"]?.trimmingWhitespace, !text.isEmpty {
            if let number = Int(text), ratingRange.contains(number) { rating = number } else { problems["rating"] = ratingProblem }
        }
        guard let verdict, problems.isEmpty else { return .failure(RowReviewProblems(fields: problems)) }
        return .success(RowReviewSubmission(verdict: verdict, rating: rating))
    }

    static let verdictProblem = "must be \"accepted\" or \"rejected\""
    static let ratingProblem = "must be a whole number from 1 to 5, or left out"
}

public struct RowReviewProblems: Error, Sendable, Equatable {
    public var fields: [String: String]

    /// "rating must be …; verdict must be …", fields in name order.
    public var sentence: String {
        fields.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; ")
    }
}

/// An edited row: `{"messages": [...]}` checked by the same chat rules as an upload's line, so a problem names its
/// JSON path (`messages[1].content`) exactly as the validation report would.
public enum RowEdit {
    /// The normalized row (what `dataset_rows.body` holds for an upload), or every problem keyed by its JSON path.
    public static func validate(_ json: SynthesisJSON, baseModel: BaseModel) -> Result<[UInt8], RowReviewProblems> {
        guard case .object(let members) = json else { return .failure(RowReviewProblems(fields: ["body": "must be a JSON object"])) }
        if let unknown = members.first(where: { $0.key != "messages" }) {
            return .failure(RowReviewProblems(fields: [unknown.key: "is not a known field (send only \"messages\")"]))
        }
        guard let messages = json["messages"] else { return .failure(RowReviewProblems(fields: ["messages": "is required"])) }
        let line = SynthesisJSON.object([("messages", messages)]).serializedBytes
        var sink = CollectingSink()
        let options = ValidationOptions(mode: .chat, baseModel: baseModel, minimumExamples: 0, recommendedExamples: 0, collectRows: true)
        _ = StreamingValidator.validate(line, options: options, sink: &sink)
        if let row = sink.rows.first, sink.errors.isEmpty { return .success(row.normalizedJSON) }
        var problems: [String: String] = [:]
        for error in sink.errors {
            let path = error.field.isEmpty ? "messages" : error.field
            if problems[path] == nil { problems[path] = error.message }
        }
        return .failure(RowReviewProblems(fields: problems.isEmpty ? ["messages": "is not a valid chat row"] : problems))
    }

    /// The row page's edit form: `role_0`, `content_0`, `role_1`, … in order, up to the first missing index.
    public static func messages(form fields: [String: String]) -> SynthesisJSON {
        var messages: [SynthesisJSON] = []
        var index = 0
        while let role = fields["role_\(index)"] {
            messages.append(.object([("role", .string(role)), ("content", .string(fields["content_\(index)"] ?? ""))]))
            index += 1
        }
        return .object([("messages", .array(messages))])
    }
}
