import Testing
@testable import DistilleryCore

/// (variations per seed, weights, seed position, expected quotas in add_constraints, deepen, concretize, reasoning,
/// breadth order) — worked out by hand from the largest-remainder rule with ties rotating by seed.
private let quotaCases: [(Int, [EvolMutation: Double], Int, [Int])] = [
    (5, SeedExpansionPlan.equalMix, 0, [1, 1, 1, 1, 1]),
    (5, SeedExpansionPlan.equalMix, 3, [1, 1, 1, 1, 1]),
    (10, SeedExpansionPlan.equalMix, 2, [2, 2, 2, 2, 2]),
    // Fewer variations than mutations: the ties go to the mutations from the seed's own position on.
    (2, SeedExpansionPlan.equalMix, 0, [1, 1, 0, 0, 0]),
    (2, SeedExpansionPlan.equalMix, 1, [0, 1, 1, 0, 0]),
    (2, SeedExpansionPlan.equalMix, 4, [1, 0, 0, 0, 1]),
    (2, SeedExpansionPlan.equalMix, 7, [0, 0, 1, 1, 0]),
    // 7 × 2/3 = 4.67 and 7 × 1/3 = 2.33: the leftover unit goes to the larger remainder, whatever the seed.
    (7, [.addConstraints: 2, .deepen: 1], 0, [5, 2, 0, 0, 0]),
    (7, [.addConstraints: 2, .deepen: 1], 1, [5, 2, 0, 0, 0]),
    // 4 over three equal weights (1.33 each): the tie goes to the first weighted mutation from the seed's position.
    (4, [.addConstraints: 1, .deepen: 1, .reasoning: 1], 0, [2, 1, 0, 1, 0]),
    (4, [.addConstraints: 1, .deepen: 1, .reasoning: 1], 1, [1, 2, 0, 1, 0]),
    (4, [.addConstraints: 1, .deepen: 1, .reasoning: 1, .concretize: 0], 2, [1, 1, 0, 2, 0]),
    (4, [.addConstraints: 1, .deepen: 1, .reasoning: 1], 4, [2, 1, 0, 1, 0]),
    // One mutation only.
    (3, [.breadth: 0.5], 9, [0, 0, 0, 0, 3]),
    // Decimal weights that do not divide evenly: 10 × (0.1, 0.2, 0.7) is exactly 1, 2, 7.
    (10, [.deepen: 0.1, .concretize: 0.2, .breadth: 0.7], 0, [0, 1, 2, 0, 7]),
]

@Test(arguments: quotaCases.indices)
func expansionQuotasSplitEachSeedsVariationsExactly(case index: Int) throws {
    let (count, weights, position, expected) = quotaCases[index]
    let plan = try SeedExpansionPlan(variationsPerSeed: count, weights: weights)
    let quotas = plan.quotas(seedAt: position)
    #expect(quotas == expected)
    #expect(quotas.reduce(0, +) == count)
}

@Test func expansionStrataAreSeedTimesMutationWithTheTemplatesValues() throws {
    let seeds = ["How do I reset my router?", "Explain how DNS caching works."]
    let plan = try SeedExpansionPlan(variationsPerSeed: 3, weights: [.deepen: 1, .breadth: 2])
    let strata = try plan.strata(seeds: seeds)
    #expect(strata.map(\.label) == ["seed 1 · deepen", "seed 1 · breadth", "seed 2 · deepen", "seed 2 · breadth"])
    #expect(strata.map(\.index) == [0, 1, 2, 3])
    #expect(strata.map(\.quota) == [1, 2, 1, 2])
    #expect(strata[2].values == ["seed": "Explain how DNS caching works.", "mutation": "deepen", "seed_index": "2"])
    #expect(strata[3].descriptions == ["mutation": EvolMutation.breadth.instruction])
    #expect(abs(strata[1].weight - 1.0 / 3.0) < 1e-12)
    #expect(abs(strata.reduce(0) { $0 + $1.weight } - 1) < 1e-12)
}

/// (variations per seed, weights, seeds, the error's path and message)
private let planErrorCases: [(Int, [EvolMutation: Double], Int, String, String)] = [
    (0, SeedExpansionPlan.equalMix, 3, "variations_per_seed", "must be from 1 to 100; got 0"),
    (101, SeedExpansionPlan.equalMix, 3, "variations_per_seed", "must be from 1 to 100; got 101"),
    (3, [.deepen: -1], 3, "mutations.deepen", "must be a finite number ≥ 0; got -1"),
    (3, [.reasoning: .nan, .deepen: 1], 3, "mutations.reasoning", "must be a finite number ≥ 0; got nan"),
    (3, [.reasoning: 0, .deepen: 0], 3, "mutations", "has only weights of 0; at least one mutation needs a positive weight"),
    (3, [:], 3, "mutations", "has only weights of 0; at least one mutation needs a positive weight"),
    (3, SeedExpansionPlan.equalMix, 0, "dataset", "has no seeds to expand"),
    (5, SeedExpansionPlan.equalMix, 2_001, "variations_per_seed",
        "make more than 10000 seed × mutation strata for 2001 seeds; expand fewer seeds at a time, or ask for fewer variations per seed"),
]

@Test(arguments: planErrorCases.indices)
func expansionPlanErrorsNameTheField(case index: Int) {
    let (count, weights, seedCount, path, message) = planErrorCases[index]
    let seeds = (0..<seedCount).map { "Seed prompt number \($0)" }
    #expect(throws: GenerationPlanError(path: path, message: message)) {
        _ = try SeedExpansionPlan(variationsPerSeed: count, weights: weights).strata(seeds: seeds)
    }
}

@Test func twoThousandSeedsTimesFiveMutationsFitTheStrataLimit() throws {
    let seeds = (0..<2_000).map { "Seed prompt number \($0)" }
    let strata = try SeedExpansionPlan(variationsPerSeed: 5).strata(seeds: seeds)
    #expect(strata.count == 10_000)
    #expect(strata.allSatisfy { $0.quota == 1 })
}
