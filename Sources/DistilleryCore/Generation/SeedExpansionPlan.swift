/// What a seed expansion asks for: N variations of every seed, split across the mutations by a weighted mix.
///
/// The strata are seed × mutation. Each seed's N is split by `LargestRemainder.apportion` over the mix, so every seed
/// gets exactly N; the leftover units (N not divisible by the mix) go to the largest remainders, and equal
/// remainders go to the mutation that comes first counting from the seed's own position in the mutation list, so
/// with N = 2 and five equal weights seed 1 gets add_constraints and deepen, seed 2 deepen and concretize, and so on
/// (every mutation is used across the seeds, not only the first two). A mutation with no variation for a seed
/// makes no stratum.
public struct SeedExpansionPlan: Sendable, Equatable {
    public static let maximumVariationsPerSeed = 100

    public var variationsPerSeed: Int
    /// Each mutation's weight (≥ 0, finite, not all 0), in `EvolMutation.allCases` order.
    public var weights: [EvolMutation: Double]

    /// Every mutation with the same weight.
    public static let equalMix: [EvolMutation: Double] = Dictionary(uniqueKeysWithValues: EvolMutation.allCases.map { ($0, 1) })

    /// Checks the numbers; errors name the API's JSON path (`variations_per_seed`, `mutations.deepen`, `mutations`).
    public init(variationsPerSeed: Int, weights: [EvolMutation: Double] = equalMix) throws(GenerationPlanError) {
        guard (1...Self.maximumVariationsPerSeed).contains(variationsPerSeed) else {
            throw GenerationPlanError(
                path: "variations_per_seed", message: "must be from 1 to \(Self.maximumVariationsPerSeed); got \(variationsPerSeed)")
        }
        for mutation in EvolMutation.allCases {
            guard let weight = weights[mutation] else { continue }
            guard weight.isFinite && weight >= 0 else {
                throw GenerationPlanError(path: "mutations.\(mutation.rawValue)", message: "must be a finite number ≥ 0; got \(Recipe.text(weight))")
            }
        }
        guard weights.values.contains(where: { $0 > 0 }) else {
            throw GenerationPlanError(path: "mutations", message: "has only weights of 0; at least one mutation needs a positive weight")
        }
        self.variationsPerSeed = variationsPerSeed
        self.weights = weights
    }

    /// How many variations each mutation makes for the seed at `position` (0-based), in `EvolMutation.allCases` order.
    public func quotas(seedAt position: Int) -> [Int] {
        let mutations = EvolMutation.allCases
        // Rotating the list rotates which mutation wins a tie (`apportion` gives ties to the lower index).
        let shift = position % mutations.count
        let rotated = Array(mutations[shift...] + mutations[..<shift])
        let shares = LargestRemainder.apportion(variationsPerSeed, weights: rotated.map { weights[$0] ?? 0 })
        let byMutation = Dictionary(uniqueKeysWithValues: zip(rotated, shares))
        return mutations.map { byMutation[$0] ?? 0 }
    }

    /// The strata: for each seed in order (1-based number N), its mutations with a quota, labelled "seed N · deepen",
    /// with the values the built-in template renders (`seed`, `mutation`, and `mutation.description`, the mutation's
    /// instruction) plus `seed_index` for the rows' metadata. At most `StratumPlan.maximumStrata`.
    public func strata(seeds: [String]) throws(GenerationPlanError) -> [Stratum] {
        guard !seeds.isEmpty else { throw GenerationPlanError(path: "dataset", message: "has no seeds to expand") }
        let totalWeight = weights.values.reduce(0, +)
        var strata: [Stratum] = []
        for (position, seed) in seeds.enumerated() {
            for (mutation, quota) in zip(EvolMutation.allCases, quotas(seedAt: position)) where quota > 0 {
                guard strata.count < StratumPlan.maximumStrata else {
                    throw GenerationPlanError(
                        path: "variations_per_seed",
                        message: "make more than \(StratumPlan.maximumStrata) seed × mutation strata for \(seeds.count) seeds; "
                            + "expand fewer seeds at a time, or ask for fewer variations per seed")
                }
                let number = position + 1
                strata.append(Stratum(
                    index: strata.count,
                    values: [SeedExpansion.seedVariable: seed, SeedExpansion.mutationVariable: mutation.rawValue, Self.seedIndexValue: String(number)],
                    descriptions: [SeedExpansion.mutationVariable: mutation.instruction],
                    weight: (weights[mutation] ?? 0) / totalWeight / Double(seeds.count), quota: quota,
                    label: "seed \(number) · \(mutation.rawValue)"))
            }
        }
        return strata
    }

    /// The stratum value naming the seed's 1-based number in its dataset (as "seed N" in the report).
    public static let seedIndexValue = "seed_index"
}
