import Testing
@testable import DistilleryCore

private let wordLimitPrompt = "Summarize the history of the printing press in at most fifty words for a school newsletter."
private let apiPrompt = "Show how to upload a file to an S3 bucket with the official AWS SDK for Python."
private let otherTestPrompt = "Explain how a bloom filter answers membership queries and why it can give false positives."

@Test func strataCarryTheirFailingPromptsMode() throws {
    let plan = try SeedExpansionPlan(variationsPerSeed: 2)
    let strata = try FailureModeExpansion.strata(
        plan, failing: [.init(prompt: wordLimitPrompt, mode: "ignores the word limit"), .init(prompt: apiPrompt, mode: "invents an API")])
    #expect(strata.map(\.label) == ["seed 1 · add_constraints", "seed 1 · deepen", "seed 2 · deepen", "seed 2 · concretize"])
    #expect(strata.map { $0.values["failure_mode"] } == ["ignores the word limit", "ignores the word limit", "invents an API", "invents an API"])
    #expect(strata.map { $0.values["seed"] } == [wordLimitPrompt, wordLimitPrompt, apiPrompt, apiPrompt])
}

@Test func templateTellsTheTeacherWhatTheStudentGotWrong() throws {
    let checked = try FailureModeExpansion.template.checked()
    #expect(Set(checked.variables) == ["failure_mode", "seed", "mutation"])
    let rendered = try PromptTemplate(FailureModeExpansion.template.prompt).render(PromptContext(
        values: ["seed": apiPrompt, "mutation": "deepen", "failure_mode": "invents an API"],
        descriptions: ["mutation": EvolMutation.deepen.instruction], count: 3))
    #expect(rendered.hasPrefix("A student model answered the seed prompt below badly. What it got wrong: invents an API\n"))
    #expect(rendered.contains("Write 3 new prompts"))
}

/// (variation, expected reason or nil when kept); the seed is `apiPrompt`, the held-out split all three prompts.
private let leakageCases: [(String, String?)] = [
    ("Show how to upload a 5 GB file to an S3 bucket in parts with the official AWS SDK for Python, resuming after a failure.", nil),
    // A near duplicate of another test prompt (not its seed): leakage.
    ("Explain how a bloom filter answers membership queries and why it can give false positives at all.", "near_duplicate_of_held_out"),
    // Its own seed reworded is a test prompt too.
    ("Show how to upload a file to an S3 bucket with the official AWS SDK for Python.", "near_duplicate_of_held_out"),
    // The other checks keep their reasons.
    ("Upload a file.", "too_short"),
    ("I'm sorry, but I can't help with that request.", "refusal"),
]

@Test(arguments: leakageCases)
func variationsNearAHeldOutPromptAreDropped(variation: String, expected: String?) throws {
    let filter = FailureModeExpansion.itemFilter(heldOutPrompts: [wordLimitPrompt, apiPrompt, otherTestPrompt], nearDuplicateThreshold: 0.8)
    let stratum = try FailureModeExpansion.strata(try SeedExpansionPlan(variationsPerSeed: 1), failing: [.init(prompt: apiPrompt, mode: "invents an API")])[0]
    #expect(filter(.prompt(variation), stratum) == expected)
}
