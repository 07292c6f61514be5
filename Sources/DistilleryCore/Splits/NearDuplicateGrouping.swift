/// Groups texts that are exact or near duplicates of each other.
///
/// Exact duplicates (equal normalized text) always group. The remaining distinct texts get a MinHash
/// signature of `permutations` (128) values; LSH banding with `bands` (32) × `rows` (4) makes two texts a
/// candidate pair when any band matches. That S-curve, 1 − (1 − J⁴)³², has its midpoint near
/// J = (1/32)^(1/4) ≈ 0.42, so a pair at J = 0.8 is missed with probability about 5·10⁻⁸; every candidate
/// is then verified with the exact word-shingle Jaccard similarity ≥ `threshold`. Groups are the connected
/// components of the verified pairs (union-find), so near-duplicate chains join one group.
///
/// Short texts clustered at a lower threshold (failure phrases: single-word shingles, J ≥ 0.6) ask for `.allPairs`:
/// at J = 0.5 the bands would miss about one pair in eight, and a few thousand short phrases verify every pair in
/// milliseconds. The defaults (3-word shingles, `.minHashBands`) are the splits' rule.
public struct NearDuplicateGrouping: Sendable {
    /// How candidate pairs are found before the exact Jaccard check.
    public enum PairSearch: Sendable {
        /// MinHash signatures and LSH bands: for many texts at a high threshold.
        case minHashBands
        /// Every pair of distinct texts: exact at any threshold, quadratic in the number of distinct texts.
        case allPairs
    }

    public static let permutations = 128
    public static let bands = 32
    public static let rows = 4
    public static let defaultThreshold = 0.8
    static let permutationSeed: UInt64 = 0x5eed_d157_111e_2026

    /// The group of each input, numbered by first appearance (the group of input 0 is 0).
    public var groupOfRow: [Int]
    /// The first input of each group (its identity).
    public var firstRowOfGroup: [Int]
    /// Every linked pair (exact duplicates linked to their first occurrence, and verified near-duplicate
    /// pairs), as input indices; the leakage check counts those that land in different splits.
    public var linkedPairs: [(Int, Int)]
    /// Each input's normalized text.
    public var normalizedTexts: [String]

    public var groupCount: Int { firstRowOfGroup.count }

    public init(
        texts: [String], threshold: Double = defaultThreshold, shingleSize: Int = NearDuplicateText.shingleSize,
        pairSearch: PairSearch = .minHashBands
    ) {
        let normalizedTexts = texts.map(NearDuplicateText.normalized)
        self.normalizedTexts = normalizedTexts
        var unionFind = UnionFind(count: texts.count)
        var pairs: [(Int, Int)] = []

        var firstByText: [String: Int] = [:]
        var distinct: [Int] = []
        for (index, text) in normalizedTexts.enumerated() {
            if let first = firstByText[text] {
                unionFind.union(first, index)
                pairs.append((first, index))
            } else {
                firstByText[text] = index
                distinct.append(index)
            }
        }
        firstByText = [:]

        let shingles = ShingleTable(texts: distinct.map { normalizedTexts[$0] }, shingleSize: shingleSize)
        /// Verifies a candidate pair of distinct texts (their positions in `distinct`, not yet in one group) and links
        /// it when similar enough.
        func verify(_ a: Int, _ b: Int) {
            let (rowA, rowB) = (distinct[a], distinct[b])
            if NearDuplicateText.jaccard(shingles.set(a), shingles.set(b)) >= threshold {
                unionFind.union(rowA, rowB)
                pairs.append((rowA, rowB))
            }
        }
        switch pairSearch {
        case .allPairs:
            for a in distinct.indices {
                for b in distinct.indices where b > a && unionFind.find(distinct[a]) != unionFind.find(distinct[b]) { verify(a, b) }
            }
        case .minHashBands:
            let bandKeys = Self.bandKeys(shingles)
            var checked = Set<UInt64>()
            // Each band's (key, member) pairs packed into one UInt64 (the key's high bits, then the member) so a
            // plain integer sort groups equal keys; keys that agree only in their high bits become extra
            // candidates, which the exact Jaccard check turns away.
            let memberBits = max(1, UInt64.bitWidth - UInt64(max(1, distinct.count)).leadingZeroBitCount)
            let memberMask: UInt64 = (1 << memberBits) - 1
            var column = [UInt64](repeating: 0, count: distinct.count)
            for band in 0..<Self.bands {
                for member in 0..<distinct.count {
                    column[member] = (bandKeys[member * Self.bands + band] & ~memberMask) | UInt64(member)
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
                            if unionFind.find(distinct[a]) == unionFind.find(distinct[b]) { continue }
                            guard checked.insert(UInt64(a) << 32 | UInt64(b)).inserted else { continue }
                            verify(a, b)
                        }
                    }
                    runStart = runEnd
                }
            }
        }

        var groupOfRoot: [Int: Int] = [:]
        groupOfRow = []
        groupOfRow.reserveCapacity(texts.count)
        firstRowOfGroup = []
        for index in 0..<texts.count {
            let root = unionFind.find(index)
            if let group = groupOfRoot[root] {
                groupOfRow.append(group)
            } else {
                groupOfRoot[root] = firstRowOfGroup.count
                groupOfRow.append(firstRowOfGroup.count)
                firstRowOfGroup.append(index)
            }
        }
        linkedPairs = pairs
    }

    /// `bands` keys per text, row-major: the hash of each band's `rows` MinHash values.
    static func bandKeys(_ shingles: ShingleTable) -> [UInt64] {
        var keys = [UInt64](repeating: 0, count: shingles.count * bands)
        var signature = [UInt32](repeating: 0, count: Self.permutations)
        for member in 0..<shingles.count {
            writeBandKeys(of: shingles.set(member), signature: &signature, into: &keys, at: member * bands)
        }
        return keys
    }

    /// The `bands` keys of one sorted shingle hash set, written to `keys[start..<start + bands]`; `signature` is a
    /// scratch buffer of `permutations` values (reused so a batch allocates once). The one MinHash + LSH band
    /// rule behind both the splits' grouping and generation's `NearDuplicateIndex`.
    static func writeBandKeys(of set: ArraySlice<UInt64>, signature: inout [UInt32], into keys: inout [UInt64], at start: Int) {
        MinHashPermutations.shared.signature(of: set, into: &signature)
        for band in 0..<bands {
            var key: UInt64 = UInt64(band)
            for row in 0..<rows {
                key = StableHash.mix(key ^ UInt64(signature[band * rows + row]) &* 0x9e37_79b9_7f4a_7c15)
            }
            keys[start + band] = key
        }
    }
}

/// The sorted shingle hash sets of many texts in one flat array.
struct ShingleTable {
    private var hashes: [UInt64] = []
    private var starts: [Int] = [0]

    init(texts: [String], shingleSize: Int = NearDuplicateText.shingleSize) {
        for text in texts { append(NearDuplicateText.shingleHashes(normalized: text, size: shingleSize)) }
    }

    mutating func append(_ set: [UInt64]) {
        hashes.append(contentsOf: set)
        starts.append(hashes.count)
    }

    var count: Int { starts.count - 1 }
    func set(_ member: Int) -> ArraySlice<UInt64> { hashes[starts[member]..<starts[member + 1]] }
}

/// 128 fixed hash functions h(x) = high 32 bits of (a·x + b) mod 2⁶⁴ with odd a (multiply-shift), their
/// (a, b) drawn from SplitMix64 with a fixed seed so every machine computes the same signatures.
struct MinHashPermutations: Sendable {
    static let shared = MinHashPermutations(count: NearDuplicateGrouping.permutations, seed: NearDuplicateGrouping.permutationSeed)
    let multipliers: [UInt64]
    let offsets: [UInt64]

    init(count: Int, seed: UInt64) {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            return StableHash.mix(state)
        }
        var multipliers: [UInt64] = [], offsets: [UInt64] = []
        for _ in 0..<count {
            multipliers.append(next() | 1)
            offsets.append(next())
        }
        self.multipliers = multipliers
        self.offsets = offsets
    }

    func signature(of set: ArraySlice<UInt64>, into signature: inout [UInt32]) {
        for permutation in signature.indices { signature[permutation] = UInt32.max }
        // Values outside, permutations inside: the inner loop runs over contiguous arrays and vectorizes.
        multipliers.withUnsafeBufferPointer { multipliers in
            offsets.withUnsafeBufferPointer { offsets in
                signature.withUnsafeMutableBufferPointer { signature in
                    for value in set {
                        for permutation in 0..<multipliers.count {
                            let hashed = UInt32(truncatingIfNeeded: (multipliers[permutation] &* value &+ offsets[permutation]) >> 32)
                            signature[permutation] = min(signature[permutation], hashed)
                        }
                    }
                }
            }
        }
    }
}

struct UnionFind {
    private var parent: [Int]

    init(count: Int) { parent = Array(0..<count) }

    mutating func find(_ element: Int) -> Int {
        var current = element
        while parent[current] != current {
            parent[current] = parent[parent[current]]
            current = parent[current]
        }
        return current
    }

    /// Joins two sets; the smaller root index stays the root, so roots are deterministic.
    mutating func union(_ lhs: Int, _ rhs: Int) {
        let (a, b) = (find(lhs), find(rhs))
        if a < b { parent[b] = a } else if b < a { parent[a] = b }
    }
}
