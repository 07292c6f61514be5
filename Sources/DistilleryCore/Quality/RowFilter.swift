/// Which rows of a dataset the explorer lists, the rows API returns and a curated child keeps: the query parameters
/// `q, split, flag, min_score, category, min_length, max_length, review, representatives`, read and checked once here.
/// An empty parameter (a blank field of the explorer's GET form) is the same as an absent one.
public struct RowFilter: Sendable, Equatable {
    /// `q`: words that must all occur in the row's messages (see `RowSearchQuery`).
    public var query: String?
    public var split: DatasetSplit?
    /// `flag`: a `QualityCheck` rawValue (rows the latest data-check run flagged for it), `any` (some flag) or `none`.
    public var flag: String?
    /// `min_score` 1–5: rows with at least one judge score, every scale dimension scored at least this and every
    /// pass/fail dimension passed.
    public var minScore: Int?
    /// `category`: `RowCategory`'s rule (metadata category, else generation stratum), matched exactly.
    public var category: String?
    /// `min_length` / `max_length`: the answer's (last message's) length in characters, inclusive.
    public var minLength: Int?
    public var maxLength: Int?
    public var review: RowReviewState?
    /// `representatives=1`: drop the rows a near-duplicate cluster flagged (`duplicatePrompts`, `duplicateAnswers`),
    /// keeping each cluster's representative.
    public var representativesOnly: Bool

    public static let anyFlag = "any"
    public static let noFlag = "none"
    /// The checks whose flagged rows are the non-representative members of a near-duplicate cluster.
    public static let duplicateChecks = ["duplicatePrompts", "duplicateAnswers"]
    public static let maximumQueryLength = 200
    public static let maximumCategoryLength = 200
    public static let maximumLength = 10_000_000

    public init(
        query: String? = nil, split: DatasetSplit? = nil, flag: String? = nil, minScore: Int? = nil, category: String? = nil,
        minLength: Int? = nil, maxLength: Int? = nil, review: RowReviewState? = nil, representativesOnly: Bool = false
    ) {
        self.query = query
        self.split = split
        self.flag = flag
        self.minScore = minScore
        self.category = category
        self.minLength = minLength
        self.maxLength = maxLength
        self.review = review
        self.representativesOnly = representativesOnly
    }

    /// Reads the filter from query parameters (`parameter(name)` gives a parameter's value); a bad value is an
    /// `AppError.badRequest` naming the parameter, the allowed values or limit, and what was sent.
    public init(parameter: (String) -> String?) throws(AppError) {
        func value(_ name: String) -> String? {
            guard let text = parameter(name)?.trimmingSpaces(), !text.isEmpty else { return nil }
            return text
        }
        func quoted(_ text: String) -> String { "\"\(text.prefix(40))\"" }
        func integer(_ name: String, in range: ClosedRange<Int>) throws(AppError) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw AppError.badRequest(
                    "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound); got \(quoted(text)).")
            }
            return number
        }
        self.init()
        if let text = value("q") {
            guard text.count <= Self.maximumQueryLength else {
                throw AppError.badRequest("q must be at most \(Self.maximumQueryLength) characters; got \(text.count).")
            }
            query = text
        }
        if let text = value("split") {
            guard let split = DatasetSplit(rawValue: text) else {
                throw AppError.badRequest("split must be train, validation or test; got \(quoted(text)).")
            }
            self.split = split
        }
        if let text = value("flag") {
            guard text == Self.anyFlag || text == Self.noFlag || QualityCheck(rawValue: text) != nil else {
                let names = QualityCheck.allCases.map(\.rawValue).joined(separator: ", ")
                throw AppError.badRequest("flag must be any, none or a check (\(names)); got \(quoted(text)).")
            }
            flag = text
        }
        minScore = try integer("min_score", in: 1...5)
        if let text = value("category") {
            guard text.count <= Self.maximumCategoryLength else {
                throw AppError.badRequest("category must be at most \(Self.maximumCategoryLength) characters; got \(text.count).")
            }
            category = text
        }
        minLength = try integer("min_length", in: 0...Self.maximumLength)
        maxLength = try integer("max_length", in: 0...Self.maximumLength)
        if let minLength, let maxLength, minLength > maxLength {
            throw AppError.badRequest("max_length must be at least min_length (\(minLength)); got \(maxLength).")
        }
        if let text = value("review") {
            guard let review = RowReviewState(rawValue: text) else {
                let names = RowReviewState.allCases.map(\.rawValue).joined(separator: ", ")
                throw AppError.badRequest("review must be one of \(names); got \(quoted(text)).")
            }
            self.review = review
        }
        if let text = value("representatives") {
            switch text {
            case "1", "true": representativesOnly = true
            case "0", "false": representativesOnly = false
            default: throw AppError.badRequest("representatives must be 1 or 0; got \(quoted(text)).")
            }
        }
    }

    /// The filter as query parameters, in a fixed order (for page links and the curated child's provenance).
    public var parameters: [(name: String, value: String)] {
        var parameters: [(name: String, value: String)] = []
        if let query { parameters.append(("q", query)) }
        if let split { parameters.append(("split", split.rawValue)) }
        if let flag { parameters.append(("flag", flag)) }
        if let minScore { parameters.append(("min_score", String(minScore))) }
        if let category { parameters.append(("category", category)) }
        if let minLength { parameters.append(("min_length", String(minLength))) }
        if let maxLength { parameters.append(("max_length", String(maxLength))) }
        if let review { parameters.append(("review", review.rawValue)) }
        if representativesOnly { parameters.append(("representatives", "1")) }
        return parameters
    }

    public var isEmpty: Bool { parameters.isEmpty }

    /// The filter in words ("score ≥ 4 · no flags · representatives only"); "all rows" when empty.
    public var summary: String {
        var parts: [String] = []
        if let query { parts.append("matching “\(query)”") }
        if let split { parts.append("\(split.rawValue) split") }
        switch flag {
        case nil: break
        case Self.anyFlag?: parts.append("flagged")
        case Self.noFlag?: parts.append("no flags")
        case let check?: parts.append("flagged: \(QualityCheck(rawValue: check)?.title.lowercased() ?? check)")
        }
        if let minScore { parts.append("score ≥ \(minScore)") }
        if let category { parts.append("category \(category)") }
        switch (minLength, maxLength) {
        case let (low?, high?): parts.append("answer \(low)–\(high) characters")
        case let (low?, nil): parts.append("answer ≥ \(low) characters")
        case let (nil, high?): parts.append("answer ≤ \(high) characters")
        case (nil, nil): break
        }
        if let review { parts.append(review.rawValue) }
        if representativesOnly { parts.append("representatives only") }
        return parts.isEmpty ? "all rows" : parts.joined(separator: " · ")
    }
}
