import Testing
@testable import DistilleryCore

/// A 40-word text whose words are `family`-prefixed; `changed` words replaced (one change: Jaccard 35/41 with
/// the unchanged text; three changes far apart: 29/47).
private func text(_ family: String, changed: [Int] = []) -> String {
    (0..<40).map { changed.contains($0) ? "other\($0)" : "\(family)w\($0)" }.joined(separator: " ")
}

@Test(arguments: [
    "how do i RESET my password?",
    "How   do I reset\tmy password",
    "how, do i reset my password!!!",
    "HOW DO I RESET MY PASSWORD",
])
func anExactDuplicateAfterNormalisationMatchesItsFirstEntry(variant: String) {
    var index = NearDuplicateIndex()
    index.insert("Why is my invoice late?")
    index.insert("How do I reset my password?")
    #expect(index.match(variant) == .exact(of: 1))
}

@Test func aNearDuplicateIsFoundWithItsExactSimilarity() {
    var index = NearDuplicateIndex()
    index.insert(text("a"))
    index.insert(text("b"))
    #expect(index.match(text("b", changed: [20])) == .near(of: 1, similarity: 35.0 / 41))
    #expect(index.match(text("c")) == nil)
    #expect(index.match("Something else entirely, about outages in the EU region") == nil)
}

@Test func theMostSimilarEntryWinsAndTheEarliestAmongEquals() {
    var index = NearDuplicateIndex(threshold: 0.5)
    index.insert(text("a", changed: [5, 20, 35]))  // 29/47 with text("a")
    index.insert(text("a", changed: [10]))         // 35/41
    index.insert(text("a", changed: [30]))         // 35/41
    #expect(index.match(text("a")) == .near(of: 1, similarity: 35.0 / 41))
}

@Test func anExactMatchComesBeforeAMoreEarlyNearOne() {
    var index = NearDuplicateIndex()
    index.insert(text("a", changed: [20]))
    index.insert(text("a"))
    #expect(index.match(text("a").uppercased()) == .exact(of: 1))
}

@Test(arguments: [
    (threshold: 0.8, expected: DuplicateMatch?.some(.near(of: 0, similarity: 35.0 / 41))),
    (threshold: 35.0 / 41, expected: .near(of: 0, similarity: 35.0 / 41)),
    (threshold: 0.86, expected: nil),
    (threshold: 0.6, expected: .near(of: 0, similarity: 35.0 / 41)),
])
func theThresholdIsHonoured(threshold: Double, expected: DuplicateMatch?) {
    var index = NearDuplicateIndex(threshold: threshold)
    index.insert(text("a"))
    #expect(index.match(text("a", changed: [20])) == expected)
    #expect(index.threshold == threshold)
}

@Test func idsAreStableAndInsertIfNewInsertsOnlyNewTexts() {
    var index = NearDuplicateIndex()
    #expect(index.count == 0)
    #expect(index.insertIfNew(text("a")) == nil)
    #expect(index.insertIfNew("A short one") == nil)
    #expect(index.count == 2)
    #expect(index.insertIfNew(text("a", changed: [20])) == .near(of: 0, similarity: 35.0 / 41))
    #expect(index.insertIfNew("a SHORT one.") == .exact(of: 1))
    #expect(index.count == 2)
    // insert adds duplicates too, as new ids; matches keep naming the first occurrence.
    #expect(index.insert("a short one") == 2)
    #expect(index.insert(text("a", changed: [20])) == 3)
    #expect(index.insert(text("b")) == 4)
    #expect(index.count == 5)
    #expect(index.match("A short one") == .exact(of: 1))
    #expect(index.match(text("a", changed: [20])) == .exact(of: 3))
    #expect(index.match(text("b", changed: [3])) == .near(of: 4, similarity: 35.0 / 41))
}

/// Texts of up to three words are one shingle, their whole normalized text (as in the splits' grouping): they
/// match an exact duplicate and are never near anything else, whatever the threshold.
@Test func shortTextsMatchOnlyExactly() {
    var index = NearDuplicateIndex(threshold: 0.01)
    index.insert("Reset password")
    index.insert("reset my password now please")
    #expect(index.match("RESET, password!") == .exact(of: 0))
    #expect(index.match("Reset passwords") == nil)
    #expect(index.match("reset my password") == nil)
    #expect(index.match("") == nil)
    index.insert("")
    #expect(index.match("  ?! ") == .exact(of: 2))
}

/// The grouping and the index are one rule: every text the index says duplicates an earlier one is in that
/// entry's group, and every first member of a group is new to the index.
@Test func theIndexAgreesWithTheSplitsGrouping() {
    var texts: [String] = []
    for family in 0..<30 {
        texts.append(text("f\(family)"))
        if family % 3 == 0 { texts.append(text("f\(family)", changed: [family % 40])) }
        if family % 5 == 0 { texts.append(text("f\(family)").uppercased()) }
        if family % 7 == 0 { texts.append(text("f\(family)", changed: [1, 15, 30])) }  // 29/47: not near
    }
    let grouping = NearDuplicateGrouping(texts: texts)
    var index = NearDuplicateIndex()
    for (row, text) in texts.enumerated() {
        switch index.match(text) {
        case nil:
            #expect(grouping.firstRowOfGroup[grouping.groupOfRow[row]] == row)
        case .exact(let first), .near(let first, _):
            #expect(grouping.groupOfRow[first] == grouping.groupOfRow[row])
        }
        index.insert(text)
    }
    #expect(grouping.groupCount == 30 + 5)  // the families, plus the 5 texts changed in three places
}

/// 20,000 different texts: a lookup compares a text only with the entries that share a band with it, so an
/// unrelated text has a handful of candidates however many entries there are (no scan of all entries; checked
/// as the index grows, rather than timed on a shared machine).
@Test func twentyThousandInsertsCompareEachTextWithAFewCandidatesOnly() {
    var random: UInt64 = 0x1234_5678
    func nextWord() -> String {
        random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return "w\((random >> 33) % 5_000)"
    }
    func randomText() -> String { (0..<12).map { _ in nextWord() }.joined(separator: " ") }

    var index = NearDuplicateIndex()
    var firstText = ""
    var newTexts = 0
    var mostCandidates = 0
    for id in 0..<20_000 {
        let text = randomText()
        if id == 0 { firstText = text }
        if id % 500 == 0 { mostCandidates = max(mostCandidates, index.candidates(of: text).count) }
        if index.insertIfNew(text) == nil { newTexts += 1 }
    }
    #expect(newTexts == 20_000)
    #expect(index.count == 20_000)
    #expect(mostCandidates < 20)
    #expect(index.match(firstText.uppercased()) == .exact(of: 0))
    #expect(index.candidates(of: firstText) == [0])
}
