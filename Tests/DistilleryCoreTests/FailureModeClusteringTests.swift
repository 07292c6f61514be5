import Testing
@testable import DistilleryCore

@Test(arguments: [
    ("Ignores the word-limit.", "ignor word limit"),
    ("ignores the word limit", "ignor word limit"),
    ("IGNORING a word limit!", "ignor word limit"),
    ("invents an API", "invent api"),
    ("invented API call", "invent api call"),
    ("Answers in English to a Chinese prompt", "answer in english chines prompt"),
    ("Misses the edge cases", "miss edge case"),
    ("wrong class", "wrong class"),      // "ss" keeps its "s"
    ("uses a string", "uses string"),    // a cut leaving fewer than 4 letters is not made
    ("the", ""),
])
func failurePhrasesAreNormalizedWithoutStopWordsAndSuffixes(phrase: String, expected: String) {
    #expect(FailurePhrase.normalized(phrase) == expected)
}

private func phrases(_ texts: [(Int64, String)]) -> [FailureModeClustering.Phrase] {
    texts.map { FailureModeClustering.Phrase(row: $0.0, text: $0.1) }
}

@Test(arguments: [
    // The brief's table: spelling and punctuation variants are one mode, and so are the two API inventions.
    (
        [(1, "ignores the word limit"), (2, "Ignores the word-limit."), (3, "invents an API"), (4, "invented API call"),
         (5, "ignores the word limit")],
        [FailureModeClustering.Mode(name: "ignores the word limit", rows: [1, 2, 5]), .init(name: "invents an API", rows: [3, 4])]
    ),
    // Equal counts: the phrase seen first names the mode.
    ([(7, "invented API call"), (9, "invents an API")], [.init(name: "invented API call", rows: [7, 9])]),
    // The most frequent phrase as written beats the first one.
    (
        [(1, "Ignores the word-limit."), (2, "ignores the word limit"), (3, "ignores the word limit")],
        [.init(name: "ignores the word limit", rows: [1, 2, 3])]
    ),
    // Word Jaccard 1/2 is below the threshold: two modes, the first row's first.
    ([(1, "ignores the system prompt"), (2, "ignores the user prompt")], [.init(name: "ignores the system prompt", rows: [1]), .init(name: "ignores the user prompt", rows: [2])]),
    // Larger modes first; a blank phrase is not clustered; the name is trimmed.
    (
        [(1, "too verbose"), (2, "   "), (3, " invents an API "), (4, "invented API call")],
        [.init(name: "invents an API", rows: [3, 4]), .init(name: "too verbose", rows: [1])]
    ),
    ([], []),
] as [([(Int64, String)], [FailureModeClustering.Mode])])
func failurePhrasesClusterIntoNamedModes(input: [(Int64, String)], expected: [FailureModeClustering.Mode]) {
    #expect(FailureModeClustering.cluster(phrases(input)) == expected)
}

@Test func shingleSizeIsAParameterAndTheDefaultStaysThreeWords() {
    #expect(NearDuplicateText.shingleHashes(normalized: "a b c d e", size: 1).count == 5)
    #expect(NearDuplicateText.shingleHashes(normalized: "a b c a b c", size: 1).count == 3)
    #expect(NearDuplicateText.shingleHashes(normalized: "a b c d e") == NearDuplicateText.shingleHashes(normalized: "a b c d e", size: 3))
    let lhs = NearDuplicateText.shingleHashes(normalized: "invent api", size: 1)
    let rhs = NearDuplicateText.shingleHashes(normalized: "invent api call", size: 1)
    #expect(NearDuplicateText.jaccard(lhs[...], rhs[...]) == 2.0 / 3)
}

@Test func phraseGroupingLinksShortTextsThatTheSplitsRuleKeepsApart() {
    let texts = ["invent api", "invent api call", "ignor word limit"]
    let phrases = NearDuplicateGrouping(texts: texts, threshold: 0.6, shingleSize: 1, pairSearch: .allPairs)
    #expect(phrases.groupOfRow == [0, 0, 1])
    // The splits' rule (3-word shingles, bands, 0.8): a text of at most 3 words is one shingle, so no near pair.
    #expect(NearDuplicateGrouping(texts: texts).groupOfRow == [0, 1, 2])
    #expect(NearDuplicateGrouping(texts: texts, threshold: 0.6, shingleSize: 1).groupOfRow == [0, 0, 1])
}
