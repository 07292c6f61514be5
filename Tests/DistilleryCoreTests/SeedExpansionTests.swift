import Testing
@testable import DistilleryCore

@Test(arguments: [
    (EvolMutation.addConstraints, "add_constraints", "Add constraints"),
    (.deepen, "deepen", "Deepen"),
    (.concretize, "concretize", "Make concrete"),
    (.reasoning, "reasoning", "More reasoning steps"),
    (.breadth, "breadth", "New, rarer prompt"),
])
func mutationsHaveStableRawValuesAndLabels(mutation: EvolMutation, rawValue: String, label: String) {
    #expect(mutation.rawValue == rawValue)
    #expect(EvolMutation(rawValue: rawValue) == mutation)
    #expect(mutation.label == label)
}

@Test func mutationInstructionsAreDistinctAndFreeOfTemplateArtefacts() {
    let instructions = EvolMutation.allCases.map(\.instruction)
    #expect(Set(instructions).count == EvolMutation.allCases.count)
    for instruction in instructions {
        #expect(!instruction.contains("#"), "\(instruction)")
        #expect(!instruction.contains("{"), "\(instruction)")
    }
}

private let palindromeSeed = "Write a Python function that checks whether a string is a palindrome."
private let hashMapSeed = "Explain, step by step, how a hash map handles collisions with separate chaining and open "
    + "addressing, and when a developer should prefer one of these strategies over the other in practice."
private let csvSeed = "如何用Python读取CSV文件？"

/// (variation, its seed, the expected reason or nil when kept)
private let expansionCases: [(String, String, ExpansionDropReason?)] = [
    // Genuine variations are kept, whatever the mutation.
    ("Write a Python function that checks whether a string is a palindrome, ignoring case, spaces and punctuation, "
        + "in O(1) extra memory.", palindromeSeed, nil),
    ("Write a Rust function that finds the longest palindromic substring of a UTF-8 string without allocating.",
        palindromeSeed, nil),
    ("如何用Python读取一个10GB的CSV文件而不耗尽内存？", csvSeed, nil),
    // Sentences that open like refusals but are genuine prompts.
    ("I can't help but wonder why my sourdough starter smells like acetone; what is going on?", palindromeSeed, nil),
    ("As an AI engineer, how should I version the datasets I train models on?", palindromeSeed, nil),
    ("我无法登录我的邮箱账户，应该怎么排查？", csvSeed, nil),
    ("抱歉信怎么写才显得真诚？", csvSeed, nil),

    // Empty or too short (fewer than 4 words; a Chinese character counts as one).
    ("", palindromeSeed, .tooShort),
    ("  \n\t ", palindromeSeed, .tooShort),
    ("!!! ???", palindromeSeed, .tooShort),
    ("Palindrome checker, please.", palindromeSeed, .tooShort),
    ("回文？", csvSeed, .tooShort),

    // Refusals, English and Chinese, straight or curly apostrophes.
    ("I'm sorry, but I can't help with that request.", palindromeSeed, .refusal),
    ("I’m sorry, but I cannot create variations of this prompt.", palindromeSeed, .refusal),
    ("As an AI language model, I do not write prompts for datasets.", palindromeSeed, .refusal),
    ("Sure. Actually, I cannot assist with generating these prompts.", palindromeSeed, .refusal),
    ("抱歉，我无法帮助完成这个请求。", csvSeed, .refusal),
    ("很抱歉，我不能提供这样的内容。", csvSeed, .refusal),
    ("作为一个AI，我不能生成这类内容。", csvSeed, .refusal),
    ("好的。不过我无法协助生成这些提示。", csvSeed, .refusal),

    // Echoes of the template: markers, or a run of 8 words of its instructions.
    ("Rewritten Prompt: Write a Python function that tests palindromes in a list of strings.", palindromeSeed, .echo),
    ("#Given Prompt#: Write a Python function that checks whether a string is a palindrome.", palindromeSeed, .echo),
    ("Here is a variation: write a Go function that checks whether a number is a palindrome.", palindromeSeed, .echo),
    ("Reverse a linked list. Every new prompt must be answerable by a capable assistant.", palindromeSeed, .echo),
    ("Add one or two concrete constraints or requirements the answer must meet.", palindromeSeed, .echo),
    ("改写后的提示：如何用Python读取大型CSV文件？", csvSeed, .echo),

    // Near duplicates of the seed: case and punctuation only, or a small rewording.
    ("WRITE a python function that checks whether a string is a palindrome!!!", palindromeSeed, .nearDuplicateOfSeed),
    ("如何用Python读取CSV文件。", csvSeed, .nearDuplicateOfSeed),
    ("Explain step by step how a hash map handles collisions with separate chaining and open addressing, and when "
        + "a developer should prefer one of these strategies over the other in real code.", hashMapSeed,
        .nearDuplicateOfSeed),
]

@Test(arguments: expansionCases)
func expansionFilterKeepsOrDropsWithItsReason(variation: String, seed: String, expected: ExpansionDropReason?) {
    #expect(SeedExpansion.filter.rejection(of: variation, seed: seed) == expected, "\(variation)")
}

@Test func nearDuplicateThresholdIsAParameter() {
    // The seed's 10 word shingles are all among the variation's 20: Jaccard 10/20 = 0.5.
    let variation = "Write a Python function that checks whether a string is a palindrome, ignoring case, spaces and "
        + "punctuation, in O(1) extra memory."
    let strict = ExpansionFilter(templateTexts: [SeedExpansion.template.prompt], nearDuplicateThreshold: 0.5)
    #expect(strict.rejection(of: variation, seed: palindromeSeed) == .nearDuplicateOfSeed)
    let lenient = ExpansionFilter(templateTexts: [SeedExpansion.template.prompt], nearDuplicateThreshold: 0.51)
    #expect(lenient.rejection(of: variation, seed: palindromeSeed) == nil)
}

@Test func echoRunsStopAtPlaceholders() {
    // Read whole, the template holds the run "alpha … eta"; cut at {seed}, its longest literal run is six words.
    let filter = ExpansionFilter(templateTexts: ["Alpha beta gamma delta {seed} epsilon zeta eta theta iota kappa"])
    #expect(filter.rejection(of: "Alpha beta gamma delta seed epsilon zeta eta theta", seed: "x") == nil)
    let longer = ExpansionFilter(templateTexts: ["{seed} one two three four five six seven eight nine"])
    #expect(longer.rejection(of: "Then two three four five six seven eight nine.", seed: "x") == .echo)
}

@Test(arguments: [
    ("I can't help with that.", "I can't help with"),
    ("Sorry, but I won't write that.", "Sorry, but I"),
    ("Here you go — as an AI assistant I must say no.", "As an AI assistant"),
    ("非常抱歉，我做不到。", "非常抱歉，我"),
    ("作为一个人工智能语言模型，我没有观点。", "作为一个人工智能语言模型"),
    ("I can't help but laugh at this joke; explain why it is funny.", nil),
    ("Thanks for the request. I cannot help with that, though.", "I cannot help with that"),
])
func refusalPhrasesNameTheMatchedPhrase(text: String, phrase: String?) {
    #expect(RefusalPhrases.firstMatch(in: text) == phrase)
}

@Test func builtinTemplateIsAValidPromptsTemplate() throws {
    let template = SeedExpansion.template
    #expect(template.type == .prompts)
    let checked = try template.checked()
    #expect(checked.variables == ["seed", "mutation"])
    #expect(checked.settingsJSON == #"{"temperature":1}"#)
    #expect(try PromptTemplate(template.systemPrompt).variables.isEmpty)
}

@Test func builtinTemplateRendersWithASeedAndAMutation() throws {
    let context = PromptContext(
        values: ["seed": csvSeed, "mutation": "deepen"], descriptions: ["mutation": EvolMutation.deepen.instruction], count: 5
    )
    let rendered = try PromptTemplate(SeedExpansion.template.prompt).render(context)
    #expect(rendered == """
        Seed prompt:
        <<<
        如何用Python读取CSV文件？
        >>>

        Change to make (deepen): Ask for more depth: where the prompt asks about something, also ask why it works \
        that way, what it trades off, or how it fails in unusual cases, so that a good answer needs real expertise.

        Write 5 new prompts, each making this change in its own way, so that they differ from the seed and from \
        each other.
        """)
    // A teacher that answers with the rendered prompt echoes the template.
    #expect(SeedExpansion.filter.rejection(of: rendered, seed: csvSeed) == .echo)
}

@Test func builtinTemplateNeedsTheMutationsDescription() {
    let context = PromptContext(values: ["seed": csvSeed, "mutation": "deepen"], count: 5)
    #expect(throws: PromptTemplateError.missingDescription("mutation")) {
        try PromptTemplate(SeedExpansion.template.prompt).render(context)
    }
}
