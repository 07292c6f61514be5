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
        /// `key` with a space on either side, the form a whole-word phrase is looked up in.
        let paddedKey: String
        let spaceless: Bool
        let keyIsPlain: Bool
    }

    private let phrases: [Phrase]

    init(_ written: [String]) {
        phrases = written.map { phrase in
            let normalized = NearDuplicateText.normalized(phrase)
            let spaceless = normalized.unicodeScalars.contains { !$0.isASCII }
            let key = spaceless ? Self.removingSpaces(normalized) : normalized
            return Phrase(
                written: phrase, key: key, paddedKey: " \(key) ", spaceless: spaceless,
                keyIsPlain: CanonicalContains.isCanonicallyPlain(key))
        }
    }

    /// The first phrase (as written in the list) that occurs in `text`; with `atStart`, only phrases `text`
    /// begins with count.
    func firstMatch(in text: MatchableText, atStart: Bool = false) -> String? {
        phrases.first { phrase in
            switch (phrase.spaceless, atStart) {
            case (true, false):
                CanonicalContains.contains(text.spaceless, phrase.key, textIsPlain: text.isPlain, keyIsPlain: phrase.keyIsPlain)
            case (true, true): text.spaceless.hasPrefix(phrase.key)
            case (false, false):
                CanonicalContains.contains(text.padded, phrase.paddedKey, textIsPlain: text.isPlain, keyIsPlain: phrase.keyIsPlain)
            case (false, true): text.padded.hasPrefix(phrase.paddedKey)
            }
        }?.written
    }

    /// The text without its spaces (a space is one UTF-8 byte, never part of another scalar's encoding).
    static func removingSpaces(_ text: String) -> String {
        String(decoding: text.utf8.filter { $0 != UInt8(ascii: " ") }, as: UTF8.self)
    }
}

/// A text prepared once for several `PhraseList`s.
struct MatchableText: Sendable {
    /// The normalized text with a space on either side, so " phrase " only matches whole words.
    let padded: String
    /// The normalized text with no spaces at all, for phrases in scripts that do not space words.
    let spaceless: String
    /// Whether the text is `CanonicalContains.isCanonicallyPlain` (spaces do not change it).
    let isPlain: Bool

    init(_ text: String) {
        self.init(normalized: NearDuplicateText.normalized(text))
    }

    /// For a text already normalized (`NearDuplicateText.normalized`), so a caller that has it does not normalize twice.
    init(normalized: String) {
        padded = " \(normalized) "
        spaceless = PhraseList.removingSpaces(normalized)
        isPlain = CanonicalContains.isCanonicallyPlain(normalized)
    }
}
