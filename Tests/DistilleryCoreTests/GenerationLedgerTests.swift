import DistilleryCore
import Testing

/// The quota ledger: top-up sizes, verdicts (accepted, duplicate, rejected, surplus), the attempt cap and the
/// shortfall sentence, reference texts, restore after a restart.
struct GenerationLedgerTests {
    static func strata(_ quotas: [Int]) -> [Stratum] {
        quotas.enumerated().map { index, quota in
            Stratum(index: index, values: ["topic": "t\(index)"], descriptions: [:], weight: 1, quota: quota, label: "topic=t\(index)")
        }
    }

    static func prompts(_ texts: [String]) -> [GeneratedItem] { texts.map { .prompt($0) } }

    /// Distinct texts (no shared 3-word shingles between them).
    static func distinct(_ count: Int, from start: Int = 0) -> [String] {
        (start..<(start + count)).map { "alpha\($0) bravo\($0) charlie\($0) delta\($0) echo\($0)" }
    }

    @Test("the first calls ask for the quota, items-per-call at a time", arguments: [
        (12, 5, [5, 5, 2]),
        (5, 5, [5]),
        (1, 5, [1]),
        (0, 5, []),
        (7, 1, [1, 1, 1, 1, 1, 1, 1]),
    ])
    func initialCalls(quota: Int, perCall: Int, expected: [Int]) {
        var ledger = GenerationLedger(strata: Self.strata([quota]), itemsPerCall: perCall)
        let calls = ledger.plan()
        #expect(calls.map(\.count) == expected)
        #expect(calls.map(\.firstIndex) == expected.indices.map { 1 + expected.prefix($0).reduce(0, +) })
        #expect(ledger.counts[0].itemsAsked == quota)
        #expect(ledger.counts[0].underWay == quota)
    }

    @Test("a call that comes back short is topped up at once with a full call: the next few missing items are already asked")
    func topUpAfterDuplicates() {
        var ledger = GenerationLedger(strata: Self.strata([8]), itemsPerCall: 5)
        let first = ledger.plan()
        #expect(first.map(\.count) == [5, 3])
        // The first call returns 5 items, two of them the same text: 4 accepted, 1 duplicate.
        var texts = Self.distinct(4)
        texts.append(texts[1].uppercased() + "!")
        let (outputs, topUp) = ledger.review(first[0], items: Self.prompts(texts))
        #expect(outputs.map(\.verdict) == [.accepted, .accepted, .accepted, .accepted, .duplicate(of: .item(seq: 2), similarity: 1)])
        #expect(outputs.map(\.seq) == [1, 2, 3, 4, 5])
        // 8 − 4 accepted − 3 still asked in the second call = 1 missing, asked for in a call of 5 (a call of 1 would cost
        // a whole call for one item, and one more round whenever that item is a duplicate too).
        #expect(topUp.map(\.count) == [5])
        #expect(topUp[0].firstIndex == 9)
        #expect(ledger.counts[0].accepted == 4)
        #expect(ledger.counts[0].duplicates == 1)
        #expect(ledger.counts[0].itemsAsked == 13)
        // The second call brings its 3 and the top-up 1 more: the stratum is full, the top-up's other 4 are surplus.
        let (second, none) = ledger.review(first[1], items: Self.prompts(Self.distinct(3, from: 10)))
        #expect(second.map(\.verdict) == [.accepted, .accepted, .accepted])
        #expect(none.isEmpty, "1 still missing, but 5 asked in the top-up under way")
        let (last, _) = ledger.review(topUp[0], items: Self.prompts(Self.distinct(5, from: 20)))
        #expect(last.map(\.verdict) == [.accepted, .surplus, .surplus, .surplus, .surplus])
        #expect(ledger.isComplete)
    }

    @Test("a top-up never asks beyond the attempt cap", arguments: [
        // (quota, items per call, cap factor, duplicates in the first call) -> the top-up's size
        (4, 4, 1.5, 1, [2]),
        (4, 4, 1.0, 1, []),
        (10, 5, 3.0, 4, [5]),
    ])
    func topUpWithinCap(quota: Int, perCall: Int, factor: Double, duplicates: Int, expected: [Int]) {
        var ledger = GenerationLedger(strata: Self.strata([quota]), itemsPerCall: perCall, attemptCapFactor: factor)
        let first = ledger.plan()
        let texts = Self.distinct(first[0].count - duplicates) + Array(repeating: Self.distinct(1)[0], count: duplicates)
        let (_, topUp) = ledger.review(first[0], items: Self.prompts(texts))
        #expect(topUp.map(\.count) == expected)
        #expect(ledger.counts[0].itemsAsked <= ledger.cap(0))
    }

    @Test("a near duplicate (same words but one) is dropped with its similarity; a different text is kept")
    func nearDuplicates() {
        var ledger = GenerationLedger(strata: Self.strata([3]), itemsPerCall: 3)
        let call = ledger.plan()[0]
        let base = "how do I reset the password of my billing account when the email link has expired already"
        let near = "how do I reset the password of my billing account when the email link has expired already today"
        let (outputs, _) = ledger.review(call, items: Self.prompts([base, near, "what time does the outage window start tonight in europe"]))
        #expect(outputs[0].verdict == .accepted)
        guard case .duplicate(of: .item(seq: 1), let similarity)? = outputs[1].verdict else {
            Issue.record("expected a near duplicate of item 1, got \(String(describing: outputs[1].verdict))")
            return
        }
        #expect(similarity >= 0.8 && similarity < 1)
        #expect(outputs[2].verdict == .accepted)
    }

    @Test("items beyond a full stratum are surplus and do not count")
    func surplus() {
        var ledger = GenerationLedger(strata: Self.strata([2]), itemsPerCall: 5)
        let call = ledger.plan()[0]
        #expect(call.count == 2)
        let (outputs, topUp) = ledger.review(call, items: Self.prompts(Self.distinct(4)))
        #expect(outputs.map(\.verdict) == [.accepted, .accepted, .surplus, .surplus])
        #expect(topUp.isEmpty)
        #expect(ledger.counts[0].accepted == 2)
        #expect(ledger.counts[0].surplus == 2)
        #expect(ledger.isComplete)
    }

    @Test("a stratum that only gets duplicates stops at its cap and says why in one sentence")
    func attemptCapShortfall() {
        var ledger = GenerationLedger(strata: Self.strata([4, 2]), itemsPerCall: 2, attemptCapFactor: 3)
        var queue = ledger.plan()
        var answered = 0
        while let call = queue.first {
            queue.removeFirst()
            answered += 1
            // Stratum 0 always answers the same text; stratum 1 answers new texts.
            let texts = call.stratum == 0 ? Array(repeating: "the same question every single time", count: call.count)
                : Self.distinct(call.count, from: 100 + answered * 10)
            queue += ledger.review(call, items: Self.prompts(texts)).followUps
        }
        #expect(ledger.counts[0].accepted == 1)
        #expect(ledger.counts[0].itemsAsked == 12)
        #expect(ledger.counts[0].duplicates == 11)
        #expect(ledger.counts[1].accepted == 2)
        #expect(!ledger.isComplete)
        #expect(ledger.shortfallSentences == ["topic=t0: 1 of 4 accepted after 12 items asked (3× cap): 11 duplicates"])
    }

    @Test("an item the filter rejects does not count, is not a duplicate target, and is topped up")
    func filterRejections() {
        var ledger = GenerationLedger(
            strata: Self.strata([2]), itemsPerCall: 2, filter: { item, _ in item.duplicateKey.hasPrefix("I can't") ? "refusal" : nil })
        let call = ledger.plan()[0]
        let (outputs, topUp) = ledger.review(call, items: Self.prompts(["I can't help with that request at all", Self.distinct(1)[0]]))
        #expect(outputs.map(\.verdict) == [.rejected(reason: "refusal"), .accepted])
        #expect(topUp.map(\.count) == [2])
        #expect(ledger.counts[0].rejected == 1)
        // The rejected text was never indexed: the same text later is judged afresh (rejected again, not a duplicate).
        let (again, _) = ledger.review(topUp[0], items: Self.prompts(["I can't help with that request at all"]))
        #expect(again.map(\.verdict) == [.rejected(reason: "refusal")])
    }

    @Test("an item that duplicates a reference text names it as seed N")
    func referenceTexts() {
        var ledger = GenerationLedger(
            strata: Self.strata([2]), itemsPerCall: 2, referenceTexts: ["the first seed text here", "explain how the billing cycle works for annual plans"])
        let call = ledger.plan()[0]
        let (outputs, _) = ledger.review(call, items: Self.prompts(["Explain how the billing cycle works for annual plans.", Self.distinct(1)[0]]))
        #expect(outputs[0].verdict == .duplicate(of: .reference(2), similarity: 1))
        #expect(outputs[1].verdict == .accepted)
    }

    @Test("a call given up is asked again within the cap; unparseable answers are counted")
    func failedCalls() {
        var ledger = GenerationLedger(strata: Self.strata([3]), itemsPerCall: 3, attemptCapFactor: 2)
        let call = ledger.plan()[0]
        ledger.recordUnparseable(stratum: 0)
        let again = ledger.callFailed(call)
        #expect(again.map(\.count) == [3])
        #expect(ledger.callFailed(again[0]).isEmpty)
        #expect(ledger.counts[0].failedCalls == 2)
        #expect(ledger.counts[0].unparseable == 1)
        #expect(ledger.shortfallSentences == ["topic=t0: 0 of 3 accepted after 6 items asked (2× cap): 1 unparseable answer, 2 calls failed"])
    }

    @Test("after a restart the ledger continues from what was committed: numbering, duplicates, calls under way")
    func restore() {
        var before = GenerationLedger(strata: Self.strata([6]), itemsPerCall: 3)
        let calls = before.plan()
        _ = before.review(calls[0], items: Self.prompts(Self.distinct(3)))
        // A new ledger, restored from what the store would hold: the second call is still unanswered.
        var after = GenerationLedger(strata: Self.strata([6]), itemsPerCall: 3)
        var stored = before.counts[0]
        stored.underWay = 0
        after.restore(
            counts: [stored], accepted: Self.distinct(3).enumerated().map { ($0.offset + 1, $0.element) }, nextSeq: 4, nextItemIndex: 7,
            unfinished: [calls[1]])
        #expect(after.plan().isEmpty)
        #expect(after.counts[0].underWay == 3)
        let (outputs, topUp) = after.review(calls[1], items: Self.prompts([Self.distinct(1)[0], Self.distinct(1, from: 50)[0], Self.distinct(1, from: 51)[0]]))
        #expect(outputs.map(\.seq) == [4, 5, 6])
        #expect(outputs[0].verdict == .duplicate(of: .item(seq: 1), similarity: 1))
        #expect(topUp.map(\.firstIndex) == [7])
        #expect(topUp.map(\.count) == [3])
    }

    @Test("transforms are not deduplicated: two inputs may rightly get the same output")
    func transformsKeepEqualOutputs() {
        var ledger = GenerationLedger(strata: Self.strata([2]), itemsPerCall: 2, deduplicates: false)
        let call = ledger.plan()[0]
        let (outputs, _) = ledger.review(call, items: [.transform(output: "positive"), .transform(output: "positive")])
        #expect(outputs.map(\.verdict) == [.accepted, .accepted])
    }

    @Test("a transform asks one output per row; a row whose call failed is asked again, up to the cap")
    func transformRows() {
        let rows = [TransformInput(row: 0, text: "first"), TransformInput(row: 1, text: "second")]
        var ledger = GenerationLedger(strata: Self.strata([2]), itemsPerCall: 5, attemptCapFactor: 2, deduplicates: false, inputs: [rows])
        let calls = ledger.plan()
        #expect(calls.map(\.sourceRow) == [0, 1])
        #expect(calls.map(\.count) == [1, 1])
        #expect(calls.map(\.input) == ["first", "second"])
        let (outputs, none) = ledger.review(calls[0], items: [.transform(output: "ONE"), .transform(output: "extra")])
        #expect(outputs.map(\.verdict) == [.accepted, .surplus])
        #expect(none.isEmpty)
        let again = ledger.callFailed(calls[1])
        #expect(again.map(\.sourceRow) == [1])
        #expect(ledger.callFailed(again[0]).isEmpty, "row 1 used its 2 asks")
        #expect(ledger.shortfallSentences == ["topic=t0: 1 of 2 accepted after 3 items asked (2× cap): 2 calls failed"])
    }
}
