/// Whole-word phrase matching on `NearDuplicateText.normalized` text, so case, punctuation and straight or curly
/// apostrophes do not matter: "I’m SORRY, but" and "i'm sorry but" both read "i m sorry but".
///
/// A phrase with a non-ASCII character (Chinese, Japanese, Korean) is matched with the spaces removed from both
/// sides, because those scripts do not separate words with spaces and normalization turns their punctuation
/// into spaces: "抱歉我" matches "抱歉，我无法…" and "抱歉我不能…", but not "抱歉信怎么写".
struct PhraseList: Sendable {
    private struct Phrase: Sendable {
        let written: String
        let key: String
        let spaceless: Bool
    }

    private let phrases: [Phrase]

    init(_ written: [String]) {
        phrases = written.map { phrase in
            let normalized = NearDuplicateText.normalized(phrase)
            let spaceless = normalized.unicodeScalars.contains { !$0.isASCII }
            return Phrase(written: phrase, key: spaceless ? Self.removingSpaces(normalized) : normalized, spaceless: spaceless)
        }
    }

    /// The first phrase (as written in the list) that occurs in `text`; with `atStart`, only phrases `text`
    /// begins with count.
    func firstMatch(in text: MatchableText, atStart: Bool = false) -> String? {
        phrases.first { phrase in
            switch (phrase.spaceless, atStart) {
            case (true, false): text.spaceless.contains(phrase.key)
            case (true, true): text.spaceless.hasPrefix(phrase.key)
            case (false, false): text.padded.contains(" \(phrase.key) ")
            case (false, true): text.padded.hasPrefix(" \(phrase.key) ")
            }
        }?.written
    }

    static func removingSpaces(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0 != " " }.map(Character.init))
    }
}

/// A text prepared once for several `PhraseList`s.
struct MatchableText: Sendable {
    /// The normalized text with a space on either side, so " phrase " only matches whole words.
    let padded: String
    /// The normalized text with no spaces at all, for phrases in scripts that do not space words.
    let spaceless: String

    init(_ text: String) {
        let normalized = NearDuplicateText.normalized(text)
        padded = " \(normalized) "
        spaceless = PhraseList.removingSpaces(normalized)
    }
}
