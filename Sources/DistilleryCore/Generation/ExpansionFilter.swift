/// Why seed expansion dropped a variation the teacher returned.
public enum ExpansionDropReason: String, Sendable, CaseIterable {
    case tooShort = "too_short"
    case refusal
    case echo
    case nearDuplicateOfSeed = "near_duplicate_of_seed"
    /// Failure-mode expansion only (`FailureModeExpansion.itemFilter`): the variation would leak the test.
    case nearDuplicateOfHeldOut = "near_duplicate_of_held_out"

    public var sentence: String {
        switch self {
        case .tooShort:
            "The variation is empty or shorter than \(ExpansionFilter.minimumWords) words (a Chinese or Japanese "
                + "character counts as a word)."
        case .refusal:
            "The variation is a refusal: it contains a phrase from the refusal list."
        case .echo:
            "The variation repeats the template: it contains \(ExpansionFilter.echoRunWords) or more consecutive "
                + "words of the instructions, or a marker such as “Rewritten prompt”."
        case .nearDuplicateOfSeed:
            "The variation is a near duplicate of its seed: their word-shingle Jaccard similarity is at or above "
                + "the near-duplicate threshold (\(NearDuplicateGrouping.defaultThreshold) by default)."
        case .nearDuplicateOfHeldOut:
            "The variation is a near duplicate of a prompt of the evaluated (held-out) split, its own failing prompt "
                + "included: training on it would leak the test."
        }
    }
}

/// Decides whether a variation of a seed is kept. The checks run in this order and the first that fails names
/// the reason:
/// 1. too short: fewer than `minimumWords` words after normalization, where each Chinese or Japanese character
///    counts as a word (those scripts do not space words);
/// 2. refusal: a phrase of `RefusalPhrases`;
/// 3. echo: a run of `echoRunWords` consecutive words of the template's text (placeholders cut the text, so a run
///    never spans one and the seed's own words never count), or one of `echoMarkers`;
/// 4. near duplicate of its seed: the same normalized text, or word-shingle Jaccard similarity ≥ the threshold,
///    by the rules of `NearDuplicateText` (the rule the splits and generation's deduplication use).
public struct ExpansionFilter: Sendable {
    public static let minimumWords = 4
    public static let echoRunWords = 8
    /// Headings and lead-ins that mean the teacher answered the template's form instead of writing a prompt.
    public static let echoMarkers: [String] = [
        "Rewritten prompt", "Given prompt", "Created prompt", "Seed prompt", "The original prompt",
        "Here is a variation", "Here's a variation", "Here is the variation", "Here are the variations",
        "Here are some variations", "Here is the rewritten", "Here's the rewritten", "Here is a rewritten",
        "Here's a rewritten", "Here is a new prompt", "Here's a new prompt",
        "改写后的提示", "改写后的问题", "重写后的提示", "以下是改写", "以下是变体",
    ]

    private static let markerList = PhraseList(echoMarkers)

    public let nearDuplicateThreshold: Double
    private let templateRuns: Set<String>

    /// `templateTexts`: the template's system prompt and prompt, and the descriptions its variables' values can
    /// render (for the built-in template, every mutation's instruction).
    public init(templateTexts: [String], nearDuplicateThreshold: Double = NearDuplicateGrouping.defaultThreshold) {
        self.nearDuplicateThreshold = nearDuplicateThreshold
        var runs = Set<String>()
        for text in templateTexts {
            for segment in text.split(whereSeparator: { $0 == "{" || $0 == "}" }) {
                runs.formUnion(Self.runs(of: NearDuplicateText.words(String(segment))))
            }
        }
        templateRuns = runs
    }

    /// nil to keep the variation, or why it is dropped.
    public func rejection(of variation: String, seed: String) -> ExpansionDropReason? {
        let words = NearDuplicateText.words(variation)
        if Self.wordCount(words) < Self.minimumWords { return .tooShort }
        if RefusalPhrases.firstMatch(in: variation) != nil { return .refusal }
        if Self.runs(of: words).contains(where: templateRuns.contains)
            || Self.markerList.firstMatch(in: MatchableText(variation)) != nil {
            return .echo
        }
        if isNearDuplicate(words.joined(separator: " "), of: NearDuplicateText.normalized(seed)) {
            return .nearDuplicateOfSeed
        }
        return nil
    }

    private func isNearDuplicate(_ variation: String, of seed: String) -> Bool {
        if variation == seed { return true }
        let lhs = NearDuplicateText.shingleHashes(normalized: variation)
        let rhs = NearDuplicateText.shingleHashes(normalized: seed)
        return NearDuplicateText.jaccard(lhs[...], rhs[...]) >= nearDuplicateThreshold
    }

    /// Every run of `echoRunWords` consecutive words, joined by single spaces.
    private static func runs(of words: [Substring]) -> LazyMapSequence<Range<Int>, String> {
        (0..<max(0, words.count - echoRunWords + 1)).lazy.map { start in
            words[start..<(start + echoRunWords)].joined(separator: " ")
        }
    }

    private static func wordCount(_ words: [Substring]) -> Int {
        words.reduce(0) { count, word in
            count + max(1, word.unicodeScalars.count(where: isUnspacedScriptCharacter))
        }
    }

    /// Han and kana: scripts written without spaces between words.
    private static func isUnspacedScriptCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isIdeographic || (0x3040...0x30FF).contains(scalar.value)  // Hiragana, Katakana
    }
}
