import DistilleryCore
import Testing

/// The generation pipeline's requests (json_schema where the model takes it, else JSON mode plus the format in the
/// prompt) and its reading of answers (a parse error is a retryable content failure naming the JSON path).
struct GenerationPipelineTests {
    static func pipeline(jsonSchema: Bool, type: TemplateType = .qa, prompt: String = "Write {count} {difficulty} questions about {topic}.")
        throws -> GenerationPipeline
    {
        let stratum = Stratum(
            index: 0, values: ["topic": "billing", "difficulty": "easy"], descriptions: [:], weight: 1, quota: 10,
            label: "topic=billing · difficulty=easy")
        return GenerationPipeline(GenerationPipeline.Configuration(
            model: "m", type: type, systemPrompt: "You write support questions.", prompt: try PromptTemplate(prompt), strata: [stratum],
            capabilities: capabilities(jsonSchema),
            temperature: 0.9, limits: LadderSpec(initial: 2000, userCap: 8000, contextWindow: 0), seed: 7, createdAtUnixMs: 0))
    }

    static func capabilities(_ schema: Bool) -> TeacherCapabilities {
        TeacherCapabilities(supportsN: false, supportsSeed: true, returnsReasoning: false, supportsJSONObject: true, supportsJSONSchema: schema)
    }

    @Test("a model with structured output gets response_format json_schema with exactly count items; the prompt is left as written")
    func jsonSchemaRequest() throws {
        let pipeline = try Self.pipeline(jsonSchema: true)
        let request = try pipeline.request(for: GenerationCall(stratum: 0, firstIndex: 11, count: 4))
        #expect(request.request.userPrompt == "Write 4 easy questions about billing.")
        #expect(request.request.systemPrompt == "You write support questions.")
        #expect(request.expectsJSON)
        let body = try SynthesisJSON.parse(request.request.jsonBody(capabilities: Self.capabilities(true)))
        #expect(body["response_format"]?["type"]?.stringValue == "json_schema")
        #expect(body["response_format"]?["json_schema"]?["schema"] == TemplateType.qa.responseSchema(count: 4))
    }

    @Test("a model without structured output gets JSON mode and the format spelled out after the prompt")
    func jsonObjectRequest() throws {
        let pipeline = try Self.pipeline(jsonSchema: false)
        let request = try pipeline.request(for: GenerationCall(stratum: 0, firstIndex: 1, count: 3))
        #expect(request.request.userPrompt == "Write 3 easy questions about billing.\n\n" + TemplateType.qa.formatInstruction(count: 3))
        let body = try SynthesisJSON.parse(request.request.jsonBody(capabilities: Self.capabilities(false)))
        #expect(body["response_format"]?["type"]?.stringValue == "json_object")
    }

    @Test("a transform call writes its input row into {input}")
    func transformInput() throws {
        let pipeline = try Self.pipeline(jsonSchema: true, type: .transform, prompt: "Summarise: {input}")
        let request = try pipeline.request(for: GenerationCall(stratum: 0, firstIndex: 1, count: 1, input: "a long text", sourceRow: 0))
        #expect(request.request.userPrompt == "Summarise: a long text")
    }

    @Test("an answer that parses becomes the call's items; one that does not is a retryable failure naming the path")
    func acceptingAnswers() throws {
        let pipeline = try Self.pipeline(jsonSchema: true)
        let call = GenerationCall(stratum: 0, firstIndex: 1, count: 1)
        let request = try pipeline.request(for: call)
        let usage = RequestUsage(promptTokens: 1, completionTokens: 1, limit: 2000, costUSD: 0)
        var progress = pipeline.begin(call)
        let good = ChatCompletionResult(candidates: [TeacherCandidate(content: #"{"items":[{"question":"q?","answer":"a."}]}"#, finishReason: "stop")])
        #expect(pipeline.accept(good, usage: usage, to: request, item: call, progress: &progress) == nil)
        #expect(progress == [.qa(question: "q?", answer: "a.")])
        guard case .finish(let outputs, let followUps) = pipeline.next(call, progress) else {
            Issue.record("a parsed call finishes")
            return
        }
        #expect(outputs.map(\.item) == [.qa(question: "q?", answer: "a.")])
        #expect(followUps.isEmpty)

        var empty = pipeline.begin(call)
        let missing = ChatCompletionResult(candidates: [TeacherCandidate(content: #"{"items":[{"question":"q?"}]}"#, finishReason: "stop")])
        let failure = pipeline.accept(missing, usage: usage, to: request, item: call, progress: &empty)
        #expect(failure?.failureClass == .unparseableItems)
        #expect(failure?.failureClass.isRetryable == true)
        #expect(failure?.message.contains("$.items[0].answer") == true)
        #expect(empty == nil)
    }
}
