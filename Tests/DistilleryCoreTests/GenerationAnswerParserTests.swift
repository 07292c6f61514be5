import Testing
@testable import DistilleryCore

private func failure(_ content: String, _ type: TemplateType) -> GenerationAnswerError? {
    if case .failure(let error) = GenerationAnswerParser.parse(content, type: type) { return error }
    return nil
}

private let fence = "```"
private let twoPrompts: [GeneratedItem] = [.prompt("Explain DNS."), .prompt("Write a haiku.")]

/// Every container the issue names, for the prompts type: the items come out the same.
@Test(arguments: [
    #"[{"prompt":"Explain DNS."},{"prompt":"Write a haiku."}]"#,
    #"{"items":[{"prompt":"Explain DNS."},{"prompt":"Write a haiku."}]}"#,
    #"{"prompts":[{"prompt":"Explain DNS."},{"prompt":"Write a haiku."}],"note":"two"}"#,
    "\(fence)json\n{\"items\":[{\"prompt\":\"Explain DNS.\"},{\"prompt\":\"Write a haiku.\"}]}\n\(fence)",
    "Here you go:\n\(fence)\n[{\"prompt\":\"Explain DNS.\"},{\"prompt\":\"Write a haiku.\"}]\n\(fence)\nEnjoy!",
    #"Sure! Here are the items: {"items":[{"prompt":"Explain DNS."},{"prompt":"Write a haiku."}]} Let me know {if} you need more."#,
    #"<think>They want {two} prompts.</think>[{"prompt":"Explain DNS."},{"prompt":"Write a haiku."}]"#,
    "  \n[{\"prompt\":\"Explain DNS.\",\"extra\":1},{\"prompt\":\"Write a haiku.\"}]\n",
])
func promptAnswersParseInEveryContainer(content: String) {
    #expect(GenerationAnswerParser.parse(content, type: .prompts) == .success(twoPrompts))
}

@Test func eachTypeReadsItsFieldsAndKeepsStringsByteForByte() {
    #expect(
        GenerationAnswerParser.parse(#"{"items":[{"question":"  Why?\n","answer":"Because \"so\".\u00e9"}]}"#, type: .qa)
            == .success([.qa(question: "  Why?\n", answer: "Because \"so\".é")]))
    #expect(
        GenerationAnswerParser.parse(#"[{"output":"Résumé: ok"},{"output":"two"}]"#, type: .transform)
            == .success([.transform(output: "Résumé: ok"), .transform(output: "two")]))
    let dialogue = #"{"items":[{"turns":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},"#
        + #"{"role":"user","content":"Bye"},{"role":"assistant","content":"See you"}]}]}"#
    #expect(
        GenerationAnswerParser.parse(dialogue, type: .dialogue)
            == .success([
                .dialogue([
                    DialogueTurn(role: "user", content: "Hi"), DialogueTurn(role: "assistant", content: "Hello"),
                    DialogueTurn(role: "user", content: "Bye"), DialogueTurn(role: "assistant", content: "See you"),
                ])
            ]))
    // One item on its own (a model asked for one) is that one item; more items than asked are all returned.
    #expect(GenerationAnswerParser.parse(#"{"question":"Q","answer":"A"}"#, type: .qa) == .success([.qa(question: "Q", answer: "A")]))
    let single = #"{"turns":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}]}"#
    #expect(
        GenerationAnswerParser.parse(single, type: .dialogue)
            == .success([.dialogue([DialogueTurn(role: "user", content: "Q"), DialogueTurn(role: "assistant", content: "A")])]))
}

/// Refusals, with the exact path the error names.
@Test(arguments: [
    // Container problems.
    (#"{"items":[]}"#, TemplateType.prompts, "$.items", "expected at least 1 item, got 0"),
    ("[]", .qa, "$", "expected at least 1 item, got 0"),
    (#"{"items":{"prompt":"x"}}"#, .prompts, "$.items", "must be an array"),
    (#"{"a":[1],"b":[2]}"#, .prompts, "$.items", "missing"),
    (#"{"note":"no items here"}"#, .qa, "$.items", "missing"),
    (#""just a string""#, .prompts, "$", "must be an array of items or an object with \"items\""),
    ("I cannot help with that.", .prompts, "$", "not JSON: unexpected character at byte 0"),
    (#"{"items":[{"prompt":"a"},{"prompt":"#, .prompts, "$", "not JSON: unexpected end of JSON at byte 35"),
    ("\(fence)json\n{\"items\": [}\n\(fence)", .prompts, "$", "not JSON: unexpected character at byte 11"),
    // Item problems: prompts.
    (#"{"items":[{"prompt":"ok"},{"text":"x"}]}"#, .prompts, "$.items[1].prompt", "missing"),
    (#"{"items":[{"prompt":"ok"},{"prompt":" \n\t"}]}"#, .prompts, "$.items[1].prompt", "is empty"),
    (#"{"items":[{"prompt":""}]}"#, .prompts, "$.items[0].prompt", "is empty"),
    (#"{"items":[{"prompt":42}]}"#, .prompts, "$.items[0].prompt", "must be a string"),
    (#"{"items":["a bare string"]}"#, .prompts, "$.items[0]", "must be an object"),
    (#"{"questions":[{"prompt":null}]}"#, .prompts, "$.questions[0].prompt", "must be a string"),
    (#"{"my list":[{"x":1}]}"#, .prompts, "$[\"my list\"][0].prompt", "missing"),
    // qa.
    (#"[{"question":"Q","answer":"A"},{"question":"Q2"}]"#, .qa, "$[1].answer", "missing"),
    (#"{"items":[{"question":"Q","answer":"A"},{"question":"Q","answer":"A"},{"question":"","answer":"A"}]}"#, .qa,
     "$.items[2].question", "is empty"),
    (#"{"items":[{"question":"Q","answer":["A"]}]}"#, .qa, "$.items[0].answer", "must be a string"),
    // transform.
    (#"{"items":[{"result":"x"}]}"#, .transform, "$.items[0].output", "missing"),
    (#"{"items":[{"output":"   "}]}"#, .transform, "$.items[0].output", "is empty"),
    // dialogue.
    (#"{"items":[{"turns":"hi"}]}"#, .dialogue, "$.items[0].turns", "must be an array"),
    (#"{"items":[{"turns":[]}]}"#, .dialogue, "$.items[0].turns", "is empty"),
    (#"{"items":[{"conversation":[]}]}"#, .dialogue, "$.items[0].turns", "missing"),
    (#"{"items":[{"turns":[{"role":"user","content":"Q"}]}]}"#, .dialogue, "$.items[0].turns", "must end with an assistant turn"),
    (#"{"items":[{"turns":[{"role":"assistant","content":"A"}]}]}"#, .dialogue, "$.items[0].turns[0].role",
     "must be \"user\" (a dialogue starts with the user)"),
    (#"{"items":[{"turns":[{"role":"user","content":"Q"},{"role":"system","content":"A"}]}]}"#, .dialogue,
     "$.items[0].turns[1].role", "must be \"user\" or \"assistant\""),
    (#"{"items":[{"turns":[{"role":"user","content":"Q"},{"role":"user","content":"A"}]}]}"#, .dialogue,
     "$.items[0].turns[1].role", "must be \"assistant\" (turns alternate between user and assistant)"),
    (#"{"items":[{"turns":[{"role":"user","content":"Q"},{"role":"assistant","content":""}]}]}"#, .dialogue,
     "$.items[0].turns[1].content", "is empty"),
    (#"{"items":[{"turns":[{"role":"user"},{"role":"assistant","content":"A"}]}]}"#, .dialogue,
     "$.items[0].turns[0].content", "missing"),
    (#"{"items":[{"turns":["Q","A"]}]}"#, .dialogue, "$.items[0].turns[0]", "must be an object"),
])
func badAnswersAreRefusedWholeAtTheirPath(content: String, type: TemplateType, path: String, message: String) {
    #expect(failure(content, type) == GenerationAnswerError(path: path, message: message))
}

@Test func anEmptyAnswerSaysHowManyItemsWereAskedFor() {
    #expect(
        GenerationAnswerParser.parse(#"{"items":[]}"#, type: .qa, expecting: 5)
            == .failure(GenerationAnswerError(path: "$.items", message: "expected 5 items, got 0")))
    #expect(GenerationAnswerError(path: "$.items[2].answer", message: "is empty").description == "$.items[2].answer: is empty")
}

/// A truncated answer is not mined for the complete items before the cut: the whole call is retried.
@Test func aTruncatedAnswerInProseIsNotHalfAccepted() {
    let truncated = #"Here: {"items":[{"prompt":"complete one"},{"prompt":"cut of"#
    #expect(failure(truncated, .prompts)?.path == "$")
}
