/// What an entry of a `NearDuplicateIndex` a new text duplicates.
public enum DuplicateMatch: Sendable, Equatable {
    case exact(of: Int)                        // same normalized text (NearDuplicateText.normalized) as entry `of`
    case near(of: Int, similarity: Double)     // word-shingle Jaccard ≥ threshold with entry `of` (exact Jaccard, verified)
}

/// The splits' duplicate rule, one text at a time: generation checks each item against every item accepted so far
/// without regrouping them all.
///
/// Same normalization, 3-word shingles, 128-permutation MinHash and 32 × 4 LSH bands as `NearDuplicateGrouping`
/// (the same code): a text is compared, by exact Jaccard, only with the entries that share a band key with it,
/// so a lookup costs its own signature plus its few candidates, not the number of entries. A text of at most
/// `NearDuplicateText.shingleSize` words is one shingle (its whole normalized text), so, as in the grouping, it
/// matches an exact duplicate only and is never near anything else.
public struct NearDuplicateIndex: Sendable {
    public let threshold: Double
    private var firstByText: [String: Int] = [:]
    /// Entry `id`'s shingle set; empty for an exact duplicate, which is matched through its first occurrence.
    private var shingles = ShingleTable(texts: [])
    /// Band key → its newest slot (entry × bands + band); `previousInBucket[slot]` chains the bucket's older slots
    /// (−1 ends it). One flat array instead of an array per bucket, and 32-bit slots (room for 67 million
    /// entries), keep an entry's index near 0.6 KB.
    private var newestSlot: [UInt64: Int32] = [:]
    private var previousInBucket: [Int32] = []

    public init(threshold: Double = NearDuplicateGrouping.defaultThreshold) {
        self.threshold = threshold
    }

    public var count: Int { shingles.count }

    /// The earliest entry `text` duplicates (exact first, else the most similar near one), or nil.
    public func match(_ text: String) -> DuplicateMatch? {
        match(Probe(text))
    }

    /// Adds `text` as entry `count` (whether or not it matches something) and returns its id.
    @discardableResult public mutating func insert(_ text: String) -> Int {
        insert(Probe(text))
    }

    /// match, and insert only when there is no match: nil means it was inserted.
    public mutating func insertIfNew(_ text: String) -> DuplicateMatch? {
        let probe = Probe(text)
        if let match = match(probe) { return match }
        insert(probe)
        return nil
    }

    /// A text's normalized form, shingles and band keys, computed once for both the lookup and the insert.
    private struct Probe {
        let normalized: String
        let shingles: [UInt64]
        let bandKeys: [UInt64]

        init(_ text: String) {
            normalized = NearDuplicateText.normalized(text)
            shingles = NearDuplicateText.shingleHashes(normalized: normalized)
            var keys = [UInt64](repeating: 0, count: NearDuplicateGrouping.bands)
            var signature = [UInt32](repeating: 0, count: NearDuplicateGrouping.permutations)
            NearDuplicateGrouping.writeBandKeys(of: shingles[...], signature: &signature, into: &keys, at: 0)
            bandKeys = keys
        }
    }

    /// The entries sharing at least one band key with `text`: the only ones a lookup compares it with.
    func candidates(of text: String) -> Set<Int> { candidates(Probe(text)) }

    private func candidates(_ probe: Probe) -> Set<Int> {
        var found = Set<Int>()
        for key in probe.bandKeys {
            var slot = newestSlot[key] ?? -1
            while slot >= 0 {
                found.insert(Int(slot) / NearDuplicateGrouping.bands)
                slot = previousInBucket[Int(slot)]
            }
        }
        return found
    }

    private func match(_ probe: Probe) -> DuplicateMatch? {
        if let first = firstByText[probe.normalized] { return .exact(of: first) }
        var best: (id: Int, similarity: Double)?
        for id in candidates(probe) {
            let similarity = NearDuplicateText.jaccard(probe.shingles[...], shingles.set(id))
            guard similarity >= threshold else { continue }
            if let current = best, current.similarity > similarity || (current.similarity == similarity && current.id < id) { continue }
            best = (id, similarity)
        }
        return best.map { .near(of: $0.id, similarity: $0.similarity) }
    }

    @discardableResult private mutating func insert(_ probe: Probe) -> Int {
        let id = count
        guard firstByText[probe.normalized] == nil else {
            shingles.append([])
            previousInBucket.append(contentsOf: repeatElement(-1, count: NearDuplicateGrouping.bands))
            return id
        }
        firstByText[probe.normalized] = id
        shingles.append(probe.shingles)
        for (band, key) in probe.bandKeys.enumerated() {
            let slot = Int32(id * NearDuplicateGrouping.bands + band)
            previousInBucket.append(newestSlot[key] ?? -1)
            newestSlot[key] = slot
        }
        return id
    }
}
