import DistilleryCore
import Testing

struct SynthesisChatTests {
    static let full = TeacherCapabilities(supportsN: true, supportsSeed: true, returnsReasoning: true)
    static let minimal = TeacherCapabilities(supportsN: false, supportsSeed: false, returnsReasoning: false)

    @Test func requestBodyCarriesEverySetting() {
        let request = ChatCompletionRequest(
            model: "deepseek-chat", systemPrompt: "Be \"terse\".", userPrompt: "Hi\nthere",
            sampling: SamplingSettings(temperature: 0.7, maxNewTokens: 512, seed: 42), candidateCount: 3)
        #expect(request.jsonBody(capabilities: Self.full) == """
            {"model":"deepseek-chat","messages":[{"role":"system","content":"Be \\"terse\\"."},{"role":"user","content":"Hi\\nthere"}],"temperature":0.7,"max_tokens":512,"seed":42,"n":3,"stream":false}
            """)
    }

    @Test func unsupportedSeedAndSingleCandidateAreLeftOut() {
        let request = ChatCompletionRequest(
            model: "glm-4.5", systemPrompt: nil, userPrompt: "x", sampling: SamplingSettings(seed: 9))
        #expect(request.jsonBody(capabilities: Self.minimal) == """
            {"model":"glm-4.5","messages":[{"role":"user","content":"x"}],"stream":false}
            """)
        #expect(request.estimatedPromptTokens == TokenEstimator.estimate("x") + TokenEstimator.perMessageOverhead)
    }

    @Test func candidatePlanUsesNOrSeparateSeededCalls() {
        #expect(CandidatePlan.calls(candidates: 3, capabilities: Self.full, seed: 5).map(\.candidateCount) == [3])
        let separate = CandidatePlan.calls(candidates: 3, capabilities: Self.minimal, seed: 5)
        #expect(separate.map(\.candidateCount) == [1, 1, 1])
        #expect(separate.map(\.seed) == [5, 6, 7])
        #expect(separate.map(\.firstCandidateIndex) == [0, 1, 2])
        #expect(CandidatePlan.calls(candidates: 3, capabilities: Self.minimal, seed: nil).map(\.seed) == [nil, nil, nil])
        #expect(CandidatePlan.calls(candidates: 1, capabilities: Self.minimal, seed: 1).count == 1)
    }

    @Test func parsesChoicesUsageAndReasoning() throws {
        let body = """
            {"id":"x","model":"deepseek-reasoner","choices":[
              {"index":1,"message":{"role":"assistant","content":"B"},"finish_reason":"stop"},
              {"index":0,"message":{"role":"assistant","content":"A","reasoning_content":"think A"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}}
            """
        let result = try ChatCompletionParser.parse(Array(body.utf8)).get()
        #expect(result.candidates == [
            TeacherCandidate(content: "A", reasoning: "think A", finishReason: "stop"),
            TeacherCandidate(content: "B", reasoning: nil, finishReason: "stop"),
        ])
        #expect(result.promptTokens == 12)
        #expect(result.completionTokens == 34)
        #expect(result.model == "deepseek-reasoner")
    }

    @Test(arguments: [
        ("<html>", "JSON error: unexpected character at byte 0."),
        ("{\"choices\":[]}", "No \"choices\" array."),
        ("{\"object\":\"chat.completion\"}", "No \"choices\" array."),
        ("{\"choices\":[{\"finish_reason\":\"stop\"}]}", "choices[0] has no \"message\"."),
        ("{\"choices\":[{\"message\":{\"content\":7}}]}", "choices[0].message.content is not a string."),
        ("{\"error\":{\"message\":\"upstream overloaded\"}}", "The body held an error: \"upstream overloaded\""),
        ("{\"choices\":[{\"message\":{\"content\":\"cut", "JSON error: unterminated string at byte 38."),
    ])
    func malformedBodiesAreMalformed(body: String, detail: String) {
        guard case .failure(let failure) = ChatCompletionParser.parse(Array(body.utf8)) else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.failureClass == .malformedBody)
        #expect(failure.message == FailureClass.malformedBody.summary + " " + detail)
    }

    @Test(arguments: [
        // content, reasoning_content, finish_reason, mode, expected answer or failure code
        ("The answer.", nil, "stop", ReasoningMode.answerOnly, "The answer."),
        ("  padded \n", nil, "stop", .answerOnly, "padded"),
        ("<think>step 1</think>\n\nFinal.", nil, "stop", .answerOnly, "Final."),
        ("<think>step 1</think>\n\nFinal.", nil, "stop", .keepAsThinkBlock, "<think>step 1</think>\nFinal."),
        ("step 1\n</think>\nFinal.", nil, "stop", .answerOnly, "Final."),
        ("Final.", "separate reasoning", "stop", .keepAsThinkBlock, "<think>separate reasoning</think>\nFinal."),
        ("Final.", "separate reasoning", "stop", .answerOnly, "Final."),
        ("Final.", "", "stop", .keepAsThinkBlock, "Final."),
        ("", nil, "stop", .answerOnly, "empty_answer"),
        (" \n\t ", nil, "stop", .answerOnly, "empty_answer"),
        ("<think>only thinking</think>", nil, "stop", .answerOnly, "empty_answer"),
        ("", "long reasoning", "stop", .keepAsThinkBlock, "empty_answer"),
        ("<think>ran out of tok", nil, "length", .answerOnly, "truncated_answer"),
        ("A long answer that stops mid", nil, "length", .answerOnly, "truncated_answer"),
        ("partial", nil, "content_filter", .answerOnly, "empty_answer"),
        ("No finish reason given.", nil, nil, .answerOnly, "No finish reason given."),
    ] as [(String, String?, String?, ReasoningMode, String)])
    func answersAreExtractedOrRejected(content: String, reasoning: String?, finish: String?, mode: ReasoningMode, expected: String) {
        let candidate = TeacherCandidate(content: content, reasoning: reasoning, finishReason: finish)
        switch AnswerExtraction.finalAnswer(candidate, mode: mode) {
        case .success(let answer): #expect(answer == expected)
        case .failure(let failure): #expect(failure.code == expected)
        }
    }
}
