/// Who the judge preferred in one pairwise comparison, mapped back from the position it saw the answer in.
public enum PairwisePreference: String, Sendable, Codable { case student, reference, tie }

/// A row's pairwise result once the judge compared both orders.
public enum PairwiseOutcome: String, Sendable, Codable {
    case win, loss, tie

    /// Both orders agree → win (student) or loss; a disagreement or a tie in either order → tie (MT-Bench).
    public static func combine(forward: PairwisePreference, reverse: PairwisePreference) -> PairwiseOutcome {
        switch (forward, reverse) {
        case (.student, .student): return .win
        case (.reference, .reference): return .loss
        default: return .tie
        }
    }
}

/// The judge's pass/fail on one dimension, with the reasoning it wrote before deciding.
public struct DimensionVerdict: Sendable, Codable, Equatable {
    public var dimension: String
    public var pass: Bool
    public var reasoning: String

    public init(dimension: String, pass: Bool, reasoning: String) {
        self.dimension = dimension
        self.pass = pass
        self.reasoning = reasoning
    }
}

/// One judged row, as the report reads it.
public struct EvaluatedRow: Sendable, Equatable {
    public var idx: Int64
    public var line: Int
    public var category: String?
    public var prompt: String
    public var reference: String
    public var studentAnswer: String
    /// The student's answer was cut off at the cap of its token limit.
    public var studentTruncated: Bool
    public var verdicts: [DimensionVerdict]
    /// The judge's pick with the student's answer shown first.
    public var forward: PairwisePreference
    /// The judge's pick with the reference shown first.
    public var reverse: PairwisePreference
    public var failurePhrase: String?
    public var failureModeID: Int64?
    public var studentLatencyMs: Int?
    public var studentTokensIn: Int
    public var studentTokensOut: Int
    public var studentCostUSD: Double

    public init(
        idx: Int64, line: Int, category: String?, prompt: String, reference: String, studentAnswer: String, studentTruncated: Bool = false,
        verdicts: [DimensionVerdict], forward: PairwisePreference, reverse: PairwisePreference, failurePhrase: String? = nil,
        failureModeID: Int64? = nil,
        studentLatencyMs: Int? = nil, studentTokensIn: Int = 0, studentTokensOut: Int = 0, studentCostUSD: Double = 0
    ) {
        self.idx = idx
        self.line = line
        self.category = category
        self.prompt = prompt
        self.reference = reference
        self.studentAnswer = studentAnswer
        self.studentTruncated = studentTruncated
        self.verdicts = verdicts
        self.forward = forward
        self.reverse = reverse
        self.failurePhrase = failurePhrase
        self.failureModeID = failureModeID
        self.studentLatencyMs = studentLatencyMs
        self.studentTokensIn = studentTokensIn
        self.studentTokensOut = studentTokensOut
        self.studentCostUSD = studentCostUSD
    }

    public var outcome: PairwiseOutcome { .combine(forward: forward, reverse: reverse) }
    public var passed: Bool { verdicts.allSatisfy(\.pass) }
}
