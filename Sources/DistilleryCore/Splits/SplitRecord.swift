/// The split last applied to a dataset: its settings and what the assignment reported.
public struct SplitRecord: Sendable, Equatable {
    public var distribution: RecipeDistribution
    public var seed: UInt64
    public var threshold: Double
    public var counts: SplitCounts
    public var crossSplitPairs: Int
    public var groupsKeptTogether: Int
    public var rowsInGroups: Int
    public var bentBy: Int
    public var movedRows: Int

    public init(
        distribution: RecipeDistribution, seed: UInt64, threshold: Double, counts: SplitCounts, crossSplitPairs: Int,
        groupsKeptTogether: Int, rowsInGroups: Int, bentBy: Int, movedRows: Int
    ) {
        self.distribution = distribution
        self.seed = seed
        self.threshold = threshold
        self.counts = counts
        self.crossSplitPairs = crossSplitPairs
        self.groupsKeptTogether = groupsKeptTogether
        self.rowsInGroups = rowsInGroups
        self.bentBy = bentBy
        self.movedRows = movedRows
    }

    public init(distribution: RecipeDistribution, seed: UInt64, threshold: Double, assignment: SplitAssignment) {
        self.init(
            distribution: distribution, seed: seed, threshold: threshold, counts: assignment.counts,
            crossSplitPairs: assignment.crossSplitPairs, groupsKeptTogether: assignment.groupsKeptTogether,
            rowsInGroups: assignment.rowsInGroups, bentBy: assignment.bentBy, movedRows: assignment.movedRows)
    }

    /// True when a re-split with these settings keeps the rows' current splits.
    public func keepsAssignments(distribution: RecipeDistribution, seed: UInt64, threshold: Double) -> Bool {
        self.distribution == distribution && self.seed == seed && self.threshold == threshold
    }
}
