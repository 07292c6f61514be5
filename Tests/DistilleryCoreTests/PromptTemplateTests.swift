import Testing
@testable import DistilleryCore

private let context = PromptContext(
    values: ["topic": "billing", "difficulty": "hard", "lang": "日本語"],
    descriptions: ["topic": "invoices, refunds and failed payments"],
    index: 41, count: 5,
    nowUnixMs: 1_764_553_000_123,  // 2025-12-01 01:36:40.123 UTC
    randomID: "00ff00ff00ff00ff")

@Test(arguments: [
    ("plain text, no placeholders", "plain text, no placeholders"),
    ("", ""),
    ("{topic}", "billing"),
    ("Write about {topic}", "Write about billing"),
    ("{topic} first", "billing first"),
    ("{topic}{difficulty}", "billinghard"),
    ("{topic} and again {topic}", "billing and again billing"),
    ("Topic: {topic.description}.", "Topic: invoices, refunds and failed payments."),
    ("Literal {{braces}} and {{topic}}", "Literal {braces} and {topic}"),
    ("JSON: {{\"a\": 1}}", "JSON: {\"a\": 1}"),
    ("{{{topic}}}", "{billing}"),
    ("}}{{", "}{"),
    ("Today is {current_date} at {current_time}.", "Today is 2025-12-01 at 01:36."),
    ("#{index} of {count}, id {random_id}", "#41 of 5, id 00ff00ff00ff00ff"),
    ("Ünïcödé 🙂 {lang} → {difficulty} ✓", "Ünïcödé 🙂 日本語 → hard ✓"),
])
func templatesRender(template: String, expected: String) throws {
    #expect(try PromptTemplate(template).render(context) == expected)
}

@Test(arguments: [
    ("Write about {topic} at {difficulty}, then {topic.description} and {topic}", ["topic", "difficulty"]),
    ("{audience.description} for {audience}", ["audience"]),
    ("{index}/{count} {current_date} {current_time} {random_id}", []),
    ("{{not_a_variable}} {_private} {x1}", ["_private", "x1"]),
])
func variablesAreUserNamesInOrderOfFirstUse(template: String, variables: [String]) throws {
    #expect(try PromptTemplate(template).variables == variables)
}

@Test(arguments: [
    ("Write {topic", PromptTemplateError.unclosedBrace(offset: 7)),
    ("{", .unclosedBrace(offset: 1)),
    ("🙂🙂 {x", .unclosedBrace(offset: 4)),
    ("A } here", .strayClosingBrace(offset: 3)),
    ("{topic}}", .strayClosingBrace(offset: 8)),
    ("ok}", .strayClosingBrace(offset: 3)),
    ("Return {\"a\": 1}", .invalidPlaceholder("\"a\": 1", offset: 8)),
    ("{}", .invalidPlaceholder("", offset: 1)),
    ("é {1topic}", .invalidPlaceholder("1topic", offset: 3)),
    ("{topic name}", .invalidPlaceholder("topic name", offset: 1)),
    ("{topic.title}", .invalidPlaceholder("topic.title", offset: 1)),
    ("{topic.description.description}", .invalidPlaceholder("topic.description.description", offset: 1)),
    ("{.description}", .invalidPlaceholder(".description", offset: 1)),
    ("x {index.description}", .invalidPlaceholder("index.description", offset: 3)),
    ("{tópico}", .invalidPlaceholder("tópico", offset: 1)),
])
func badTemplatesNameTheCharacter(template: String, error: PromptTemplateError) {
    #expect(throws: error) { try PromptTemplate(template) }
}

@Test func renderingNamesTheFirstMissingValueOrDescription() throws {
    #expect(throws: PromptTemplateError.missingValue("audience")) {
        try PromptTemplate("{topic} for {audience} and {tone}").render(context)
    }
    #expect(throws: PromptTemplateError.missingDescription("difficulty")) { try PromptTemplate("{difficulty.description}").render(context) }
    let emptyDescription = PromptContext(values: ["topic": "x"], descriptions: ["topic": ""])
    #expect(throws: PromptTemplateError.missingDescription("topic")) { try PromptTemplate("{topic.description}").render(emptyDescription) }
}

@Test(arguments: [
    (PromptTemplateError.unclosedBrace(offset: 12), "a `{` at character 12 is never closed (write `{{` for a literal brace)"),
    (.strayClosingBrace(offset: 40), "a `}` at character 40 closes nothing (write `}}` for a literal brace)"),
    (.missingValue("topic"), "the prompt uses {topic} but the task gives no value for topic"),
    (.missingDescription("topic"), "{topic.description} is used but the value of topic has no description"),
    (.invalidPlaceholder("count.description", offset: 2), "`{count.description}` at character 2: the built-in {count} has no description"),
    (.invalidPlaceholder("a b", offset: 5),
     "`{a b}` at character 5 is not a placeholder: a name is letters, digits and _ (not starting with a digit), "
        + "optionally followed by .description; write `{{` and `}}` for literal braces"),
])
func errorsReadAsSentences(error: PromptTemplateError, text: String) {
    #expect(error.description == text)
}

@Test func randomIDsAreReproducibleSixteenHexDigits() {
    let id = PromptContext.randomID(seed: 42, index: 7)
    #expect(id.count == 16 && id.allSatisfy { "0123456789abcdef".contains($0) })
    #expect(PromptContext.randomID(seed: 42, index: 7) == id)
    let others = [PromptContext.randomID(seed: 42, index: 8), PromptContext.randomID(seed: 43, index: 7)]
    #expect(!others.contains(id) && others[0] != others[1])
    // A value whose hex has leading zeros is padded to 16 digits.
    #expect((0..<64).map { PromptContext.randomID(seed: 1, index: $0) }.allSatisfy { $0.count == 16 })
}

@Test(arguments: [
    (Int64(0), "1970-01-01", "00:00"),
    (951_825_600_000, "2000-02-29", "12:00"),
    (1_767_225_599_999, "2025-12-31", "23:59"),
])
func dateAndTimeBuiltinsAreUTC(now: Int64, date: String, time: String) throws {
    #expect(try PromptTemplate("{current_date} {current_time}").render(PromptContext(nowUnixMs: now)) == "\(date) \(time)")
}
