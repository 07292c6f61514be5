/// The form a judge's failure phrase is compared in: `NearDuplicateText.normalized` (lowercase, punctuation and
/// symbols out, single spaces), then the words of `stopWords` dropped and each remaining word cut by the light
/// suffix rule of `stem` (not a full stemmer: it only makes "invents", "invented" and "inventing" one word).
/// "Ignores the word-limit." → "ignor word limit"; "invented an API call" → "invent api call".
public enum FailurePhrase {
    /// Articles and a few function words that carry no failure: "ignores the limit" is "ignores a limit".
    public static let stopWords: Set<Substring> = ["a", "an", "the", "to", "of", "its", "it", "is", "are", "was", "be"]
    /// Suffixes tried in this order; the first whose removal leaves at least `minimumStem` letters is cut.
    public static let suffixes: [String] = ["ing", "ed", "es", "s", "e"]
    public static let minimumStem = 4

    public static func normalized(_ phrase: String) -> String {
        NearDuplicateText.words(phrase).filter { !stopWords.contains($0) }.map(stem).joined(separator: " ")
    }

    /// The word without its first cuttable suffix; a word ending in "ss" keeps its "s" ("class", not "clas").
    public static func stem(_ word: Substring) -> Substring {
        for suffix in suffixes where word.hasSuffix(suffix) && word.count - suffix.count >= minimumStem {
            if suffix == "s" && word.hasSuffix("ss") { return word }
            return word.dropLast(suffix.count)
        }
        return word
    }
}

/// Clusters the failure phrases of an evaluation's failed rows into failure modes with the splits' near-duplicate
/// machinery (`NearDuplicateGrouping`), adapted to phrases of a few words: the phrases are compared in their
/// `FailurePhrase` form, as sets of single words (`shingleSize` 1: a three-word shingle would make most phrases
/// one shingle, equal or nothing), linked at word Jaccard ≥ `threshold` (0.6: "invent api" and "invent api call"
/// join at 2/3, "ignor system prompt" and "ignor user prompt" stay apart at 1/2), every pair verified
/// (`.allPairs`). Word order is not compared, so two phrases of the same words in another order are one mode.
///
/// Each cluster is a mode named by its most frequent phrase as written (trimmed; a tie goes to the phrase seen
/// first); modes are ordered by row count, largest first, then by their first row. A blank phrase is not clustered.
public enum FailureModeClustering {
    public static let threshold = 0.6
    public static let shingleSize = 1

    /// One failed row's phrase, in the order the rows are read (their dataset order).
    public struct Phrase: Sendable, Equatable {
        public var row: Int64
        public var text: String

        public init(row: Int64, text: String) {
            self.row = row
            self.text = text
        }
    }

    public struct Mode: Sendable, Equatable {
        public var name: String
        /// The mode's rows, in input order.
        public var rows: [Int64]

        public init(name: String, rows: [Int64]) {
            self.name = name
            self.rows = rows
        }
    }

    public static func cluster(_ phrases: [Phrase]) -> [Mode] {
        let kept = phrases.compactMap { phrase -> Phrase? in
            let trimmed = phrase.text.trimmingWhitespace
            return trimmed.isEmpty ? nil : Phrase(row: phrase.row, text: trimmed)
        }
        let grouping = NearDuplicateGrouping(
            texts: kept.map { FailurePhrase.normalized($0.text) }, threshold: threshold, shingleSize: shingleSize, pairSearch: .allPairs)
        var members = [[Phrase]](repeating: [], count: grouping.groupCount)
        for (index, phrase) in kept.enumerated() { members[grouping.groupOfRow[index]].append(phrase) }
        let modes = members.map { Mode(name: mostFrequentText(of: $0), rows: $0.map(\.row)) }
        // Groups are numbered by first appearance, so a stable sort by size keeps the earlier group first on a tie.
        return modes.enumerated().sorted { lhs, rhs in
            lhs.element.rows.count != rhs.element.rows.count ? lhs.element.rows.count > rhs.element.rows.count : lhs.offset < rhs.offset
        }.map(\.element)
    }

    private static func mostFrequentText(of phrases: [Phrase]) -> String {
        var counts: [String: Int] = [:]
        for phrase in phrases { counts[phrase.text, default: 0] += 1 }
        var best = phrases[0].text
        for phrase in phrases where counts[phrase.text, default: 0] > counts[best, default: 0] { best = phrase.text }
        return best
    }
}
