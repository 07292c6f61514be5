/// One data check: what it flags, in the README's words.
public enum QualityCheck: String, CaseIterable, Sendable {
    case leakage, duplicatePrompts, duplicateAnswers, refusals, repetition, echoes, truncated, languageMismatch, lengthOutliers

    public var description: String {
        switch self {
        case .leakage:
            "The last user turn is an exact or near duplicate of a row's in another split of this dataset (the row of the later "
                + "split is flagged: validation after train, test after both), or of a last user turn of the dataset compared against."
        case .duplicatePrompts:
            "The last user turn is an exact or near duplicate of an earlier row's (the splits' MinHash rule, Jaccard ≥ "
                + "\(NearDuplicateGrouping.defaultThreshold)); the first row of each cluster is kept as its representative, the others are flagged."
        case .duplicateAnswers:
            "The answer is an exact or near duplicate of an earlier row's (the same rule; answers under \(QualityChecks.minimumAnswerWords) "
                + "words are not compared); the first row of each cluster is kept, the others are flagged."
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
        case .leakage: "Leakage"
        case .duplicatePrompts: "Duplicate prompts"
        case .duplicateAnswers: "Near-duplicate answers"
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
        case .leakage: return one ? "leakage pair" : "leakage pairs"
        case .duplicatePrompts: return one ? "duplicate prompt" : "duplicate prompts"
        case .duplicateAnswers: return one ? "near-duplicate answer" : "near-duplicate answers"
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

/// A check's result: how many rows it flags, the first `QualityChecks.listedFlags` of them (`flags`, what a report
/// lists) and every one (`everyFlag`, what a stored run records per row).
public struct QualityFinding: Sendable, Equatable {
    public let check: QualityCheck
    public var count: Int { everyFlag.count }
    public var flags: ArraySlice<QualityFlag> { everyFlag.prefix(QualityChecks.listedFlags) }
    public internal(set) var everyFlag: [QualityFlag] = []

    mutating func flag(_ position: Int, _ line: Int, _ detail: String) {
        everyFlag.append(QualityFlag(position: position, line: line, detail: detail))
    }
}

/// A leakage pair: a row of this dataset and the row it near-duplicates, in another split (`otherPosition` set) or
/// in the dataset compared against (`otherPosition` nil, `otherLine` that dataset's line).
public struct LeakagePair: Sendable, Equatable {
    public let position: Int
    public let line: Int
    public let split: DatasetSplit?
    public let otherPosition: Int?
    public let otherLine: Int
    public let otherSplit: DatasetSplit?
    public let similarity: Double

    public var isAgainstOtherDataset: Bool { otherPosition == nil }
}

/// Rows per category or per split, with their share of all rows.
public struct BalanceShare: Sendable, Equatable {
    public let name: String
    public let count: Int
    public let share: Double
}

/// The balance: rows per category (`RowCategory`) and per split; empty lists when no row carries one.
public struct QualityBalance: Sendable, Equatable {
    public let categories: [BalanceShare]
    public let uncategorized: Int
    public let splits: [BalanceShare]
}

/// Everything one pass of the data checks found.
public struct QualityReport: Sendable {
    public let rows: Int
    public let findings: [QualityFinding]
    /// Every leakage pair, in row order (split pairs before the other dataset's for one row).
    public let leakagePairs: [LeakagePair]
    public let balance: QualityBalance

    public var verdict: String { QualityChecks.verdict(findings) }
}

/// The data checks over a chat dataset, fed one row at a time in row order (one pass). Memory is bounded by the
/// number of rows, not their size: per row its line, split and answer length, and per distinct prompt and answer a
/// 256-byte MinHash signature (`CompactNearDuplicates`); the texts themselves are dropped once checked. Flags are
/// kept for the flagged rows only.
public struct QualityChecks: Sendable {
    public static let listedFlags = 50
    public static let minimumAnswerWords = 10

    private var findings: [QualityCheck: QualityFinding] =
        Dictionary(uniqueKeysWithValues: QualityCheck.allCases.map { ($0, QualityFinding(check: $0)) })
    private var lengths = LengthOutliers()
    private var lines: [Int] = []
    private var splits: [DatasetSplit?] = []
    private var prompts = CompactNearDuplicates()
    private var answers = CompactNearDuplicates()
    private var answerEntryRows: [Int32] = []
    private var comparedPrompts = CompactNearDuplicates()
    private var comparedLines: [Int] = []
    private var categoryCounts: [String: Int] = [:]
    private var splitCounts: [DatasetSplit: Int] = [:]
    public private(set) var rowCount = 0

    public init() {}

    public mutating func add(_ row: QualityRow) {
        let position = rowCount
        rowCount += 1
        lines.append(row.line)
        splits.append(row.split)
        // Each text is normalized once here and the normalized form handed to every check that compares words.
        let prompt = NearDuplicateText.normalized(row.lastUserTurn)
        let answer = row.answer
        let normalizedAnswer = NearDuplicateText.normalized(answer)
        // Each split is a namespace of its own, so exact duplicates across splits stay separate entries and meet as a pair.
        prompts.insert(normalized: prompt, namespace: row.split.map { UInt64(DatasetSplit.allCases.firstIndex(of: $0)! + 1) } ?? 0)
        if let category = row.category { categoryCounts[category, default: 0] += 1 }
        if let split = row.split { splitCounts[split, default: 0] += 1 }
        for (turn, text) in row.answers.enumerated() {
            let normalized = turn == row.answers.count - 1 ? normalizedAnswer : NearDuplicateText.normalized(text)
            if let phrase = RefusalPhrases.firstMatch(inNormalized: normalized) {
                findings[.refusals]?.flag(position, row.line, "\"\(phrase)\"")
                break
            }
        }
        let answerWords = AnswerRepetition.tokens(normalizedAnswer)
        if answerWords.count >= Self.minimumAnswerWords {
            answers.insert(normalized: normalizedAnswer)
            answerEntryRows.append(Int32(position))
        }
        if let repeated = AnswerRepetition.degenerateGram(in: answerWords) {
            findings[.repetition]?.flag(position, row.line, "\"\(repeated.gram)\" \(repeated.count) times")
        }
        if EchoCheck.echoes(normalizedPrompt: prompt, normalizedAnswer: normalizedAnswer) {
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

    /// A last user turn of the dataset compared against (`?against=`): rows of this dataset that near-duplicate it leak.
    public mutating func addComparedPrompt(line: Int, prompt: String) {
        comparedPrompts.insert(prompt)
        comparedLines.append(line)
    }

    public func report() -> QualityReport {
        var result = findings
        let threshold = NearDuplicateGrouping.defaultThreshold
        let promptPairs = prompts.pairs(threshold: threshold, with: comparedLines.isEmpty ? nil : comparedPrompts)

        let promptGroups = Self.firstOfGroup(count: rowCount, canonical: prompts.canonical, pairs: promptPairs.within)
        for position in 0..<rowCount where promptGroups[position] != position {
            result[.duplicatePrompts]?.flag(position, lines[position], "duplicate of line \(lines[promptGroups[position]])")
        }

        let answerGroups = Self.firstOfGroup(count: answers.count, canonical: answers.canonical, pairs: answers.pairs(threshold: threshold).within)
        for (entry, first) in answerGroups.enumerated() where first != entry {
            let position = Int(answerEntryRows[entry])
            result[.duplicateAnswers]?.flag(position, lines[position], "duplicate of line \(lines[Int(answerEntryRows[first])])")
        }

        let leakagePairs = leakage(promptPairs)
        var pairIndex = 0
        while pairIndex < leakagePairs.count {
            let position = leakagePairs[pairIndex].position
            var details: [String] = []
            while pairIndex < leakagePairs.count, leakagePairs[pairIndex].position == position {
                let pair = leakagePairs[pairIndex]
                details.append(pair.isAgainstOtherDataset
                    ? "near duplicate of line \(pair.otherLine) of the compared dataset (similarity \(Self.twoDecimals(pair.similarity)))"
                    : "\(pair.split?.rawValue ?? "") row, near duplicate of line \(pair.otherLine) in \(pair.otherSplit?.rawValue ?? "") "
                        + "(similarity \(Self.twoDecimals(pair.similarity)))")
                pairIndex += 1
            }
            result[.leakage]?.flag(position, lines[position], details.joined(separator: "; "))
        }

        for outlier in lengths.outliers() {
            result[.lengthOutliers]?.flag(outlier.position, lines[outlier.position], "\(outlier.length) characters, z = \(outlier.z)")
        }
        return QualityReport(
            rows: rowCount, findings: QualityCheck.allCases.compactMap { result[$0] }, leakagePairs: leakagePairs, balance: balance())
    }

    /// The first entry of each entry's cluster: exact duplicates (`canonical`) and verified pairs joined transitively.
    private static func firstOfGroup(count: Int, canonical: [Int32], pairs: [CompactNearDuplicates.Pair]) -> [Int] {
        var unionFind = UnionFind(count: count)
        for entry in 0..<count { unionFind.union(entry, Int(canonical[entry])) }
        for pair in pairs { unionFind.union(pair.left, pair.right) }
        return (0..<count).map { unionFind.find($0) }
    }

    /// The leakage pairs in row order: each row whose prompt (or its first exact duplicate in its split) pairs with a
    /// prompt of an earlier split, or with one of the compared dataset; the most similar partner of each kind.
    private func leakage(_ pairs: (within: [CompactNearDuplicates.Pair], across: [CompactNearDuplicates.Pair])) -> [LeakagePair] {
        func rank(_ split: DatasetSplit) -> Int { DatasetSplit.allCases.firstIndex(of: split)! }
        func better(_ candidate: (Int, Double), than current: (Int, Double)?) -> Bool {
            guard let current else { return true }
            return candidate.1 > current.1 || (candidate.1 == current.1 && candidate.0 < current.0)
        }
        var splitPartner: [Int: (Int, Double)] = [:]
        for pair in pairs.within {
            guard let left = splits[pair.left], let right = splits[pair.right], left != right else { continue }
            let (later, earlier) = rank(left) > rank(right) ? (pair.left, pair.right) : (pair.right, pair.left)
            if better((earlier, pair.similarity), than: splitPartner[later]) { splitPartner[later] = (earlier, pair.similarity) }
        }
        var comparedPartner: [Int: (Int, Double)] = [:]
        for pair in pairs.across where better((pair.right, pair.similarity), than: comparedPartner[pair.left]) {
            comparedPartner[pair.left] = (pair.right, pair.similarity)
        }
        guard !splitPartner.isEmpty || !comparedPartner.isEmpty else { return [] }
        var result: [LeakagePair] = []
        for position in 0..<rowCount {
            let first = Int(prompts.canonical[position])
            if let (other, similarity) = splitPartner[first] {
                result.append(LeakagePair(
                    position: position, line: lines[position], split: splits[position], otherPosition: other, otherLine: lines[other],
                    otherSplit: splits[other], similarity: similarity))
            }
            if let (other, similarity) = comparedPartner[first] {
                result.append(LeakagePair(
                    position: position, line: lines[position], split: splits[position], otherPosition: nil,
                    otherLine: comparedLines[other], otherSplit: nil, similarity: similarity))
            }
        }
        return result
    }

    private func balance() -> QualityBalance {
        func share(_ count: Int) -> Double { rowCount == 0 ? 0 : (Double(count) / Double(rowCount) * 1000).rounded() / 1000 }
        let categories = categoryCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { BalanceShare(name: $0.key, count: $0.value, share: share($0.value)) }
        let splitShares = DatasetSplit.allCases.compactMap { split in
            splitCounts[split].map { BalanceShare(name: split.rawValue, count: $0, share: share($0)) }
        }
        return QualityBalance(
            categories: categories, uncategorized: categories.isEmpty ? 0 : rowCount - categoryCounts.values.reduce(0, +), splits: splitShares)
    }

    /// "0.94" for a share in 0…1.
    public static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
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

    static func degenerateGram(in words: [Substring]) -> (gram: String, count: Int)? {
        guard words.count >= gramSize * minimumRepeats else { return nil }
        // Each word as a small integer (equal words, equal integers), so a gram (`gramSize` is 4: one lane a word) hashes
        // as four integers, not four strings.
        var idOfWord: [Substring: Int32] = [:]
        var occurrences: [Int] = []
        let ids = words.map { word in
            if let id = idOfWord[word] {
                occurrences[Int(id)] += 1
                return id
            }
            let id = Int32(idOfWord.count)
            idOfWord[word] = id
            occurrences.append(1)
            return id
        }
        // A gram occurs at most as often as its first word, so only grams whose first word could pass are counted: the
        // most frequent gram, and the first to reach that count, are the same as when every gram is counted.
        func couldPass(_ count: Int) -> Bool { count >= minimumRepeats && Double(count * gramSize) >= minimumCoverage * Double(words.count) }
        guard occurrences.contains(where: couldPass) else { return nil }
        var counts: [SIMD4<Int32>: Int] = [:]
        var best: (start: Int, count: Int)?
        for start in 0...(words.count - gramSize) where couldPass(occurrences[Int(ids[start])]) {
            let gram = SIMD4(ids[start], ids[start + 1], ids[start + 2], ids[start + 3])
            let count = counts[gram, default: 0] + 1
            counts[gram] = count
            if count > (best?.count ?? 0) { best = (start, count) }
        }
        guard let best, best.count >= minimumRepeats,
              Double(best.count * gramSize) >= minimumCoverage * Double(words.count) else { return nil }
        return (words[best.start..<(best.start + gramSize)].joined(separator: " "), best.count)
    }

    /// The normalized text's words, with each CJK character a word of its own (those scripts do not space words).
    static func tokens(_ normalized: String) -> [Substring] {
        var result: [Substring] = []
        for word in words(normalized) {
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

    /// The normalized text split on its spaces, as `split(separator: " ")` splits it. When every scalar is one that
    /// always stands alone as a Character (`CanonicalContains.isGraphemeSimple`), each space byte is a whole Character,
    /// so the UTF-8 bytes are split instead of walking the text Character by Character.
    private static func words(_ normalized: String) -> [Substring] {
        guard CanonicalContains.isGraphemeSimple(normalized) else { return normalized.split(separator: " ") }
        return normalized.utf8.split(separator: UInt8(ascii: " ")).map { Substring($0) }
    }
}

/// An answer that echoes the prompt: its normalized text equals or contains the whole normalized user turn.
enum EchoCheck {
    static let minimumPromptLength = 20

    /// Both texts already normalized (`NearDuplicateText.normalized`).
    static func echoes(normalizedPrompt prompt: String, normalizedAnswer answer: String) -> Bool {
        guard prompt.unicodeScalars.count >= minimumPromptLength else { return false }
        return CanonicalContains.contains(" \(answer) ", " \(prompt) ")
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
        // The text after the last line break (the same line `split(separator: "\n").last` gives, since `trimmed` ends
        // on a non-space), found from the end so a long answer is not split whole.
        let finalLine = trimmed.lastIndex(of: "\n").map { trimmed[trimmed.index(after: $0)...] } ?? trimmed
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
