import Testing
@testable import DistilleryCore

private let thirds = RecipeDistribution(train: 1.0 / 3, validation: 1.0 / 3, test: 1.0 / 3)
private let eightyTenTen = RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1)
private let halves = RecipeDistribution(train: 0.5, validation: 0.5, test: 0)

@Test(arguments: [
    ("Hello,  WORLD!", "hello world"),
    ("  tabs\tand\nnewlines  ", "tabs and newlines"),
    ("Don't stop—ever.", "don t stop ever"),
    ("Ünïcödé ÉCOLE 日本語", "ünïcödé école 日本語"),
    ("$5 + 3 = 8 🙂", "5 3 8"),
    ("!!!", ""),
])
func normalizationFoldsCaseWhitespaceAndPunctuation(input: String, expected: String) {
    #expect(NearDuplicateText.normalized(input) == expected)
}

@Test func shinglesAreThreeWordRunsAndShortTextsAreOneShingle() {
    #expect(NearDuplicateText.shingleHashes(normalized: "a b c d e").count == 3)
    #expect(NearDuplicateText.shingleHashes(normalized: "a b c a b c").count == 3)  // "a b c", "b c a", "c a b"
    #expect(NearDuplicateText.shingleHashes(normalized: "a b").count == 1)
    #expect(NearDuplicateText.shingleHashes(normalized: "a b") != NearDuplicateText.shingleHashes(normalized: "b a"))
}

@Test(arguments: [
    // 40 words, one changed: 38 shingles each, 3 differ → 35 / 41.
    (changedWords: [20], jaccard: 35.0 / 41),
    // Three changes far apart: 9 shingles differ on each side → 29 / 47.
    (changedWords: [5, 20, 35], jaccard: 29.0 / 47),
    (changedWords: [], jaccard: 1.0),
])
func jaccardIsExactOverWordShingles(changedWords: [Int], jaccard: Double) {
    let base = (0..<40).map { "w\($0)" }
    var changed = base
    for index in changedWords { changed[index] = "other\(index)" }
    let lhs = NearDuplicateText.shingleHashes(normalized: base.joined(separator: " "))
    let rhs = NearDuplicateText.shingleHashes(normalized: changed.joined(separator: " "))
    #expect(NearDuplicateText.jaccard(lhs[...], rhs[...]) == jaccard)
}

@Test(arguments: [
    (rows: 10, distribution: eightyTenTen, expected: SplitCounts(train: 8, validation: 1, test: 1)),
    (rows: 11, distribution: eightyTenTen, expected: SplitCounts(train: 9, validation: 1, test: 1)),
    (rows: 7, distribution: eightyTenTen, expected: SplitCounts(train: 5, validation: 1, test: 1)),
    (rows: 5, distribution: RecipeDistribution(train: 0.9, validation: 0.1, test: 0), expected: SplitCounts(train: 5)),
    (rows: 3, distribution: RecipeDistribution(train: 0.8, validation: 0.2, test: 0), expected: SplitCounts(train: 2, validation: 1)),
    (rows: 1, distribution: .allTrain, expected: SplitCounts(train: 1)),
    (rows: 0, distribution: eightyTenTen, expected: SplitCounts()),
    (rows: 1, distribution: thirds, expected: SplitCounts(train: 1)),
    (rows: 2, distribution: thirds, expected: SplitCounts(train: 1, validation: 1)),
    (rows: 100, distribution: RecipeDistribution(train: 0.57, validation: 0.43, test: 0), expected: SplitCounts(train: 57, validation: 43)),
])
func quotasAreLargestRemainderRounding(rows: Int, distribution: RecipeDistribution, expected: SplitCounts) {
    #expect(distribution.quotas(rowCount: rows) == expected)
}

@Test(arguments: [
    (RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1), [String: String]()),
    (RecipeDistribution(train: 1.2, validation: -0.1, test: -0.1), ["train": "must be a number from 0 to 1; got 1.2",
        "validation": "must be a number from 0 to 1; got -0.1", "test": "must be a number from 0 to 1; got -0.1"]),
    (RecipeDistribution(train: 0.8, validation: 0.1, test: 0.2), ["fractions": "train + validation + test must sum to 1; got 1.1"]),
    (RecipeDistribution(train: .nan, validation: 0, test: 0), ["train": "must be a number from 0 to 1; got nan"]),
])
func fractionProblemsNameTheirField(distribution: RecipeDistribution, expected: [String: String]) {
    #expect(distribution.splitProblems == expected)
}

@Test func presetsAreValid() {
    #expect(RecipeDistribution.splitPresets.map(\.name) == ["80/10/10", "90/10/0", "80/20/0", "100/0/0"])
    for preset in RecipeDistribution.splitPresets { #expect(preset.distribution.splitProblems.isEmpty) }
}

/// `size` near-duplicate prompts of 40 words that differ from each other in one word (Jaccard 35/41 ≈ 0.85).
private func nearDuplicateFamily(_ family: String, size: Int) -> [String] {
    (0..<size).map { member in
        (0..<40).map { $0 == 20 ? "variant\(member)" : "\(family)w\($0)" }.joined(separator: " ")
    }
}

private func singletons(_ prefix: String, count: Int) -> [String] {
    (0..<count).map { index in (0..<12).map { "\(prefix)\(index)x\($0)" }.joined(separator: " ") }
}

/// Every pair of rows that is an exact or near duplicate, found by comparing all pairs.
private func bruteForceCrossSplitPairs(_ texts: [String], _ splits: [DatasetSplit], threshold: Double = 0.8) -> Int {
    let sets = texts.map { NearDuplicateText.shingleHashes(normalized: NearDuplicateText.normalized($0)) }
    var cross = 0
    for i in texts.indices {
        for j in texts.indices where j > i && splits[i] != splits[j] {
            if NearDuplicateText.jaccard(sets[i][...], sets[j][...]) >= threshold { cross += 1 }
        }
    }
    return cross
}

@Test func exactAndNearDuplicatesGroupAndOthersDoNot() {
    let family = nearDuplicateFamily("f", size: 3)
    let texts = ["Hello, world!", "hello WORLD", family[0], "unrelated words here entirely", family[1], family[2],
                 "hello world again please"]
    let grouping = NearDuplicateGrouping(texts: texts)
    #expect(grouping.groupOfRow == [0, 0, 1, 2, 1, 1, 3])
    #expect(grouping.firstRowOfGroup == [0, 2, 3, 6])
}

@Test func aHigherThresholdSeparatesNearDuplicates() {
    let grouping = NearDuplicateGrouping(texts: nearDuplicateFamily("f", size: 2), threshold: 0.9)
    #expect(grouping.groupOfRow == [0, 1])
}

@Test(arguments: [
    (rows: 10, distribution: eightyTenTen),
    (rows: 101, distribution: eightyTenTen),
    (rows: 57, distribution: thirds),
    (rows: 40, distribution: RecipeDistribution(train: 0.9, validation: 0.1, test: 0)),
    (rows: 33, distribution: RecipeDistribution.allTrain),
])
func singletonRowsFillTheQuotasExactly(rows: Int, distribution: RecipeDistribution) {
    let assignment = SplitAssignment(grouping: NearDuplicateGrouping(texts: singletons("s", count: rows)),
                                     distribution: distribution, seed: 42)
    #expect(assignment.counts == distribution.quotas(rowCount: rows))
    #expect(assignment.bentBy == 0)
    for split in DatasetSplit.allCases {
        #expect(assignment.splitOfRow.filter { $0 == split }.count == assignment.counts[split])
    }
}

@Test func theSameRowsAndSeedGiveTheSameAssignmentAndAnotherSeedDiffers() {
    let texts = singletons("s", count: 200) + nearDuplicateFamily("f", size: 4)
    let first = SplitAssignment(grouping: NearDuplicateGrouping(texts: texts), distribution: eightyTenTen, seed: 42)
    let second = SplitAssignment(grouping: NearDuplicateGrouping(texts: texts), distribution: eightyTenTen, seed: 42)
    let otherSeed = SplitAssignment(grouping: NearDuplicateGrouping(texts: texts), distribution: eightyTenTen, seed: 43)
    #expect(first == second)
    #expect(first.splitOfRow != otherSeed.splitOfRow)
    #expect(first.counts == otherSeed.counts)
}

@Test func groupsStayWholeAndNothingLeaks() {
    let texts = singletons("s", count: 60) + nearDuplicateFamily("f", size: 5) + ["Same prompt!", "same prompt"]
        + nearDuplicateFamily("g", size: 3) + singletons("t", count: 30) + ["SAME   prompt."]
    let grouping = NearDuplicateGrouping(texts: texts)
    let assignment = SplitAssignment(grouping: grouping, distribution: eightyTenTen, seed: 7)
    #expect(assignment.groupsKeptTogether == 3)
    #expect(assignment.rowsInGroups == 11)
    #expect(assignment.crossSplitPairs == 0)
    #expect(bruteForceCrossSplitPairs(texts, assignment.splitOfRow) == 0)
    #expect(Set((60..<65).map { assignment.splitOfRow[$0] }).count == 1)
    #expect(Set([65, 66, texts.count - 1].map { assignment.splitOfRow[$0] }).count == 1)
}

@Test func aGroupLargerThanItsRoomBendsTheQuotaAndSaysByHowMuch() {
    // Quotas 5/5; groups of 6 and 4 cannot meet them.
    let texts = nearDuplicateFamily("f", size: 6) + nearDuplicateFamily("g", size: 4)
    let assignment = SplitAssignment(grouping: NearDuplicateGrouping(texts: texts), distribution: halves, seed: 1)
    #expect(assignment.quotas == SplitCounts(train: 5, validation: 5))
    #expect(assignment.counts == SplitCounts(train: 6, validation: 4))
    #expect(assignment.bentBy == 1)
    #expect(assignment.crossSplitPairs == 0)
}

@Test(arguments: [1, 25, 300])
func addingRowsMovesNoRowAlreadyAssigned(added: Int) {
    let original = singletons("s", count: 300) + nearDuplicateFamily("f", size: 3)
    let before = SplitAssignment(grouping: NearDuplicateGrouping(texts: original), distribution: eightyTenTen, seed: 42)
    // New rows: fresh prompts and one more near duplicate of the existing family.
    let grown = original + singletons("n", count: added) + [nearDuplicateFamily("f", size: 4)[3]]
    let after = SplitAssignment(grouping: NearDuplicateGrouping(texts: grown), distribution: eightyTenTen, seed: 42,
                                previous: before.splitOfRow)
    #expect(Array(after.splitOfRow.prefix(original.count)) == before.splitOfRow)
    #expect(after.movedRows == 0)
    #expect(after.splitOfRow.last == before.splitOfRow[300])
    #expect(after.crossSplitPairs == 0)
    #expect(after.counts.total == grown.count)
    // New rows fill the room the new quotas leave; the old rows already fit their old quotas.
    #expect(after.bentBy <= 1)
}

@Test func aNewRowJoiningGroupsInDifferentSplitsMovesOneGroupAndCountsIt() {
    // Two prompts of 40 words that differ in words 10 and 30 (Jaccard 32/44, apart), then a bridge that
    // differs from each in one word (35/41 with both).
    let left = (0..<40).map { "w\($0)" }
    let right = (0..<40).map { $0 == 10 || $0 == 30 ? "r\($0)" : "w\($0)" }
    let bridge = (0..<40).map { $0 == 10 ? "r\($0)" : "w\($0)" }
    let texts = [left, right].map { $0.joined(separator: " ") }
    let previous: [DatasetSplit?] = [.train, .validation]
    let after = SplitAssignment(grouping: NearDuplicateGrouping(texts: texts + [bridge.joined(separator: " ")]),
                                distribution: halves, seed: 1, previous: previous)
    #expect(after.splitOfRow == [.train, .train, .train])
    #expect(after.movedRows == 1)
    #expect(after.crossSplitPairs == 0)
}

@Test(arguments: [
    (#"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"Hi"},{"role":"assistant","content":"A"}]}"#, "Hi"),
    (#"{"messages":[{"role":"user","content":"One"},{"role":"assistant","content":"A"},{"role":"user","content":"Two \"q\""}]}"#, "One\nTwo \"q\""),
    (#"{"input":"a seed"}"#, ""),
])
func userTurnsOfAChatRowAreJoinedByNewlines(row: String, expected: String) {
    #expect(NearDuplicateText.userTurns(ofChatRow: Array(row.utf8)) == expected)
}

/// The rule as the README states it, written the plain way: Unicode lowercase, every punctuation or symbol
/// character a space, split on whitespace, joined by single spaces. The byte- and scalar-level folding must agree.
private func plainRule(_ text: String) -> String {
    String(text.lowercased().map { $0.isPunctuation || $0.isSymbol ? " " : $0 }).split(whereSeparator: \.isWhitespace).joined(separator: " ")
}

@Test func theFastFoldingAgreesWithThePlainRuleForEveryASCIICharacter() {
    for byte in UInt8(0)...UInt8(0x7f) {
        let text = "Ab\(Character(Unicode.Scalar(byte)))cD 9"
        #expect(NearDuplicateText.normalized(text) == plainRule(text), "byte \(byte)")
    }
}

@Test(arguments: [
    "Café NAÏVE résumé", "Zürich, SEÑOR!", "明日までに、レポートを。", "数据 分析 — 速度", "😀🚀✅ done", "Привет, МИР",
    "e\u{301}COLE", "!\u{301} mark on punctuation", "line\r\nbreak", "nbsp\u{a0}and\u{2003}em space", "İstanbul ǅemal",
    "flags 🇫🇷🇩🇪 and 👩‍👩‍👧 family", "«quoted» ‘single’ ¿qué?", "x² + y² = z²", "ⒶⒷ circled", "tab\there\u{85}next",
    "  ÉCOLE\u{2028}Über  ", "ΣΊΣΥΦΟΣ final sigma", "\u{1}control\u{7f}chars",
])
func theFastFoldingAgreesWithThePlainRuleBeyondASCII(text: String) {
    #expect(NearDuplicateText.normalized(text) == plainRule(text))
}

@Test(arguments: ["", "one", "one two three", "one two three four", "a b c a b c", "école über ünïcödé 日本語 x"])
func shingleHashesAreThoseOfTheWordsJoined(text: String) {
    // The same hashes as hashing each word's string (the rule before the byte-level scan).
    let words = text.split(separator: " ")
    let expected: [UInt64]
    if words.count > NearDuplicateText.shingleSize {
        let wordHashes = words.map { StableHash.of($0) }
        expected = Array(Set((0...(words.count - 3)).map { start in
            wordHashes[start..<(start + 3)].reduce(UInt64(0)) { StableHash.mix($0 &* 31 ^ $1) }
        })).sorted()
    } else {
        expected = [StableHash.of(text)]
    }
    #expect(NearDuplicateText.shingleHashes(normalized: text) == expected)
}
