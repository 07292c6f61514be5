/// What an accepted item duplicated: an item accepted earlier in the task (by its number), or one of the reference
/// texts (for seed expansion, the source seeds, 1-based).
public enum DuplicateSource: Sendable, Equatable {
    case item(seq: Int)
    case reference(Int)

    /// As stored and shown: "17" (item 17 of the task) or "seed 3".
    public var text: String {
        switch self {
        case .item(let seq): return "\(seq)"
        case .reference(let number): return "seed \(number)"
        }
    }
}

/// What became of one returned item.
public enum GenerationVerdict: Sendable, Equatable {
    case accepted
    /// The same text after normalisation (similarity 1), or a near duplicate (word-shingle Jaccard ≥ threshold).
    case duplicate(of: DuplicateSource, similarity: Double)
    /// The task's item filter dropped it (seed expansion: an echo, a refusal, its own seed reworded).
    case rejected(reason: String)
    /// Its stratum already had its quota.
    case surplus

    /// The stored word (`generation_items.status`).
    public var status: String {
        switch self {
        case .accepted: return "accepted"
        case .duplicate: return "duplicate"
        case .rejected: return "rejected"
        case .surplus: return "surplus"
        }
    }
}

/// One input row of a transform: its position in the input dataset and its text (`{input}`).
public struct TransformInput: Sendable, Equatable {
    public var row: Int
    public var text: String

    public init(row: Int, text: String) {
        self.row = row
        self.text = text
    }
}

/// One stratum's counters: what the report shows and what the top-up and the attempt cap are computed from.
public struct StratumCounts: Sendable, Equatable {
    public var quota: Int
    public var accepted = 0
    public var duplicates = 0
    /// Answers that did not parse (each is retried as the same call).
    public var unparseable = 0
    public var rejected = 0
    public var surplus = 0
    /// Items asked for in every call planned for the stratum (the attempt cap bounds it).
    public var itemsAsked = 0
    public var calls = 0
    /// Calls that ended without an answer (their retries used up).
    public var failedCalls = 0
    /// Items asked for in calls under way (planned, not yet answered or given up).
    public var underWay = 0

    public init(quota: Int) {
        self.quota = quota
    }

    public var shortfall: Int { max(0, quota - accepted) }
}

/// The quota ledger of a generation task: per stratum what was asked, accepted and dropped; the verdict on every
/// returned item (surplus once the stratum is full, else the item filter's rejection, else a duplicate of an item
/// accepted before or of a reference text, else accepted); and the calls still needed. The first calls ask for
/// `min(items per call, quota − accepted − items asked in calls under way)`, a top-up for a whole call whenever that
/// is above 0, and the items asked for a stratum never exceed `attempt cap factor × quota`: a stratum that reaches its cap short of its quota ends short, and
/// `shortfallSentences` says why. Pure: the engine feeds it finished calls and sends the calls it returns.
public struct GenerationLedger: Sendable {
    public typealias ItemFilter = @Sendable (GeneratedItem, Stratum) -> String?

    public static let defaultItemsPerCall = 5
    public static let defaultAttemptCapFactor = 3.0

    public let strata: [Stratum]
    public private(set) var counts: [StratumCounts]
    public let itemsPerCall: Int
    public let attemptCapFactor: Double
    /// Off for transforms: outputs of different inputs may rightly agree (a classification, a short summary).
    public let deduplicates: Bool
    private let filter: ItemFilter?
    private var index: NearDuplicateIndex
    /// What each entry of `index` stands for.
    private var entries: [DuplicateSource] = []
    /// The number the next returned item gets (every returned item has one, in the order they were reviewed).
    public private(set) var nextSeq = 1
    /// `{index}` of the next call's first item.
    public private(set) var nextItemIndex = 1
    /// Transforms: each stratum's input rows. A row is its own unit: one call asks for its one output, and the row is
    /// asked again (up to the attempt cap factor, rounded down) until an output is accepted.
    private let inputs: [[TransformInput]]
    private var rowsDone: Set<Int> = []
    private var rowsUnderWay: Set<Int> = []
    private var rowAsks: [Int: Int] = [:]

    public init(
        strata: [Stratum], itemsPerCall: Int = defaultItemsPerCall, attemptCapFactor: Double = defaultAttemptCapFactor,
        threshold: Double = NearDuplicateGrouping.defaultThreshold, referenceTexts: [String] = [], deduplicates: Bool = true,
        filter: ItemFilter? = nil, inputs: [[TransformInput]] = []
    ) {
        self.inputs = inputs
        self.strata = strata
        counts = strata.map { StratumCounts(quota: $0.quota) }
        self.itemsPerCall = max(1, itemsPerCall)
        self.attemptCapFactor = max(1, attemptCapFactor)
        self.deduplicates = deduplicates
        self.filter = filter
        index = NearDuplicateIndex(threshold: threshold)
        for (offset, text) in referenceTexts.enumerated() {
            index.insert(text)
            entries.append(.reference(offset + 1))
        }
    }

    /// The most items a stratum may ask for.
    public func cap(_ stratum: Int) -> Int {
        let quota = counts[stratum].quota
        let scaled = (attemptCapFactor * Double(quota)).rounded(.down)
        return scaled >= Double(Int.max / 2) ? Int.max / 2 : max(quota, Int(scaled))
    }

    /// The calls every stratum needs at the start (or after a restart, beyond the calls still under way).
    public mutating func plan() -> [GenerationCall] {
        strata.indices.flatMap { plan(stratum: $0) }
    }

    /// The calls a stratum needs now: its missing items not already asked in calls under way, `itemsPerCall` at a
    /// time, within its cap. A top-up (`fullCalls`) asks for a whole call even when fewer items are missing: a call of
    /// one item costs a call's latency all the same, and the items it asks beyond the gap fill the next gaps (or, once
    /// the stratum is full, end as surplus: fewer than `itemsPerCall` per stratum). With 10% duplicates, 10,000 items
    /// take about 2,300 calls instead of 3,000, and the task's last rounds are fewer (`distillery-bench generate`).
    /// A transform's stratum: one call per row still without an output, nothing under way and asks left.
    public mutating func plan(stratum: Int, fullCalls: Bool = false) -> [GenerationCall] {
        if inputs.indices.contains(stratum) { return inputs[stratum].compactMap { ask($0, stratum: stratum) } }
        var calls: [GenerationCall] = []
        while true {
            let state = counts[stratum]
            let missing = state.quota - state.accepted - state.underWay
            let wanted = fullCalls && missing > 0 ? itemsPerCall : min(itemsPerCall, missing)
            let count = min(wanted, cap(stratum) - state.itemsAsked)
            guard count > 0 else { break }
            calls.append(GenerationCall(stratum: stratum, firstIndex: nextItemIndex, count: count))
            nextItemIndex += count
            counts[stratum].itemsAsked += count
            counts[stratum].calls += 1
            counts[stratum].underWay += count
        }
        return calls
    }

    /// The most calls one transform row may get.
    public var rowCap: Int { max(1, Int(attemptCapFactor.rounded(.down))) }

    private mutating func ask(_ input: TransformInput, stratum: Int) -> GenerationCall? {
        guard !rowsDone.contains(input.row), !rowsUnderWay.contains(input.row), rowAsks[input.row, default: 0] < rowCap else { return nil }
        let call = GenerationCall(stratum: stratum, firstIndex: nextItemIndex, count: 1, input: input.text, sourceRow: input.row)
        nextItemIndex += 1
        counts[stratum].itemsAsked += 1
        counts[stratum].calls += 1
        counts[stratum].underWay += 1
        rowsUnderWay.insert(input.row)
        rowAsks[input.row, default: 0] += 1
        return call
    }

    /// What follows a call: a transform row without an output is asked again; another stratum is topped up.
    private mutating func next(after call: GenerationCall) -> [GenerationCall] {
        guard let row = call.sourceRow, let text = call.input else { return plan(stratum: call.stratum, fullCalls: true) }
        rowsUnderWay.remove(row)
        return ask(TransformInput(row: row, text: text), stratum: call.stratum).map { [$0] } ?? []
    }

    /// A call's answer: the verdict on each item (in order, each with its number), then the stratum's top-up.
    public mutating func review(_ call: GenerationCall, items: [GeneratedItem]) -> (outputs: [GenerationOutput], followUps: [GenerationCall]) {
        let stratum = call.stratum
        counts[stratum].underWay = max(0, counts[stratum].underWay - call.count)
        var outputs: [GenerationOutput] = []
        outputs.reserveCapacity(items.count)
        for (position, item) in items.enumerated() {
            // A transform row has one output: anything after the first is surplus.
            let verdict = call.sourceRow != nil && position > 0 ? .surplus : verdict(on: item, stratum: stratum, seq: nextSeq)
            if verdict == .accepted, let row = call.sourceRow { rowsDone.insert(row) }
            switch verdict {
            case .accepted: counts[stratum].accepted += 1
            case .duplicate: counts[stratum].duplicates += 1
            case .rejected: counts[stratum].rejected += 1
            case .surplus: counts[stratum].surplus += 1
            }
            var output = GenerationOutput(item: item, verdict: verdict, seq: nextSeq)
            output.stratum = stratum
            outputs.append(output)
            nextSeq += 1
        }
        return (outputs, next(after: call))
    }

    private mutating func verdict(on item: GeneratedItem, stratum: Int, seq: Int) -> GenerationVerdict {
        if counts[stratum].accepted >= counts[stratum].quota { return .surplus }
        if let filter, let reason = filter(item, strata[stratum]) { return .rejected(reason: reason) }
        guard deduplicates else { return .accepted }
        switch index.insertIfNew(item.duplicateKey) {
        case nil:
            entries.append(.item(seq: seq))
            return .accepted
        case .exact(let entry)?:
            return .duplicate(of: entries[entry], similarity: 1)
        case .near(let entry, let similarity)?:
            return .duplicate(of: entries[entry], similarity: similarity)
        }
    }

    /// A call that ended without an answer (its retries used up): its items are asked again, within the cap.
    public mutating func callFailed(_ call: GenerationCall) -> [GenerationCall] {
        counts[call.stratum].underWay = max(0, counts[call.stratum].underWay - call.count)
        counts[call.stratum].failedCalls += 1
        return next(after: call)
    }

    /// An answer of a call of `stratum` did not parse (the call itself is retried by the engine).
    public mutating func recordUnparseable(stratum: Int) {
        counts[stratum].unparseable += 1
    }

    /// After a restart: the counters as committed (without calls under way), the accepted items in the order they
    /// were accepted, the numbering so far, and the calls committed but not answered (they are sent again).
    public mutating func restore(
        counts stored: [StratumCounts], accepted: [(seq: Int, text: String)], nextSeq: Int, nextItemIndex: Int,
        unfinished: [GenerationCall], rowsDone: Set<Int> = [], rowAsks: [Int: Int] = [:]
    ) {
        self.rowsDone.formUnion(rowsDone)
        self.rowAsks.merge(rowAsks) { max($0, $1) }
        for call in unfinished { if let row = call.sourceRow { rowsUnderWay.insert(row) } }
        for (stratum, stored) in stored.enumerated() where counts.indices.contains(stratum) {
            var restored = stored
            restored.quota = counts[stratum].quota
            restored.underWay = 0
            counts[stratum] = restored
        }
        if deduplicates {
            for item in accepted {
                index.insert(item.text)
                entries.append(.item(seq: item.seq))
            }
        }
        self.nextSeq = max(self.nextSeq, nextSeq)
        self.nextItemIndex = max(self.nextItemIndex, nextItemIndex)
        for call in unfinished where counts.indices.contains(call.stratum) { counts[call.stratum].underWay += call.count }
    }

    /// Every stratum has its quota.
    public var isComplete: Bool { counts.allSatisfy { $0.accepted >= $0.quota } }

    /// One sentence per stratum that ended short (nothing under way, its cap reached): how many were accepted
    /// after how many asked, and what the rest became.
    public var shortfallSentences: [String] {
        counts.indices.compactMap { stratum in
            let state = counts[stratum]
            guard state.accepted < state.quota, state.underWay == 0 else { return nil }
            return Self.shortfallSentence(label: strata[stratum].label, counts: state, factor: attemptCapFactor)
        }
    }

    /// "topic=outages: 41 of 60 accepted after 180 items asked (3× cap): 97 duplicates, 42 unparseable answers".
    public static func shortfallSentence(label: String, counts: StratumCounts, factor: Double) -> String {
        let factorText = factor == factor.rounded() ? String(Int(factor)) : String(factor)
        var sentence = "\(label): \(counts.accepted) of \(counts.quota) accepted after \(counts.itemsAsked) items asked (\(factorText)× cap)"
        var reasons: [String] = []
        if counts.duplicates > 0 { reasons.append("\(counts.duplicates) duplicate\(counts.duplicates == 1 ? "" : "s")") }
        if counts.rejected > 0 { reasons.append("\(counts.rejected) rejected") }
        if counts.unparseable > 0 { reasons.append("\(counts.unparseable) unparseable answer\(counts.unparseable == 1 ? "" : "s")") }
        if counts.failedCalls > 0 { reasons.append("\(counts.failedCalls) call\(counts.failedCalls == 1 ? "" : "s") failed") }
        let returned = counts.accepted + counts.duplicates + counts.rejected + counts.surplus
        let missing = counts.itemsAsked - returned
        if missing > 0 && counts.failedCalls == 0 { reasons.append("\(missing) asked but not returned") }
        if !reasons.isEmpty { sentence += ": " + reasons.joined(separator: ", ") }
        return sentence
    }
}
