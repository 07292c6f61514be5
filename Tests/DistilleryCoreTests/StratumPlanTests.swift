import Testing
@testable import DistilleryCore

private func variable(_ name: String, _ values: [(String, Double)]) -> GenerationVariable {
    GenerationVariable(name: name, values: values.map { VariableValue(value: $0.0, weight: $0.1) })
}

private func equal(_ name: String, _ values: [String]) -> GenerationVariable {
    GenerationVariable(name: name, values: values.map { VariableValue(value: $0) })
}

private let topic = variable("topic", [("billing", 0.5), ("outages", 0.3), ("onboarding", 0.2)])
private let difficulty = equal("difficulty", ["easy", "medium", "hard"])
private let tone = GenerationVariable(name: "tone", values: [VariableValue(value: "friendly", description: "warm, no jargon")])

private func planError(_ variables: [GenerationVariable], _ combinations: [CombinationRow]? = nil, count: Int = 10) -> GenerationPlanError? {
    planError { () throws(GenerationPlanError) in _ = try StratumPlan.make(variables: variables, combinations: combinations, count: count) }
}

/// The README's worked example.
@Test func productStrataInDeclarationOrderWithExactQuotas() throws {
    let strata = try StratumPlan.make(variables: [topic, tone, difficulty], combinations: nil, count: 10)
    #expect(strata.map(\.label) == [
        "topic=billing · difficulty=easy", "topic=billing · difficulty=medium", "topic=billing · difficulty=hard",
        "topic=outages · difficulty=easy", "topic=outages · difficulty=medium", "topic=outages · difficulty=hard",
        "topic=onboarding · difficulty=easy", "topic=onboarding · difficulty=medium", "topic=onboarding · difficulty=hard",
    ])
    // 1.67 / 1 / 0.67 each: floors 1,1,1, 1,1,1, 0,0,0; the 4 left over go to the equal remainders (2/3) in order.
    #expect(strata.map(\.quota) == [2, 2, 2, 1, 1, 1, 1, 0, 0])
    #expect(strata.map(\.index) == Array(0..<9))
    #expect(strata[3].values == ["topic": "outages", "tone": "friendly", "difficulty": "easy"])
    #expect(strata[3].descriptions == ["tone": "warm, no jargon"])
    let expectedWeights = [0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.2, 0.2, 0.2].map { $0 / 3 }
    for (stratum, weight) in zip(strata, expectedWeights) { #expect(abs(stratum.weight - weight) < 1e-12) }
}

@Test(arguments: [
    (variables: [GenerationVariable](), count: 7),
    (variables: [tone], count: 1),
    (variables: [tone, equal("language", ["English"])], count: 1_000_000),
])
func withNothingVaryingThereIsOneStratumCalledAll(variables: [GenerationVariable], count: Int) throws {
    let strata = try StratumPlan.make(variables: variables, combinations: nil, count: count)
    #expect(strata.count == 1)
    #expect(strata[0].label == "all")
    #expect(strata[0].quota == count)
    #expect(strata[0].weight == 1)
    #expect(strata[0].values.count == variables.count)
}

@Test func aValueOfWeightZeroKeepsItsStratumWithQuotaZero() throws {
    let strata = try StratumPlan.make(variables: [variable("topic", [("billing", 1), ("outages", 0), ("onboarding", 3)])], combinations: nil, count: 9)
    #expect(strata.map(\.quota) == [2, 0, 7])   // 2.25 / 0 / 6.75
    #expect(strata.map(\.weight) == [0.25, 0, 0.75])
}

@Test func aThousandStrataVaryTheLastVariableFastest() throws {
    let digits = (0..<10).map(String.init)
    let strata = try StratumPlan.make(variables: [equal("a", digits), equal("b", digits), equal("c", digits)], combinations: nil, count: 2_500)
    #expect(strata.count == 1_000)
    #expect(strata.map(\.quota) == Array(repeating: 3, count: 500) + Array(repeating: 2, count: 500))
    #expect(strata[1].values == ["a": "0", "b": "0", "c": "1"])
    #expect(strata[10].label == "a=0 · b=1 · c=0")
    #expect(strata[999].label == "a=9 · b=9 · c=9")
}

@Test func combinationsAreExactlyTheRowsWithTheirWeights() throws {
    let rows = [
        CombinationRow(values: ["topic": "billing", "difficulty": "easy"], weight: 0.2),
        CombinationRow(values: ["difficulty": "hard", "topic": "billing", "tone": "friendly"], weight: 0.3),
        CombinationRow(values: ["topic": "outages", "difficulty": "easy"], weight: 0.5),
    ]
    let strata = try StratumPlan.make(variables: [topic, difficulty, tone], combinations: rows, count: 10)
    #expect(strata.map(\.label) == ["topic=billing · difficulty=easy", "topic=billing · difficulty=hard", "topic=outages · difficulty=easy"])
    #expect(strata.map(\.quota) == [2, 3, 5])
    #expect(strata[0].values == ["topic": "billing", "difficulty": "easy", "tone": "friendly"])
    for (stratum, weight) in zip(strata, [0.2, 0.3, 0.5]) { #expect(abs(stratum.weight - weight) < 1e-12) }
}

@Test(arguments: [
    (variables: [topic], combinations: [CombinationRow]?.none, count: 0,
     error: GenerationPlanError(path: "count", message: "must be from 1 to 1000000; got 0")),
    ([topic], nil, 1_000_001, GenerationPlanError(path: "count", message: "must be from 1 to 1000000; got 1000001")),
    ([variable("topic", [("billing", 1), ("outages", 1), ("onboarding", -0.5)])], nil, 10,
     GenerationPlanError(path: "variables.topic[2].weight", message: "must be a finite number ≥ 0; got -0.5")),
    ([variable("topic", [("billing", .nan)])], nil, 10,
     GenerationPlanError(path: "variables.topic[0].weight", message: "must be a finite number ≥ 0; got nan")),
    ([variable("topic", [("billing", .infinity), ("outages", 1)])], nil, 10,
     GenerationPlanError(path: "variables.topic[0].weight", message: "must be a finite number ≥ 0; got inf")),
    ([variable("topic", [("billing", 0), ("outages", 0)])], nil, 10,
     GenerationPlanError(path: "variables.topic", message: "has only weights of 0; at least one value needs a positive weight")),
    ([equal("topic", ["billing", " "])], nil, 10, GenerationPlanError(path: "variables.topic[1].value", message: "is empty")),
    ([equal("topic", ["billing", "outages", "billing"])], nil, 10,
     GenerationPlanError(path: "variables.topic[2].value", message: "repeats variables.topic[0] (\"billing\")")),
    ([equal("", ["billing"])], nil, 10, GenerationPlanError(path: "variables", message: "variable 1 has an empty name")),
    ([topic, equal("topic", ["x"])], nil, 10, GenerationPlanError(path: "variables.topic", message: "is declared twice (variable 1 and 2)")),
    ([equal("topic", [])], nil, 10, GenerationPlanError(path: "variables.topic", message: "must list at least one value")),
    ([equal("my topic", ["x"])], nil, 10,
     GenerationPlanError(path: "variables.my topic", message: "must be a name of letters, digits and _ (it is used as {name} in the template)")),
    ([equal("index", ["x"])], nil, 10,
     GenerationPlanError(path: "variables.index", message: "is reserved (count, current_date, current_time, index, random_id, weight)")),
    ([equal("a", (0..<101).map(String.init)), equal("b", (0..<100).map(String.init))], nil, 10,
     GenerationPlanError(path: "variables", message: "make 10100 strata; at most 10000 are allowed")),
    ([topic, difficulty], [CombinationRow(values: ["topic": "billing", "difficulty": "easy", "mood": "calm"])], 10,
     GenerationPlanError(path: "combinations[0].mood", message: "is not a variable (the variables are: topic, difficulty)")),
    ([topic, difficulty], [CombinationRow(values: ["topic": "billing", "difficulty": "easy"]), CombinationRow(values: ["topic": "refunds", "difficulty": "easy"])], 10,
     GenerationPlanError(path: "combinations[1].topic", message: "\"refunds\" is not one of its values (\"billing\", \"outages\", \"onboarding\")")),
    ([topic, difficulty, tone], [CombinationRow(values: ["topic": "billing"])], 10,
     GenerationPlanError(path: "combinations[0].difficulty", message: "is missing; every combination needs a value of each weighted variable")),
    ([topic, tone], [CombinationRow(values: ["topic": "billing", "tone": "stern"])], 10,
     GenerationPlanError(path: "combinations[0].tone", message: "\"stern\" is not one of its values (\"friendly\")")),
    ([topic], [CombinationRow(values: ["topic": "billing"], weight: -1)], 10,
     GenerationPlanError(path: "combinations[0].weight", message: "must be a finite number ≥ 0; got -1")),
    ([topic], [CombinationRow(values: ["topic": "billing"]), CombinationRow(values: ["topic": "outages"]), CombinationRow(values: ["topic": "billing"], weight: 2)], 10,
     GenerationPlanError(path: "combinations[2]", message: "repeats combinations[0]")),
    ([topic], [CombinationRow(values: ["topic": "billing"], weight: 0)], 10,
     GenerationPlanError(path: "combinations", message: "has only weights of 0; at least one row needs a positive weight")),
    ([topic], [], 10, GenerationPlanError(path: "combinations", message: "must list at least one combination")),
    ([topic], Array(repeating: CombinationRow(values: ["topic": "billing"]), count: 10_001), 10,
     GenerationPlanError(path: "combinations", message: "make 10001 strata; at most 10000 are allowed")),
    ([variable("a", [("x", 1e200), ("y", 1)]), variable("b", [("x", 1e200), ("y", 1)])], nil, 10,
     GenerationPlanError(path: "variables", message: "the weights are too large or too small to combine; use weights from 0.000001 to 1000000")),
])
func planErrorsNameTheirPath(variables: [GenerationVariable], combinations: [CombinationRow]?, count: Int, error: GenerationPlanError) {
    #expect(planError(variables, combinations, count: count) == error)
}

@Test func exactlyTenThousandStrataAreAllowed() throws {
    let strata = try StratumPlan.make(variables: [equal("a", (0..<100).map(String.init)), equal("b", (0..<100).map(String.init))], combinations: nil, count: 10_000)
    #expect(strata.count == StratumPlan.maximumStrata)
    #expect(strata.allSatisfy { $0.quota == 1 })
}
