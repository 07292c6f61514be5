/// What an evaluation run is expected to cost before it starts, per endpoint: one student call per row (its
/// conversation in, an answer as long as the reference out, capped by the student's limit) and three judge calls per
/// row (the grade and both preferences: the conversation, the reference and an answer of the reference's length in,
/// the verdict's JSON out). Token counts by the validator's estimator, the figure every estimate uses.
public struct EvaluationEstimate: Sendable, Equatable, Codable {
    public struct Endpoint: Sendable, Equatable, Codable {
        public var requests: Int
        public init(requests: Int, tokensIn: Int, tokensOut: Int, costUSD: Double) {
            self.requests = requests
            self.tokensIn = tokensIn
            self.tokensOut = tokensOut
            self.costUSD = costUSD
        }

        public var tokensIn: Int
        public var tokensOut: Int
        public var costUSD: Double
    }

    public var rows: Int
    public var student: Endpoint
    public var judge: Endpoint
    /// False when either endpoint is self-hosted without a price.
    public var costKnown: Bool
    public var costUSD: Double { student.costUSD + judge.costUSD }

    /// The judge's instructions around the row (system prompt, tags, the JSON it is asked for), in tokens.
    static let judgeOverheadTokens = 260
    /// A verdict's reasoning and decision per dimension, and a preference's answer, in tokens.
    static let gradeTokensPerDimension = 60
    static let preferenceTokens = 60

    public struct Prices: Sendable, Equatable {
        public var inputPerMillionUSD: Double
        public var outputPerMillionUSD: Double
        public var known: Bool

        public init(inputPerMillionUSD: Double, outputPerMillionUSD: Double, known: Bool) {
            self.inputPerMillionUSD = inputPerMillionUSD
            self.outputPerMillionUSD = outputPerMillionUSD
            self.known = known
        }

        func cost(_ tokensIn: Int, _ tokensOut: Int) -> Double {
            (Double(tokensIn) * inputPerMillionUSD + Double(tokensOut) * outputPerMillionUSD) / 1_000_000
        }
    }

    public init(rows: Int, student: Endpoint, judge: Endpoint, costKnown: Bool) {
        self.rows = rows
        self.student = student
        self.judge = judge
        self.costKnown = costKnown
    }

    public init(rows: [HeldOutRow], dimensions: Int, studentMaxTokens: Int, student: Prices, judge: Prices) {
        var studentIn = 0
        var studentOut = 0
        var judgeIn = 0
        var judgeOut = 0
        for row in rows {
            let conversation = row.conversation.reduce(0) { $0 + TokenEstimator.estimate($1.content) + TokenEstimator.perMessageOverhead }
            let answer = min(TokenEstimator.estimate(row.reference), studentMaxTokens)
            studentIn += conversation
            studentOut += answer
            let shown = conversation + TokenEstimator.estimate(row.reference) + answer + Self.judgeOverheadTokens
            judgeIn += 3 * shown
            judgeOut += dimensions * Self.gradeTokensPerDimension + 2 * Self.preferenceTokens
        }
        self.rows = rows.count
        self.student = Endpoint(requests: rows.count, tokensIn: studentIn, tokensOut: studentOut, costUSD: student.cost(studentIn, studentOut))
        self.judge = Endpoint(requests: 3 * rows.count, tokensIn: judgeIn, tokensOut: judgeOut, costUSD: judge.cost(judgeIn, judgeOut))
        costKnown = student.known && judge.known
    }

    /// Stored with the run (`evaluation_runs.estimate`).
    public var json: String {
        func endpoint(_ value: Endpoint) -> SynthesisJSON {
            .object([
                ("requests", .number(Double(value.requests))), ("tokens_in", .number(Double(value.tokensIn))),
                ("tokens_out", .number(Double(value.tokensOut))), ("cost_usd", .number(value.costUSD)),
            ])
        }
        return SynthesisJSON.object([
            ("rows", .number(Double(rows))), ("student", endpoint(student)), ("judge", endpoint(judge)), ("cost_usd", .number(costUSD)),
            ("cost_known", .bool(costKnown)),
        ]).serialized
    }
}
