/// One data check: what it flags, in the README's words.
public enum QualityCheck: String, CaseIterable, Sendable {
    case duplicatePrompts, refusals, repetition, echoes, truncated, languageMismatch, lengthOutliers

    public var description: String {
        switch self {
        case .duplicatePrompts:
            "The last user turn is an exact or near duplicate of an earlier row's (the splits' MinHash rule, Jaccard ≥ "
                + "\(NearDuplicateGrouping.defaultThreshold)); the first row of each cluster is kept as its representative, the others are flagged."
        case .refusals: "An assistant turn contains a refusal phrase (the README lists them; English and Chinese)."
        case .repetition:
            "An answer repeats one \(AnswerRepetition.gramSize)-word sequence at least \(AnswerRepetition.minimumRepeats) times, "
                + "covering at least \(Int(AnswerRepetition.minimumCoverage * 100))% of its words (a CJK character counts as a word)."
        case .echoes: "The answer equals or contains the whole last user turn (compared normalized; user turns of \(EchoCheck.minimumPromptLength)+ characters)."
        case .truncated:
            "The metadata's finish_reason is \"length\", or the answer ends mid-sentence: on a comma, or on a letter "
                + "after a final line of \(TruncationCheck.minimumFinalLineLength)+ characters."
        case .languageMismatch:
            "The last user turn and the answer are written in different scripts (majority script of their letters; "
                + "texts under \(ScriptProfile.minimumWeight) letters are ignored)."
        case .lengthOutliers: "The answer's log length is more than \(LengthOutliers.zThreshold) standard deviations from the dataset's mean."
        }
    }

    /// The check's heading on the page.
    public var title: String {
        switch self {
        case .duplicatePrompts: "Duplicate prompts"
        case .refusals: "Refusals"
        case .repetition: "Degenerate repetition"
        case .echoes: "Answers that echo the prompt"
        case .truncated: "Truncated answers"
        case .languageMismatch: "Language mismatch"
        case .lengthOutliers: "Length outliers"
        }
    }

    /// The verdict's noun for `count` flags ("3 refusals").
    public func noun(_ count: Int) -> String {
        let one = count == 1
        switch self {
        case .duplicatePrompts: return one ? "duplicate prompt" : "duplicate prompts"
        case .refusals: return one ? "refusal" : "refusals"
        case .repetition: return one ? "repetitive answer" : "repetitive answers"
        case .echoes: return one ? "echo" : "echoes"
        case .truncated: return one ? "truncated answer" : "truncated answers"
        case .languageMismatch: return one ? "language mismatch" : "language mismatches"
        case .lengthOutliers: return one ? "length outlier" : "length outliers"
        }
    }
}

/// A flagged row: its position in row order (0-based, as the rows API pages), its line in the uploaded file and
/// why it was flagged.
public struct QualityFlag: Sendable, Equatable {
    public let position: Int
    public let line: Int
    public let detail: String

    public init(position: Int, line: Int, detail: String) {
        self.position = position
        self.line = line
        self.detail = detail
    }
}

/// A check's result: how many rows it flags and the first `QualityChecks.listedFlags` of them.
public struct QualityFinding: Sendable, Equatable {
    public let check: QualityCheck
    public internal(set) var count = 0
    public internal(set) var flags: [QualityFlag] = []

    mutating func flag(_ position: Int, _ line: Int, _ detail: String) {
        count += 1
        if flags.count < QualityChecks.listedFlags { flags.append(QualityFlag(position: position, line: line, detail: detail)) }
    }
}

/// The data checks over a chat dataset, fed one row at a time in row order (one pass; memory is bounded
/// except what two checks must keep: the answer lengths for the length outliers, kept as integers, and the last
/// user turns for the duplicate prompts).
public struct QualityChecks: Sendable {
    public static let listedFlags = 50

    private var findings: [QualityCheck: QualityFinding] =
        Dictionary(uniqueKeysWithValues: QualityCheck.allCases.map { ($0, QualityFinding(check: $0)) })
    private var lengths = LengthOutliers()
    private var lines: [Int] = []
    private var prompts: [String] = []
    public private(set) var rowCount = 0

    public init() {}

    public mutating func add(_ row: QualityRow) {
        let position = rowCount
        rowCount += 1
        lines.append(row.line)
        prompts.append(row.lastUserTurn)
        for answer in row.answers {
            if let phrase = RefusalPhrases.firstMatch(in: answer) {
                findings[.refusals]?.flag(position, row.line, "\"\(phrase)\"")
                break
            }
        }
        let answer = row.answer
        if let repeated = AnswerRepetition.degenerateGram(in: answer) {
            findings[.repetition]?.flag(position, row.line, "\"\(repeated.gram)\" \(repeated.count) times")
        }
        if EchoCheck.echoes(prompt: row.lastUserTurn, answer: answer) {
            findings[.echoes]?.flag(position, row.line, "the answer contains the whole prompt")
        }
        if let reason = TruncationCheck.reason(answer: answer, finishReason: row.finishReason) {
            findings[.truncated]?.flag(position, row.line, reason)
        }
        if let prompt = ScriptProfile(row.lastUserTurn).majority, let reply = ScriptProfile(answer).majority, prompt != reply {
            findings[.languageMismatch]?.flag(position, row.line, "prompt \(prompt.rawValue), answer \(reply.rawValue)")
        }
        lengths.add(answer.unicodeScalars.count)
    }

    /// Every check's finding, in `QualityCheck.allCases` order.
    public func report() -> [QualityFinding] {
        var result = findings
        let grouping = NearDuplicateGrouping(texts: prompts)
        for (position, group) in grouping.groupOfRow.enumerated() where grouping.firstRowOfGroup[group] != position {
            result[.duplicatePrompts]?.flag(position, lines[position], "duplicate of line \(lines[grouping.firstRowOfGroup[group]])")
        }
        for outlier in lengths.outliers() {
            result[.lengthOutliers]?.flag(outlier.position, lines[outlier.position], "\(outlier.length) characters, z = \(outlier.z)")
        }
        return QualityCheck.allCases.compactMap { result[$0] }
    }

    /// "3 refusals, 2 truncated answers, 1 echo" (checks with no flags left out), or "No problems found".
    public static func verdict(_ findings: [QualityFinding]) -> String {
        let parts = findings.filter { $0.count > 0 }.map { "\($0.count) \($0.check.noun($0.count))" }
        return parts.isEmpty ? "No problems found" : parts.joined(separator: ", ")
    }
}

/// Degenerate repetition: the most frequent word n-gram of an answer.
enum AnswerRepetition {
    static let gramSize = 4
    static let minimumRepeats = 5
    static let minimumCoverage = 0.2

    static func degenerateGram(in answer: String) -> (gram: String, count: Int)? {
        let words = tokens(NearDuplicateText.normalized(answer))
        guard words.count >= gramSize * minimumRepeats else { return nil }
        var counts: [ArraySlice<Substring>: Int] = [:]
        var best: (gram: ArraySlice<Substring>, count: Int)?
        for start in 0...(words.count - gramSize) {
            let gram = words[start..<(start + gramSize)]
            let count = counts[gram, default: 0] + 1
            counts[gram] = count
            if count > (best?.count ?? 0) { best = (gram, count) }
        }
        guard let best, best.count >= minimumRepeats,
              Double(best.count * gramSize) >= minimumCoverage * Double(words.count) else { return nil }
        return (best.gram.joined(separator: " "), best.count)
    }

    /// The normalized text's words, with each CJK character a word of its own (those scripts do not space words).
    static func tokens(_ normalized: String) -> [Substring] {
        var result: [Substring] = []
        for word in normalized.split(separator: " ") {
            guard word.unicodeScalars.contains(where: { Script(of: $0) == .cjk }) else { result.append(word); continue }
            var start = word.startIndex
            for index in word.indices {
                guard let scalar = word[index].unicodeScalars.first, Script(of: scalar) == .cjk else { continue }
                if start < index { result.append(word[start..<index]) }
                result.append(word[index...index])
                start = word.index(after: index)
            }
            if start < word.endIndex { result.append(word[start...]) }
        }
        return result
    }
}

/// An answer that echoes the prompt: its normalized text equals or contains the whole normalized user turn.
enum EchoCheck {
    static let minimumPromptLength = 20

    static func echoes(prompt: String, answer: String) -> Bool {
        let prompt = NearDuplicateText.normalized(prompt)
        guard prompt.unicodeScalars.count >= minimumPromptLength else { return false }
        return " \(NearDuplicateText.normalized(answer)) ".contains(" \(prompt) ")
    }
}

/// A truncated answer: cut off by the token limit, or ending mid-sentence.
enum TruncationCheck {
    static let minimumFinalLineLength = 40
    private static let commas: Set<Character> = [",", "，", "、"]

    static func reason(answer: String, finishReason: String?) -> String? {
        if finishReason == "length" { return "finish_reason \"length\"" }
        guard let end = answer.lastIndex(where: { !$0.isWhitespace }) else { return nil }
        let trimmed = answer[...end]
        let last = trimmed[end]
        if commas.contains(last) { return "ends on a comma" }
        let finalLine = trimmed.split(separator: "\n").last ?? ""
        if last.isLetter, finalLine.count >= minimumFinalLineLength { return "ends mid-sentence" }
        return nil
    }
}

/// The length outliers: answers whose log length lies more than `zThreshold` standard deviations from the mean.
struct LengthOutliers: Sendable {
    static let zThreshold = 3.0
    static let minimumRows = 10

    private var lengths: [Int] = []

    mutating func add(_ length: Int) { lengths.append(length) }

    /// The outliers in row order; `position` is the row's place in the order `add` saw them.
    func outliers() -> [(position: Int, length: Int, z: Double)] {
        guard lengths.count >= Self.minimumRows else { return [] }
        let logs = lengths.map { naturalLog(Double($0) + 1) }
        let mean = logs.reduce(0, +) / Double(logs.count)
        let deviation = (logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(logs.count)).squareRoot()
        guard deviation > 0 else { return [] }
        return logs.indices.compactMap { index in
            let z = (logs[index] - mean) / deviation
            guard abs(z) > Self.zThreshold else { return nil }
            return (index, lengths[index], (z * 10).rounded() / 10)
        }
    }
}

/// ln(x) for x ≥ 1 without Foundation: x = m·2^e with m in [1, 2), ln m = 2·atanh((m − 1)/(m + 1)) by its series
/// (|t| ≤ 1/3, so 30 terms are far below Double's precision).
func naturalLog(_ x: Double) -> Double {
    let t = (x.significand - 1) / (x.significand + 1)
    var term = t
    var sum = 0.0
    for power in stride(from: 1, through: 59, by: 2) {
        sum += term / Double(power)
        term *= t * t
    }
    return Double(x.exponent) * 0.693_147_180_559_945_3 + 2 * sum
}
