/// What the teacher spent answering the same rows the student answered (its synthesis job's per-seed figures), when
/// the dataset records which job wrote which row.
public struct TeacherFigures: Sendable, Equatable {
    public var provider: String
    public var model: String
    public var answers: Int
    public var tokensIn: Int
    public var tokensOut: Int
    public var costUSD: Double
    public var latenciesMs: [Int]
    /// False when the teacher was self-hosted without a price: its dollars are unknown, not zero.
    public var costKnown: Bool
    /// The synthesis job that wrote the rows (its settings say whether the cost is known).
    public var synthesisJobID: Int64?

    public init(
        provider: String, model: String, answers: Int, tokensIn: Int, tokensOut: Int, costUSD: Double, latenciesMs: [Int], costKnown: Bool = true,
        synthesisJobID: Int64? = nil
    ) {
        self.provider = provider
        self.model = model
        self.answers = answers
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costUSD
        self.latenciesMs = latenciesMs
        self.costKnown = costKnown
        self.synthesisJobID = synthesisJobID
    }
}

/// An evaluation run's report, from its judged rows (the JSON twin and the page read the same value):
/// - per dimension, the pass rate with its 95% Wilson interval (`EvaluationStatistics.wilsonInterval`), and the same
///   for a row passing every dimension;
/// - the pairwise figures: win rate (wins + ½·ties)/n, tie rate, order-flip rate (the two orders' picks differ,
///   whatever they were) and the length-controlled win rate (`LengthControlledWinRate`);
/// - per category (when any row carries one) the same pass and win rates;
/// - the student's cost and latency beside the teacher's on the same rows (a self-hosted endpoint without a price has
///   an unknown cost, never $0.00);
/// - how many of the student's answers were empty or cut off at its token limit (judged as they are, never skipped);
/// - the worst rows: most dimensions failed first, then lost in both orders, then row order; the first 20.
public struct EvaluationReport: Sendable, Encodable, Equatable {
    public static let worstRowLimit = 20

    public struct Rate: Sendable, Encodable, Equatable {
        public let count: Int
        public let of: Int
        /// nil when `of` is 0.
        public let rate: Double?
        public let lower: Double?
        public let upper: Double?
        public let rateText: String
        public let intervalText: String?

        init(_ count: Int, of total: Int) {
            self.count = count
            self.of = total
            let interval = EvaluationStatistics.wilsonInterval(successes: count, of: total)
            rate = total > 0 ? Double(count) / Double(total) : nil
            lower = interval?.lowerBound
            upper = interval?.upperBound
            rateText = rate.map(EvaluationReport.percent) ?? "—"
            intervalText = interval.map { "\(EvaluationReport.percent($0.lowerBound))–\(EvaluationReport.percent($0.upperBound))" }
        }
    }

    public struct Dimension: Sendable, Encodable, Equatable {
        public let id: String
        public let title: String
        public let passes: Rate
    }

    public struct Pairwise: Sendable, Encodable, Equatable {
        public let rows: Int
        public let wins: Int
        public let losses: Int
        public let ties: Int
        public let orderFlips: Int
        public let winRate: Double?
        public let tieRate: Double?
        public let flipRate: Double?
        public let lengthControlledWinRate: Double?
        public let winRateText: String
        public let tieRateText: String
        public let flipRateText: String
        public let lengthControlledWinRateText: String

        init(_ rows: [EvaluatedRow]) {
            self.rows = rows.count
            wins = rows.count { $0.outcome == .win }
            losses = rows.count { $0.outcome == .loss }
            ties = rows.count { $0.outcome == .tie }
            orderFlips = rows.count { $0.forward != $0.reverse }
            let n = Double(rows.count)
            winRate = rows.isEmpty ? nil : (Double(wins) + 0.5 * Double(ties)) / n
            tieRate = rows.isEmpty ? nil : Double(ties) / n
            flipRate = rows.isEmpty ? nil : Double(orderFlips) / n
            lengthControlledWinRate = LengthControlledWinRate.fit(rows.map {
                .init(outcome: $0.outcome, studentLength: $0.studentAnswer.unicodeScalars.count,
                      referenceLength: $0.reference.unicodeScalars.count)
            })?.winRate
            winRateText = winRate.map(EvaluationReport.percent) ?? "—"
            tieRateText = tieRate.map(EvaluationReport.percent) ?? "—"
            flipRateText = flipRate.map(EvaluationReport.percent) ?? "—"
            lengthControlledWinRateText = lengthControlledWinRate.map(EvaluationReport.percent) ?? "—"
        }
    }

    public struct Category: Sendable, Encodable, Equatable {
        /// nil for the rows without a category.
        public let category: String?
        public let label: String
        public let rows: Int
        public let passedAll: Rate
        public let dimensions: [Dimension]
        public let winRate: Double?
        public let winRateText: String
    }

    /// One endpoint's spend on the evaluated rows.
    public struct Spend: Sendable, Encodable, Equatable {
        public let role: String
        public let provider: String
        public let model: String
        public let answers: Int
        public let tokensIn: Int
        public let tokensOut: Int
        public let latencyP50Ms: Double?
        public let latencyP95Ms: Double?
        /// nil (JSON null) when the cost is unknown: a self-hosted endpoint without a price.
        @JSONNullable public private(set) var costUSD: Double?
        /// costUSD / answers × 1,000; nil without answers or when the cost is unknown.
        @JSONNullable public private(set) var dollarsPerThousandAnswers: Double?
        public let tokensText: String
        public let latencyText: String
        public let dollarsPerThousandText: String

        init(
            role: String, provider: String, model: String, answers: Int, tokensIn: Int, tokensOut: Int, costUSD: Double, costKnown: Bool,
            latenciesMs: [Int]
        ) {
            self.role = role
            self.provider = provider
            self.model = model
            self.answers = answers
            self.tokensIn = tokensIn
            self.tokensOut = tokensOut
            self.costUSD = costKnown ? costUSD : nil
            let p50 = EvaluationStatistics.percentile(latenciesMs, 0.5)
            let p95 = EvaluationStatistics.percentile(latenciesMs, 0.95)
            latencyP50Ms = p50
            latencyP95Ms = p95
            let perThousand = answers > 0 && costKnown ? costUSD / Double(answers) * 1000 : nil
            dollarsPerThousandAnswers = perThousand
            tokensText = "\(Formatting.count(tokensIn)) in · \(Formatting.count(tokensOut)) out"
            if let p50, let p95 {
                latencyText = "p50 \(Formatting.count(Int(p50.rounded()))) ms · p95 \(Formatting.count(Int(p95.rounded()))) ms"
            } else {
                latencyText = "—"
            }
            dollarsPerThousandText = costKnown ? perThousand.map(Formatting.usd) ?? "—" : SelfHostedCost.unknownText
        }
    }

    public struct WorstRow: Sendable, Encodable, Equatable {
        public let idx: Int64
        public let line: Int
        public let category: String?
        public let prompt: String
        public let reference: String
        public let studentAnswer: String
        public let studentEmpty: Bool
        public let studentTruncated: Bool
        public let failedDimensions: [String]
        public let outcome: PairwiseOutcome
        /// The failed dimensions' verdicts (every verdict when none failed and the row was only lost).
        public let verdicts: [DimensionVerdict]
        public let failurePhrase: String?
    }

    public let rows: Int
    public let passedAll: Rate
    public let dimensions: [Dimension]
    public let pairwise: Pairwise
    public let categories: [Category]
    public let student: Spend
    /// nil when the teacher's figures for these rows are unknown (`teacherUnknownText` says so).
    public let teacher: Spend?
    public let teacherUnknownText: String?
    /// The student's answers that were empty, and those cut off at the cap of its token limit (judged as they are).
    public let emptyAnswers: Int
    public let truncatedAnswers: Int
    /// "2 empty answers" / "3 answers cut off at the student's token limit"; nil when there are none.
    public let emptyAnswersText: String?
    public let truncatedAnswersText: String?
    public let worstRows: [WorstRow]

    public static let teacherUnknown = "teacher figures unknown for this dataset"

    /// `student` names the student endpoint (provider, model) for the cost comparison; `studentCostKnown` is false for a
    /// self-hosted student without a price.
    public static func build(
        rows: [EvaluatedRow], dimensions: [JudgeDimension], teacher: TeacherFigures?,
        student: (provider: String, model: String) = ("", ""), studentCostKnown: Bool = true
    ) -> EvaluationReport {
        EvaluationReport(rows: rows, dimensions: dimensions, teacher: teacher, student: student, studentCostKnown: studentCostKnown)
    }

    private init(
        rows: [EvaluatedRow], dimensions: [JudgeDimension], teacher: TeacherFigures?, student: (provider: String, model: String),
        studentCostKnown: Bool
    ) {
        self.rows = rows.count
        passedAll = Rate(rows.count(where: \.passed), of: rows.count)
        self.dimensions = Self.dimensionRates(rows, dimensions)
        pairwise = Pairwise(rows)
        categories = Self.categories(rows, dimensions)
        self.student = Spend(
            role: "student", provider: student.provider, model: student.model, answers: rows.count,
            tokensIn: rows.reduce(0) { $0 + $1.studentTokensIn }, tokensOut: rows.reduce(0) { $0 + $1.studentTokensOut },
            costUSD: rows.reduce(0) { $0 + $1.studentCostUSD }, costKnown: studentCostKnown, latenciesMs: rows.compactMap(\.studentLatencyMs))
        self.teacher = teacher.map {
            Spend(role: "teacher", provider: $0.provider, model: $0.model, answers: $0.answers, tokensIn: $0.tokensIn,
                  tokensOut: $0.tokensOut, costUSD: $0.costUSD, costKnown: $0.costKnown, latenciesMs: $0.latenciesMs)
        }
        teacherUnknownText = teacher == nil ? Self.teacherUnknown : nil
        emptyAnswers = rows.count { $0.studentAnswer.isEmpty }
        truncatedAnswers = rows.count(where: \.studentTruncated)
        emptyAnswersText = emptyAnswers == 0 ? nil : "\(Formatting.count(emptyAnswers)) empty answer\(emptyAnswers == 1 ? "" : "s")"
        truncatedAnswersText = truncatedAnswers == 0
            ? nil : "\(Formatting.count(truncatedAnswers)) answer\(truncatedAnswers == 1 ? "" : "s") cut off at the student's token limit"
        worstRows = Self.worst(rows)
    }

    static func dimensionRates(_ rows: [EvaluatedRow], _ dimensions: [JudgeDimension]) -> [Dimension] {
        dimensions.map { dimension in
            let verdicts = rows.compactMap { row in row.verdicts.first { $0.dimension == dimension.id } }
            return Dimension(id: dimension.id, title: dimension.title, passes: Rate(verdicts.count(where: \.pass), of: verdicts.count))
        }
    }

    /// Per category in name order, the rows without one last; empty when no row has a category.
    static func categories(_ rows: [EvaluatedRow], _ dimensions: [JudgeDimension]) -> [Category] {
        guard rows.contains(where: { $0.category != nil }) else { return [] }
        var groups: [String?: [EvaluatedRow]] = [:]
        for row in rows { groups[row.category, default: []].append(row) }
        var names: [String?] = groups.keys.compactMap { $0 }.sorted()
        if groups[nil] != nil { names.append(nil) }
        return names.map { name in
            let members = groups[name] ?? []
            let pairwise = Pairwise(members)
            return Category(
                category: name, label: name ?? "(no category)", rows: members.count,
                passedAll: Rate(members.count(where: \.passed), of: members.count),
                dimensions: dimensionRates(members, dimensions), winRate: pairwise.winRate, winRateText: pairwise.winRateText)
        }
    }

    static func worst(_ rows: [EvaluatedRow]) -> [WorstRow] {
        rows.map { row in (row: row, failed: row.verdicts.filter { !$0.pass }) }
            .filter { !$0.failed.isEmpty || $0.row.outcome == .loss }
            .sorted { left, right in
                if left.failed.count != right.failed.count { return left.failed.count > right.failed.count }
                let leftLost = left.row.outcome == .loss, rightLost = right.row.outcome == .loss
                if leftLost != rightLost { return leftLost }
                return left.row.idx < right.row.idx
            }
            .prefix(worstRowLimit)
            .map { entry in
                WorstRow(
                    idx: entry.row.idx, line: entry.row.line, category: entry.row.category, prompt: entry.row.prompt,
                    reference: entry.row.reference, studentAnswer: entry.row.studentAnswer, studentEmpty: entry.row.studentAnswer.isEmpty,
                    studentTruncated: entry.row.studentTruncated, failedDimensions: entry.failed.map(\.dimension), outcome: entry.row.outcome,
                    verdicts: entry.failed.isEmpty ? entry.row.verdicts : entry.failed, failurePhrase: entry.row.failurePhrase)
            }
    }

    /// 0.8333 → "83.3%".
    static func percent(_ fraction: Double) -> String {
        Formatting.oneDecimal(fraction * 100) + "%"
    }
}
