import Testing
@testable import DistilleryCore

@Test func responseSchemaAsksForExactlyCountStrictItems() {
    let schema = TemplateType.qa.responseSchema(count: 5)
    let expected =
        #"{"type":"object","properties":{"items":{"type":"array","minItems":5,"maxItems":5,"items":{"type":"object","#
        + #""properties":{"question":{"type":"string"},"answer":{"type":"string"}},"required":["question","answer"],"#
        + #""additionalProperties":false}}},"required":["items"],"additionalProperties":false}"#
    #expect(schema.serialized == expected)
    let turn = TemplateType.dialogue.responseSchema(count: 2)["properties"]?["items"]?["items"]?["properties"]?["turns"]
    #expect(turn?["items"]?["properties"]?["role"]?["enum"] == ["user", "assistant"])
    #expect(turn?["items"]?["additionalProperties"] == false)
    #expect(TemplateType.prompts.responseFormat(count: 3).name == "distillery_prompts_items")
}

/// The schema goes out as `response_format` where the model supports it (through the existing request body).
@Test func responseFormatTravelsInTheRequestBody() throws {
    let request = ChatCompletionRequest(
        model: "m", systemPrompt: nil, userPrompt: "p", sampling: SamplingSettings(jsonSchema: TemplateType.transform.responseFormat(count: 1)))
    let body = try SynthesisJSON.parse(request.jsonBody(capabilities: TeacherCapabilities(supportsN: false, supportsSeed: false, returnsReasoning: false, supportsJSONSchema: true)))
    #expect(body["response_format"]?["json_schema"]?["schema"] == TemplateType.transform.responseSchema(count: 1))
}

@Test(arguments: [
    (TemplateType.prompts, 1, #"Answer with a JSON object {"items": [...]} holding exactly 1 item, each {"prompt": "…"}. Write nothing outside the JSON object."#),
    (.qa, 5, #"Answer with a JSON object {"items": [...]} holding exactly 5 items, each {"question": "…", "answer": "…"}. Write nothing outside the JSON object."#),
    (.transform, 2, #"Answer with a JSON object {"items": [...]} holding exactly 2 items, each {"output": "…"}. Write nothing outside the JSON object."#),
    (.dialogue, 3,
     #"Answer with a JSON object {"items": [...]} holding exactly 3 items, each {"turns": [{"role": "user", "content": "…"}, {"role": "assistant", "content": "…"}, …]}. Each dialogue starts with a user turn, alternates, and ends with an assistant turn. Write nothing outside the JSON object."#),
])
func formatInstructionSpellsOutTheItems(type: TemplateType, count: Int, expected: String) {
    #expect(type.formatInstruction(count: count) == expected)
}

@Test func typesSayWhatTheyNeedAndProduce() {
    #expect(TemplateType.allCases.filter(\.producesSeeds) == [.prompts])
    #expect(TemplateType.allCases.filter(\.needsInputDataset) == [.transform])
    #expect(TemplateType.allCases.map(\.title) == ["Prompts", "Questions and answers", "Dialogue", "Transform"])
}

@Test(arguments: [
    (GeneratedItem.prompt("Explain \"DNS\"."), String?("sys"), String?("ignored"), #"{"input":"Explain \"DNS\"."}"#, "Explain \"DNS\"."),
    (.qa(question: "Q?", answer: "A."), "Be brief.", nil,
     #"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Q?"},{"role":"assistant","content":"A."}]}"#, "Q?"),
    (.qa(question: "Q?", answer: "A."), "", nil, #"{"messages":[{"role":"user","content":"Q?"},{"role":"assistant","content":"A."}]}"#, "Q?"),
    (.dialogue([
        DialogueTurn(role: "user", content: "Hi"), DialogueTurn(role: "assistant", content: "Yo"),
        DialogueTurn(role: "user", content: "Bye"), DialogueTurn(role: "assistant", content: "Ciao"),
    ]), nil, nil,
     #"{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Yo"},{"role":"user","content":"Bye"},{"role":"assistant","content":"Ciao"}]}"#,
     "Hi"),
    (.transform(output: "Kurz."), "Summarise.", "A long text\nwith lines.",
     #"{"messages":[{"role":"system","content":"Summarise."},{"role":"user","content":"A long text\nwith lines."},{"role":"assistant","content":"Kurz."}]}"#,
     "Kurz."),
])
func itemsBecomeDatasetLines(item: GeneratedItem, system: String?, input: String?, line: String, duplicateKey: String) {
    #expect(item.datasetLine(system: system, input: input) == line)
    #expect(item.duplicateKey == duplicateKey)
}
