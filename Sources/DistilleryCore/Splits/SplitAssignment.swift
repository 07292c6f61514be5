/// Assigns every row to train, validation or test, keeping near-duplicate groups whole.
///
/// Quotas are `RecipeDistribution.quotas` (largest remainder). Rows that already have a split from an
/// earlier run with the same seed, fractions and threshold keep it (`previous`), so adding rows moves none
/// of them: a group with an earlier-assigned row goes where its first earlier-assigned row was. The other
/// groups are placed largest first, then in the order of a keyed hash (the seed) of their first row's
/// normalized text, each into the split with the most room left (quota − rows placed), ties in split order;
/// a split whose fraction is 0 gets nothing. A group never divides, so a split can end up a few rows over
/// its quota: `bentBy` says by how many.
public struct SplitAssignment: Sendable, Equatable {
    public var splitOfRow: [DatasetSplit]
    public var quotas: SplitCounts
    public var counts: SplitCounts
    /// Rows placed beyond their split's quota (the same number of rows are missing from the others).
    public var bentBy: Int
    /// Groups of two or more rows, each kept in one split.
    public var groupsKeptTogether: Int
    public var rowsInGroups: Int
    /// Linked (exact or near duplicate) pairs whose rows landed in different splits; 0 means no leakage.
    public var crossSplitPairs: Int
    /// Earlier-assigned rows that changed split: only when a new row joined groups that had been placed
    /// in different splits (keeping the group whole comes first).
    public var movedRows: Int

    public init(
        grouping: NearDuplicateGrouping, distribution: RecipeDistribution, seed: UInt64,
        previous: [DatasetSplit?] = []
    ) {
        let rowCount = grouping.groupOfRow.count
        quotas = distribution.quotas(rowCount: rowCount)
        var members = [[Int]](repeating: [], count: grouping.groupCount)
        for (row, group) in grouping.groupOfRow.enumerated() { members[group].append(row) }

        var splitOfGroup = [DatasetSplit?](repeating: nil, count: grouping.groupCount)
        var placed = SplitCounts()
        var unplaced: [(group: Int, size: Int, key: UInt64)] = []
        for (group, rows) in members.enumerated() {
            if let earlier = rows.lazy.compactMap({ $0 < previous.count ? previous[$0] : nil }).first {
                splitOfGroup[group] = earlier
                placed[earlier] += rows.count
            } else {
                let identity = grouping.normalizedTexts[grouping.firstRowOfGroup[group]]
                unplaced.append((group, rows.count, StableHash.of(identity, key: seed)))
            }
        }
        unplaced.sort { $0.size != $1.size ? $0.size > $1.size : ($0.key != $1.key ? $0.key < $1.key : $0.group < $1.group) }
        let open = DatasetSplit.allCases.filter { distribution.fraction($0) > 0 }
        for entry in unplaced {
            var best = open.first ?? .train
            for split in open where quotas[split] - placed[split] > quotas[best] - placed[best] { best = split }
            splitOfGroup[entry.group] = best
            placed[best] += entry.size
        }

        splitOfRow = grouping.groupOfRow.map { splitOfGroup[$0]! }
        counts = placed
        let quotas = self.quotas
        bentBy = DatasetSplit.allCases.reduce(0) { $0 + max(0, placed[$1] - quotas[$1]) }
        let grouped = members.filter { $0.count > 1 }
        groupsKeptTogether = grouped.count
        rowsInGroups = grouped.reduce(0) { $0 + $1.count }
        let splits = splitOfRow
        crossSplitPairs = grouping.linkedPairs.reduce(0) { $0 + (splits[$1.0] == splits[$1.1] ? 0 : 1) }
        movedRows = (0..<min(previous.count, rowCount)).reduce(0) { count, row in
            count + (previous[row].map { $0 == splits[row] ? 0 : 1 } ?? 0)
        }
    }
}
