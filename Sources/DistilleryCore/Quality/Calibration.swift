/// A person's review of a row, as calibration reads it (`row_reviews`).
public struct ReviewGrade: Sendable, Equatable {
    public var accepted: Bool
    /// The reviewer's own 1–5 rating, when given.
    public var rating: Int?

    public init(accepted: Bool, rating: Int?) {
        self.accepted = accepted
        self.rating = rating
    }
}

/// One row's judge score on a dimension, with its review when a person reviewed it.
public struct CalibrationRow: Sendable, Equatable {
    public var judgeScore: Int
    public var review: ReviewGrade?

    public init(judgeScore: Int, review: ReviewGrade?) {
        self.judgeScore = judgeScore
        self.review = review
    }
}

/// How well the judge agrees with the people who reviewed rows (the golden set) on one dimension.
///
/// The rule: a **scale** dimension (1–5) compares the judge's score with the reviewer's own rating, on reviewed rows
/// that carry a rating (Spearman's ρ with tied ranks averaged, and Kendall's τ-b); a **pass/fail** dimension reads
/// *accepted* as pass and *rejected* as fail, and reports the share of rows where the judge said the same (accuracy).
/// Nothing is reported below `minimumRows` such rows: a correlation of a handful of rows says little.
public struct DimensionCalibration: Sendable, Equatable {
    public static let minimumRows = 20

    public var dimension: String
    public var rubric: JudgeRubric
    /// Reviewed rows the rule can use (with a rating, for a scale).
    public var rows: Int
    public var spearman: Double?
    public var kendallTauB: Double?
    public var accuracy: Double?
    /// Rows still needed before the figures are reported (0 once there are enough).
    public var moreNeeded: Int

    public init(dimension: String, rubric: JudgeRubric, rows scored: [CalibrationRow]) {
        self.dimension = dimension
        self.rubric = rubric
        let pairs: [(judge: Int, person: Int)] = scored.compactMap { row in
            guard let review = row.review else { return nil }
            switch rubric {
            case .scale: return review.rating.map { (row.judgeScore, $0) }
            case .passFail: return (row.judgeScore, review.accepted ? 1 : 0)
            }
        }
        rows = pairs.count
        moreNeeded = max(0, Self.minimumRows - pairs.count)
        guard moreNeeded == 0 else { return }
        let judge = pairs.map { Double($0.judge) }
        let person = pairs.map { Double($0.person) }
        switch rubric {
        case .scale:
            spearman = Agreement.spearman(judge, person)
            kendallTauB = Agreement.kendallTauB(judge, person)
        case .passFail:
            accuracy = Agreement.accuracy(pairs.map(\.judge), pairs.map(\.person))
        }
    }

    /// The rule this dimension is measured by, in a sentence.
    public var rule: String {
        switch rubric {
        case .scale:
            "The judge's 1–5 score against the reviewer's own 1–5 rating, on reviewed rows with a rating: Spearman's ρ "
                + "(tied ranks averaged) and Kendall's τ-b."
        case .passFail:
            "The judge's pass/fail against the review: accepted counts as pass, rejected as fail; accuracy is the share "
                + "of reviewed rows where they match."
        }
    }

    /// "12 more reviewed rows needed", or nil once the figures are reported.
    public var moreNeededText: String? {
        guard moreNeeded > 0 else { return nil }
        let rated = rubric == .scale ? " (with the reviewer's rating)" : ""
        return "\(moreNeeded) more reviewed row\(moreNeeded == 1 ? "" : "s") needed\(rated)"
    }
}
