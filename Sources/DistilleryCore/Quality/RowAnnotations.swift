/// What the quality work says about one row, as the explorer, the row page and the rows API show it: the latest
/// data-check run's flags, the judge's latest score per dimension, and a person's review.
public struct RowAnnotations: Sendable, Equatable, Encodable {
    public struct Flag: Sendable, Equatable, Encodable {
        public let check: String
        public let detail: String

        public init(check: String, detail: String) {
            self.check = check
            self.detail = detail
        }
    }

    public struct Score: Sendable, Equatable, Encodable {
        public let dimension: String
        public let score: Int
        /// `scale` (1–5) or `pass_fail` (1 pass, 0 fail).
        public let rubric: String

        public init(dimension: String, score: Int, rubric: String) {
            self.dimension = dimension
            self.score = score
            self.rubric = rubric
        }
    }

    public struct Review: Sendable, Equatable, Encodable {
        /// `accepted` or `rejected`; nil when the row was edited but has no verdict.
        public let verdict: String?
        public let rating: Int?
        public let edited: Bool
        public let reviewedBy: String?
        public let reviewedAt: Int64?

        public init(verdict: String?, rating: Int?, edited: Bool, reviewedBy: String?, reviewedAt: Int64?) {
            self.verdict = verdict
            self.rating = rating
            self.edited = edited
            self.reviewedBy = reviewedBy
            self.reviewedAt = reviewedAt
        }

        /// Every member present, `null` when unknown, so API clients see one shape.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(verdict, forKey: .verdict)
            try container.encode(rating, forKey: .rating)
            try container.encode(edited, forKey: .edited)
            try container.encode(reviewedBy, forKey: .reviewedBy)
            try container.encode(reviewedAt, forKey: .reviewedAt)
        }

        enum CodingKeys: String, CodingKey {
            case verdict, rating, edited, reviewedBy, reviewedAt
        }
    }

    public var flags: [Flag]
    public var scores: [Score]
    public var review: Review?

    public init(flags: [Flag] = [], scores: [Score] = [], review: Review? = nil) {
        self.flags = flags
        self.scores = scores
        self.review = review
    }

    /// `review` is `null` for an unreviewed row rather than absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(flags, forKey: .flags)
        try container.encode(scores, forKey: .scores)
        try container.encode(review, forKey: .review)
    }

    enum CodingKeys: String, CodingKey {
        case flags, scores, review
    }
}
