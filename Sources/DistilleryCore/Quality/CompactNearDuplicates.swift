/// The splits' near-duplicate rule (`NearDuplicateGrouping`: the same normalization, 3-word shingles, 128-permutation
/// MinHash and 32 × 4 LSH bands) over a stream of texts, keeping a fixed size per text instead of the text, so the
/// data checks run in bounded memory on a large dataset.
///
/// Each text is normalized and hashed as it arrives and then dropped. A text whose normalized form was already seen in
/// the same namespace (a split, or the dataset compared against) is an exact duplicate of that first entry and keeps
/// nothing else. Any other text keeps its signature: the low 16 bits of each of the 128 MinHash values (256 bytes).
/// Candidate pairs come from the LSH bands at the end (each band's key is its four 16-bit values); a candidate is
/// verified by the signatures' agreement, the share of the 128 values that are equal, which estimates the Jaccard
/// similarity (standard error ≈ 0.035 at 0.8) because the shingle sets themselves are not kept.
struct CompactNearDuplicates: Sendable {
    static let valuesPerSignature = NearDuplicateGrouping.permutations

    /// An entry's first exact duplicate in its namespace (itself when it is the first).
    private(set) var canonical: [Int32] = []
    /// A canonical entry's slot in `signatures`, -1 for the others.
    private var slotOfEntry: [Int32] = []
    private var entryOfSlot: [Int32] = []
    private var signatures: [UInt16] = []
    private var firstByText: [UInt64: Int32] = [:]
    private var scratch = [UInt32](repeating: 0, count: valuesPerSignature)

    var count: Int { canonical.count }

    /// Adds `text` as entry `count` in `namespace` and returns its id.
    @discardableResult mutating func insert(_ text: String, namespace: UInt64 = 0) -> Int {
        insert(normalized: NearDuplicateText.normalized(text), namespace: namespace)
    }

    /// The same for a text already normalized (`NearDuplicateText.normalized`).
    @discardableResult mutating func insert(normalized: String, namespace: UInt64 = 0) -> Int {
        let entry = Int32(count)
        let key = StableHash.of(normalized, key: namespace)
        if let first = firstByText[key] {
            canonical.append(first)
            slotOfEntry.append(-1)
            return Int(entry)
        }
        firstByText[key] = entry
        canonical.append(entry)
        slotOfEntry.append(Int32(entryOfSlot.count))
        entryOfSlot.append(entry)
        let shingles = NearDuplicateText.shingleHashes(normalized: normalized)
        MinHashPermutations.shared.signature(of: shingles[...], into: &scratch)
        for value in scratch { signatures.append(UInt16(truncatingIfNeeded: value)) }
        return Int(entry)
    }

    /// A verified pair of canonical entries: `left` of this index, `right` of this one (`within`) or of the other.
    struct Pair: Equatable {
        let left: Int
        let right: Int
        let similarity: Double
    }

    /// The verified near-duplicate pairs among this index's canonical entries (`left < right`), and with `other`'s
    /// (`left` here, `right` there) when given. Exact duplicates within a namespace are not pairs: see `canonical`.
    func pairs(threshold: Double, with other: CompactNearDuplicates? = nil) -> (within: [Pair], across: [Pair]) {
        let ownSlots = entryOfSlot.count
        let slots = ownSlots + (other?.entryOfSlot.count ?? 0)
        guard slots > 1 else { return ([], []) }
        func signature(_ slot: Int) -> ArraySlice<UInt16> {
            let (index, slot) = slot < ownSlots ? (self, slot) : (other!, slot - ownSlots)
            let start = slot * Self.valuesPerSignature
            return index.signatures[start..<(start + Self.valuesPerSignature)]
        }
        let memberBits = UInt64(UInt64.bitWidth - UInt64(slots).leadingZeroBitCount)
        let memberMask: UInt64 = (1 << memberBits) - 1
        var column = [UInt64](repeating: 0, count: slots)
        var checked = Set<UInt64>()
        var within: [Pair] = [], across: [Pair] = []
        for band in 0..<NearDuplicateGrouping.bands {
            for slot in 0..<slots {
                var key = UInt64(band)
                for value in signature(slot).dropFirst(band * NearDuplicateGrouping.rows).prefix(NearDuplicateGrouping.rows) {
                    key = key << 16 | UInt64(value)
                }
                column[slot] = (StableHash.mix(key ^ UInt64(band) << 60) & ~memberMask) | UInt64(slot)
            }
            column.sort()
            var runStart = 0
            while runStart < column.count {
                let runKey = column[runStart] & ~memberMask
                var runEnd = runStart + 1
                while runEnd < column.count && column[runEnd] & ~memberMask == runKey { runEnd += 1 }
                for left in runStart..<runEnd {
                    for right in (left + 1)..<runEnd {
                        let a = Int(column[left] & memberMask), b = Int(column[right] & memberMask)
                        // Two entries of the other index are not compared: only this dataset's rows are checked.
                        guard a < ownSlots || b < ownSlots, checked.insert(UInt64(a) << 32 | UInt64(b)).inserted else { continue }
                        let similarity = Self.agreement(signature(a), signature(b))
                        guard similarity >= threshold else { continue }
                        if a < ownSlots && b < ownSlots {
                            within.append(Pair(left: Int(entryOfSlot[a]), right: Int(entryOfSlot[b]), similarity: similarity))
                        } else {
                            let (own, foreign) = a < ownSlots ? (a, b - ownSlots) : (b, a - ownSlots)
                            across.append(Pair(left: Int(entryOfSlot[own]), right: Int(other!.entryOfSlot[foreign]), similarity: similarity))
                        }
                    }
                }
                runStart = runEnd
            }
        }
        return (within, across)
    }

    /// The share of equal values: the MinHash estimate of the Jaccard similarity.
    static func agreement(_ lhs: ArraySlice<UInt16>, _ rhs: ArraySlice<UInt16>) -> Double {
        Double(zip(lhs, rhs).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }) / Double(valuesPerSignature)
    }
}
