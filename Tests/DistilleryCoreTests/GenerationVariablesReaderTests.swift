import Testing
@testable import DistilleryCore

private func json(_ text: String) throws -> SynthesisJSON { try SynthesisJSON.parse(text) }

/// The error a plan step throws, or nil when it succeeds.
func planError(_ step: () throws(GenerationPlanError) -> Void) -> GenerationPlanError? {
    do {
        try step()
        return nil
    } catch {
        return error
    }
}

private func readError(_ text: String) throws -> GenerationPlanError? {
    let parsed = try json(text)
    return planError { () throws(GenerationPlanError) in _ = try GenerationVariablesReader.read(parsed) }
}

private func formError(_ text: String) -> GenerationPlanError? {
    planError { () throws(GenerationPlanError) in _ = try GenerationVariablesReader.read(formText: text) }
}

private func combinationsError(_ text: String) throws -> GenerationPlanError? {
    let parsed = try json(text)
    return planError { () throws(GenerationPlanError) in _ = try GenerationVariablesReader.readCombinations(parsed) }
}

@Test func readsEveryAPIShapeInKeyOrder() throws {
    let variables = try GenerationVariablesReader.read(json("""
        {"topic": [{"value": "billing", "weight": 0.5, "description": "invoices and refunds"}, "outages", {"value": "onboarding"}],
         "difficulty": "medium",
         "audience": {"value": "admins", "description": "people who run the account"},
         "language": ["English", "French"]}
        """))
    #expect(variables == [
        GenerationVariable(name: "topic", values: [
            VariableValue(value: "billing", weight: 0.5, description: "invoices and refunds"),
            VariableValue(value: "outages"), VariableValue(value: "onboarding"),
        ]),
        GenerationVariable(name: "difficulty", values: [VariableValue(value: "medium")]),
        GenerationVariable(name: "audience", values: [VariableValue(value: "admins", description: "people who run the account")]),
        GenerationVariable(name: "language", values: [VariableValue(value: "English"), VariableValue(value: "French")]),
    ])
    #expect(variables.map(\.isFixed) == [false, true, true, false])
}

@Test(arguments: [
    (#"["topic"]"#, GenerationPlanError(path: "variables", message: "must be an object of variable name → a value, a list of values, or {\"value\", \"weight\", \"description\"}")),
    (#"{"topic": 3}"#, GenerationPlanError(path: "variables.topic", message: "must be a string (a fixed value), a list of values, or a value object")),
    (#"{"topic": ["a", 3]}"#, GenerationPlanError(path: "variables.topic[1]", message: "must be a string or {\"value\", \"weight\", \"description\"}")),
    (#"{"topic": [{"value": "a", "wieght": 2}]}"#, GenerationPlanError(path: "variables.topic[0].wieght", message: "unknown field (a value has value, weight and description)")),
    (#"{"topic": [{"weight": 2}]}"#, GenerationPlanError(path: "variables.topic[0].value", message: "is required (a string)")),
    (#"{"topic": [{"value": "a", "weight": "0.5"}]}"#, GenerationPlanError(path: "variables.topic[0].weight", message: "must be a number")),
    (#"{"topic": [{"value": "a", "description": 5}]}"#, GenerationPlanError(path: "variables.topic[0].description", message: "must be a string")),
    (#"{"topic": ["a", {"value": "b", "weight": -2}]}"#, GenerationPlanError(path: "variables.topic[1].weight", message: "must be a finite number ≥ 0; got -2")),
    (#"{"topic": "a", "topic": "b"}"#, GenerationPlanError(path: "variables.topic", message: "is declared twice (variable 1 and 2)")),
    (#"{"topic": []}"#, GenerationPlanError(path: "variables.topic", message: "must list at least one value")),
    (#"{"topic": ["a", ""]}"#, GenerationPlanError(path: "variables.topic[1].value", message: "is empty")),
    (#"{"topic": ["a", "b", "a"]}"#, GenerationPlanError(path: "variables.topic[2].value", message: "repeats variables.topic[0] (\"a\")")),
    (#"{"topic.name": "a"}"#, GenerationPlanError(path: "variables.topic.name", message: "must be a name of letters, digits and _ (it is used as {name} in the template)")),
    (#"{"count": "a"}"#, GenerationPlanError(path: "variables.count", message: "is reserved (count, current_date, current_time, index, random_id, weight)")),
    (#"{"topic": [{"value": "a", "weight": 0}, {"value": "b", "weight": 0}]}"#, GenerationPlanError(path: "variables.topic", message: "has only weights of 0; at least one value needs a positive weight")),
])
func apiShapeErrorsNameTheJSONPath(text: String, error: GenerationPlanError) throws {
    #expect(try readError(text) == error)
}

@Test func jsonRoundTripsWithRead() throws {
    let variables = [
        GenerationVariable(name: "topic", values: [
            VariableValue(value: "billing", weight: 0.5, description: "invoices"),
            VariableValue(value: "outages", weight: 0.3), VariableValue(value: "onboarding"),
        ]),
        GenerationVariable(name: "difficulty", values: [VariableValue(value: "medium")]),
        GenerationVariable(name: "audience", values: [VariableValue(value: "admins", description: "account owners")]),
        GenerationVariable(name: "region", values: [VariableValue(value: "EU", weight: 2)]),
    ]
    let written = GenerationVariablesReader.json(variables)
    #expect(written.serialized == #"{"topic":[{"value":"billing","weight":0.5,"description":"invoices"},{"value":"outages","weight":0.3},"onboarding"],"difficulty":"medium","audience":[{"value":"admins","description":"account owners"}],"region":[{"value":"EU","weight":2}]}"#)
    #expect(try GenerationVariablesReader.read(written) == variables)
    #expect(try GenerationVariablesReader.read(json(written.serialized)) == variables)
}

@Test func readsCombinationRows() throws {
    let rows = try GenerationVariablesReader.readCombinations(json("""
        [{"topic": "billing", "difficulty": "easy", "weight": 0.2}, {"weight": 0.8, "topic": "outages", "difficulty": "hard"}, {"topic": "billing", "difficulty": "hard"}]
        """))
    #expect(rows == [
        CombinationRow(values: ["topic": "billing", "difficulty": "easy"], weight: 0.2),
        CombinationRow(values: ["topic": "outages", "difficulty": "hard"], weight: 0.8),
        CombinationRow(values: ["topic": "billing", "difficulty": "hard"], weight: 1),
    ])
}

@Test(arguments: [
    (#"{"topic": "billing"}"#, GenerationPlanError(path: "combinations", message: "must be a list of objects like {\"topic\": \"billing\", \"weight\": 0.2}")),
    ("[]", GenerationPlanError(path: "combinations", message: "must list at least one combination")),
    (#"[{"topic": "billing"}, "outages"]"#, GenerationPlanError(path: "combinations[1]", message: "must be an object")),
    (#"[{"topic": 3}]"#, GenerationPlanError(path: "combinations[0].topic", message: "must be a string (one of the variable's values)")),
    (#"[{"topic": "billing", "weight": "high"}]"#, GenerationPlanError(path: "combinations[0].weight", message: "must be a number")),
    (#"[{"topic": "billing", "topic": "outages"}]"#, GenerationPlanError(path: "combinations[0].topic", message: "is given twice")),
])
func combinationErrorsNameTheJSONPath(text: String, error: GenerationPlanError) throws {
    #expect(try combinationsError(text) == error)
}

@Test func readsTheFormOneVariablePerLine() throws {
    let variables = try GenerationVariablesReader.read(formText: """
        topic: billing 0.5, outages 0.3, onboarding 0.2\r
        difficulty: easy, medium, hard

          tone:   friendly
        region: North America, Latin America 2, Europe .5
        words: 30, 60
        style: plain: no markdown
        """)
    #expect(variables == [
        GenerationVariable(name: "topic", values: [
            VariableValue(value: "billing", weight: 0.5), VariableValue(value: "outages", weight: 0.3), VariableValue(value: "onboarding", weight: 0.2),
        ]),
        GenerationVariable(name: "difficulty", values: [VariableValue(value: "easy"), VariableValue(value: "medium"), VariableValue(value: "hard")]),
        GenerationVariable(name: "tone", values: [VariableValue(value: "friendly")]),
        GenerationVariable(name: "region", values: [
            VariableValue(value: "North America"), VariableValue(value: "Latin America", weight: 2), VariableValue(value: "Europe", weight: 0.5),
        ]),
        GenerationVariable(name: "words", values: [VariableValue(value: "30"), VariableValue(value: "60")]),
        GenerationVariable(name: "style", values: [VariableValue(value: "plain: no markdown")]),
    ])
    #expect(try GenerationVariablesReader.read(formText: "  \n\n") == [])
}

@Test(arguments: [
    ("topic: billing\ndifficulty easy, hard", GenerationPlanError(path: "line 2", message: "expected “name: value, value, …”; got \"difficulty easy, hard\"")),
    (": billing", GenerationPlanError(path: "line 1", message: "the variable name before “:” is empty")),
    ("topic: a\n\ntopic: b", GenerationPlanError(path: "line 3", message: "topic is already declared on line 1")),
    ("topic: billing 0.5, outages -1", GenerationPlanError(path: "line 1", message: "topic: value 2 has weight -1; a weight must be a number ≥ 0")),
    ("tone: calm\ntopic: a,, b", GenerationPlanError(path: "line 2", message: "topic: value 2 is empty")),
    ("topic:", GenerationPlanError(path: "line 1", message: "topic must list at least one value")),
    ("topic: a 0, b 0", GenerationPlanError(path: "line 1", message: "topic has only weights of 0; at least one value needs a positive weight")),
    ("topic: a, b, a 2", GenerationPlanError(path: "line 1", message: "topic: value 3 repeats value 1 (\"a\")")),
    ("my topic: a", GenerationPlanError(path: "line 1", message: "my topic must be a name of letters, digits and _ (it is used as {name} in the template)")),
    ("\n\nweight: a", GenerationPlanError(path: "line 3", message: "weight is reserved (count, current_date, current_time, index, random_id, weight)")),
])
func formErrorsNameTheLine(text: String, error: GenerationPlanError) {
    #expect(formError(text) == error)
    #expect(error.description.hasPrefix("line "))
}

@Test func aFormReadsLikeItsJSON() throws {
    let fromForm = try GenerationVariablesReader.read(formText: "topic: billing 0.5, outages 0.3, onboarding 0.2\ndifficulty: medium")
    let fromJSON = try GenerationVariablesReader.read(json(#"{"topic": [{"value": "billing", "weight": 0.5}, {"value": "outages", "weight": 0.3}, {"value": "onboarding", "weight": 0.2}], "difficulty": "medium"}"#))
    #expect(fromForm == fromJSON)
}
