import Testing
@testable import DistilleryCore

@Test(arguments: [
    // Decimal weights whose doubles sum to 1.0000000000000002 still give exact shares.
    (total: 10, weights: [0.1, 0.2, 0.7], expected: [1, 2, 7]),
    (total: 100, weights: [0.5, 0.3, 0.2], expected: [50, 30, 20]),
    // 3.33 each: the one left over goes to the lowest index.
    (total: 10, weights: [1, 1, 1], expected: [4, 3, 3]),
    (total: 7, weights: [0.8, 0.1, 0.1], expected: [5, 1, 1]),
    // 3.33 / 0 / 1.67: the larger remainder wins; weight 0 gets nothing.
    (total: 5, weights: [2, 0, 1], expected: [3, 0, 2]),
    (total: 3, weights: [1, 0, 1], expected: [2, 0, 1]),
    (total: 1, weights: [0, 0, 1], expected: [0, 0, 1]),
    (total: 17, weights: [0.3], expected: [17]),
    (total: 0, weights: [1, 2], expected: [0, 0]),
    // Products of decimal weights (0.5 × 0.3 = 0.15) are exact too.
    (total: 20, weights: [0.5 * 0.3, 0.5 * 0.7, 0.5 * 0.3, 0.5 * 0.7], expected: [3, 7, 3, 7]),
    // topic 0.5 / 0.3 / 0.2 × three equal difficulties: 16.67 / 10 / 6.67 each; the 4 left over go to the
    // equal remainders 2/3 in index order (the three billing strata, then onboarding-easy).
    (total: 100, weights: [0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.2, 0.2, 0.2], expected: [17, 17, 17, 10, 10, 10, 7, 6, 6]),
    (total: 10, weights: [1e-300, 3e-300], expected: [3, 7]),
    (total: 10, weights: [1e300, 1e300], expected: [5, 5]),
    (total: Int.max, weights: [1, 1], expected: [4_611_686_018_427_387_904, 4_611_686_018_427_387_903]),
    (total: 1_000_000_000_000_000_000, weights: [0.1, 0.2, 0.7], expected: [100_000_000_000_000_000, 200_000_000_000_000_000, 700_000_000_000_000_000]),
    // Callers validate; what slips through counts as 0 instead of crashing.
    (total: 4, weights: [-1, .nan, 1, .infinity], expected: [0, 0, 4, 0]),
    (total: 4, weights: [0, 0], expected: [0, 0]),
    (total: 4, weights: [], expected: []),
])
func apportionIsLargestRemainder(total: Int, weights: [Double], expected: [Int]) {
    #expect(LargestRemainder.apportion(total, weights: weights) == expected)
}

@Test func aThousandWeights() {
    let equal = LargestRemainder.apportion(2_500, weights: Array(repeating: 1, count: 1_000))
    #expect(equal == Array(repeating: 3, count: 500) + Array(repeating: 2, count: 500))

    // 1,000 / 999 = 1.001 each: the one left over goes to index 0; the trailing weight 0 gets nothing.
    let withZero = LargestRemainder.apportion(1_000, weights: Array(repeating: 1, count: 999) + [0])
    #expect(withZero == [2] + Array(repeating: 1, count: 998) + [0])
}

/// Integer weights against a reference in plain integer arithmetic: every share is floor(total × w / Σw) or one
/// more, the ones that got one more have remainders at least as large as those that did not (lower index first
/// among equals), and the shares sum to the total.
@Test(arguments: [12_345, 1_000_000, 999])
func aThousandUnevenWeightsMatchIntegerLargestRemainder(total: Int) {
    let weights = (0..<1_000).map { ($0 * 7_919) % 13 }  // 0…12, in a scrambled order
    let sum = weights.reduce(0, +)
    let floors = weights.map { total * $0 / sum }
    let remainders = weights.map { total * $0 % sum }
    let leftover = total - floors.reduce(0, +)
    let winners = Set(weights.indices.sorted { remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1 }.prefix(leftover))
    let expected = weights.indices.map { floors[$0] + (winners.contains($0) ? 1 : 0) }

    let shares = LargestRemainder.apportion(total, weights: weights.map(Double.init))
    #expect(shares == expected)
    #expect(shares.reduce(0, +) == total)
    #expect(zip(weights, shares).allSatisfy { $0.0 != 0 || $0.1 == 0 })
}
