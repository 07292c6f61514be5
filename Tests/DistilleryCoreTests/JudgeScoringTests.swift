import DistilleryCore
import Testing

struct JudgeDimensionsReaderTests {
    @Test func theTextareaReadsOneDimensionALineSkippingBlanksAndComments() throws {
        let text = """
            # our own dimensions
            cites_policy | Cites the policy | pass/fail | The answer names the refund policy it applies

            warmth | Warm tone | 1-5 | The answer sounds friendly | 5 warm and personal, 1 curt
            """
        let dimensions = try JudgeDimensionsReader.read(lines: text)
        #expect(dimensions == [
            JudgeDimension(id: "cites_policy", title: "Cites the policy", description: "The answer names the refund policy it applies", rubric: .passFail),
            JudgeDimension(
                id: "warmth", title: "Warm tone", description: "The answer sounds friendly", rubricText: "5 warm and personal, 1 curt", rubric: .scale),
        ])
    }

    @Test(arguments: [
        ("a | b | 1-5", "custom line 1", "this line has 3 field(s)"),
        ("ok | T | 1-5 | d\nBad Id | T | 1-5 | d", "custom line 2", "must be 1–40 of a-z"),
        ("x | T | 1-10 | d", "custom line 1", "The rubric must be 1-5 or pass/fail; got \"1-10\""),
        ("x |  | 1-5 | d", "custom line 1", "The title must be"),
        ("x | T | pass/fail | ", "custom line 1", "The description"),
        ("\n\nx | T | 1-5 | d | e | f", "custom line 3", "this line has 6 field(s)"),
    ])
    func aBadLineIsAnErrorNamingIt(text: String, path: String, message: String) {
        #expect {
            try JudgeDimensionsReader.read(lines: text)
        } throws: { error in
            guard let error = error as? JudgeDimensionsError else { return false }
            return error.path == path && error.message.contains(message)
        }
    }

    @Test func jsonObjectsReadWithErrorsNamingTheirPath() throws {
        let good = try SynthesisJSON.parse(#"[{"id": "tone", "title": "Tone", "rubric": "scale", "description": "Friendly", "rubric_text": "5 best"}]"#)
        #expect(try JudgeDimensionsReader.read(json: good) == [
            JudgeDimension(id: "tone", title: "Tone", description: "Friendly", rubricText: "5 best", rubric: .scale)
        ])
        let cases: [(String, String)] = [
            (#"{"id": "x"}"#, "custom"),
            (#"[{"id": "ok", "title": "T", "rubric": "pass_fail", "description": "d"}, 3]"#, "custom[1]"),
            (#"[{"id": "ok", "title": "T", "rubric": "sometimes", "description": "d"}]"#, "custom[0].rubric"),
            (#"[{"id": "ok", "title": "T", "rubric": "1-5"}]"#, "custom[0].description"),
            (#"[{"id": 7, "title": "T", "rubric": "1-5", "description": "d"}]"#, "custom[0].id"),
            (#"[{"id": "ok", "title": "T", "rubric": "1-5", "description": "d", "weight": 2}]"#, "custom[0].weight"),
        ]
        for (text, path) in cases {
            #expect {
                try JudgeDimensionsReader.read(json: try SynthesisJSON.parse(text))
            } throws: { ($0 as? JudgeDimensionsError)?.path == path }
        }
    }

    @Test func selectingKeepsBuiltInsThenCustomAndRefusesUnknownTwiceNoneAndTooMany() throws {
        let tone = JudgeDimension(id: "tone", title: "Tone", description: "d", rubric: .scale)
        #expect(try JudgeDimensionsReader.select(builtIns: ["safe", "correct"], custom: [tone]).map(\.id) == ["safe", "correct", "tone"])
        let many = (1...7).map { JudgeDimension(id: "d\($0)", title: "D", description: "d", rubric: .scale) }
        let refusals: [([String], [JudgeDimension], String, String)] = [
            (["nonsense"], [], "dimensions[0]", "Unknown dimension \"nonsense\""),
            (["safe"], [JudgeDimension(id: "safe", title: "S", description: "d", rubric: .scale)], "dimensions", "chosen twice"),
            ([], [], "dimensions", "at least one"),
            (["safe", "correct"], many, "dimensions", "At most 8 dimensions"),
        ]
        for (ids, custom, path, message) in refusals {
            #expect {
                try JudgeDimensionsReader.select(builtIns: ids, custom: custom)
            } throws: { error in
                guard let error = error as? JudgeDimensionsError else { return false }
                return error.path == path && error.message.contains(message)
            }
        }
    }
}

struct ScoringVerdictParserTests {
    static let dimensions = [JudgeDimension.correct, JudgeDimension.safe]

    @Test(arguments: [
        (#"{"correct": {"reasoning": "Right.", "score": 5}, "safe": {"reasoning": "Fine.", "score": "pass"}}"#, [5, 1]),
        (#"{"correct": {"reasoning": "Wrong sum.", "score": 1}, "safe": {"reasoning": "Harmful.", "score": "FAIL"}}"#, [1, 0]),
        (#"{"correct": {"reasoning": "r", "score": 3}, "safe": {"reasoning": "r", "score": true}}"#, [3, 1]),
        (#"{"correct": {"reasoning": "r", "score": 2.0}, "safe": {"reasoning": "r", "score": false}}"#, [2, 0]),
        ("<think>weighing it</think>\n```json\n{\"correct\": {\"reasoning\": \"r\", \"score\": 4}, \"safe\": {\"reasoning\": \"r\", \"score\": \"pass\"}}\n```", [4, 1]),
    ])
    func aWellFormedVerdictGivesEveryDimensionItsScore(answer: String, scores: [Int]) throws {
        let verdicts = try ScoringVerdictParser.parse(answer, dimensions: Self.dimensions).get()
        #expect(verdicts.map(\.score) == scores)
        #expect(verdicts.map(\.dimension) == ["correct", "safe"])
        #expect(verdicts.map(\.rubric) == [.scale, .passFail])
        #expect(verdicts.allSatisfy { !$0.reasoning.isEmpty })
    }

    @Test(arguments: [
        "I think the answer is quite good.",
        #"{"correct": {"reasoning": "r", "score": 4}}"#,
        #"{"correct": {"reasoning": "r", "score": 4.5}, "safe": {"reasoning": "r", "score": "pass"}}"#,
        #"{"correct": {"reasoning": "r", "score": "4"}, "safe": {"reasoning": "r", "score": "pass"}}"#,
        #"{"correct": {"reasoning": "r", "score": 7}, "safe": {"reasoning": "r", "score": "pass"}}"#,
        #"{"correct": {"reasoning": "r", "score": 0}, "safe": {"reasoning": "r", "score": "pass"}}"#,
        #"{"correct": {"reasoning": "r", "score": 4}, "safe": {"reasoning": "r", "score": "maybe"}}"#,
        #"{"correct": {"reasoning": "r", "score": 4}, "safe": {"reasoning": "r", "score": 1}}"#,
        #"{"correct": {"score": 4}, "safe": {"reasoning": "r", "score": "pass"}}"#,
        #"{"correct": 4, "safe": {"reasoning": "r", "score": "pass"}}"#,
        #"{"correct": {"reasoning": "r", "score": 4}, "safe": {"reasoning": "r", "score": "pa"#,
    ])
    func anythingElseIsJudgeUnparseableNeverAGuess(answer: String) {
        guard case .failure(let failure) = ScoringVerdictParser.parse(answer, dimensions: Self.dimensions) else {
            Issue.record("parsed: \(answer)")
            return
        }
        #expect(failure.failureClass == .judgeUnparseable)
    }
}

struct ScoringPromptTests {
    static let row = #"{"messages":[{"role":"system","content":"You are a florist."},{"role":"user","content":"Roses for a funeral?"},{"role":"assistant","content":"White lilies are kinder."},{"role":"user","content":"And for a wedding?"},{"role":"assistant","content":"Peonies."}]}"#

    @Test func theAnswerIsTheLastAssistantTurnAndTheRestIsTheConversation() throws {
        let conversation = try #require(ScoredConversation.parse(rowJSON: Self.row))
        #expect(conversation.systemPrompt == "You are a florist.")
        #expect(conversation.answer == "Peonies.")
        #expect(conversation.turns.map(\.content) == ["Roses for a funeral?", "White lilies are kinder.", "And for a wedding?"])
        #expect(ScoredConversation.parse(rowJSON: #"{"messages":[{"role":"user","content":"hi"}]}"#) == nil)
    }

    @Test func thePromptAsksForReasoningFirstThenTheScoreForEveryDimension() throws {
        let custom = JudgeDimension(id: "cites_policy", title: "Cites the policy", description: "Names it", rubricText: "pass if named", rubric: .passFail)
        let prompt = ScoringPrompt(conversation: try #require(ScoredConversation.parse(rowJSON: Self.row)), dimensions: [.correct, custom])
        let request = prompt.request(model: "judge-1", maxNewTokens: 600)
        #expect(request.messages.first?.content == ScoringPrompt.systemPrompt)
        #expect(ScoringPrompt.systemPrompt.contains("reasoning first, then the score"))
        let user = prompt.userPrompt
        for needle in ["You are a florist.", "Roses for a funeral?", "<answer>\nPeonies.\n</answer>", #"<dimension id="correct" scale="1-5">"#,
                       #"<dimension id="cites_policy" scale="pass/fail">"#, "Rubric: pass if named", "its reasoning first and its score after it"] {
            #expect(user.contains(needle), "missing \(needle)")
        }
        #expect(request.sampling.temperature == 0)
        #expect(request.sampling.maxNewTokens == 600)
        // The schema lists, per dimension, reasoning before score, both required.
        let schema = try #require(request.sampling.jsonSchema)
        #expect(schema.name == "judge_scores")
        let correct = try #require(schema.schema["properties"]?["correct"])
        guard case .object(let members)? = correct["properties"] else { Issue.record("no properties"); return }
        #expect(members.map(\.key) == ["reasoning", "score"])
        #expect(correct["required"] == ["reasoning", "score"])
        #expect(schema.schema["properties"]?["cites_policy"]?["properties"]?["score"]?["enum"] == ["pass", "fail"])
        #expect(schema.schema["required"] == ["correct", "cites_policy"])
    }
}

struct LengthBiasTests {
    // Expected r computed independently (Python's statistics.correlation), not by the code under test.
    @Test(arguments: [
        ([1, 2, 3, 4, 5], [10, 20, 30, 40, 50], 1.0),
        ([5, 4, 3, 2, 1], [10, 20, 30, 40, 50], -1.0),
        ([1, 2, 3, 4, 5], [20, 10, 30, 50, 40], 0.8),
        ([1, 5, 1, 5, 3], [100, 100, 200, 200, 150], 0.0),
        ([1, 2, 2, 3, 5], [10, 40, 20, 30, 50], 0.834057656228299),
        ([2, 5, 3, 4, 1, 5, 2], [120, 900, 300, 400, 80, 700, 350], 0.910786167364974),
    ])
    func theFigureIsPearsonsRBetweenScoreAndLength(scores: [Int], lengths: [Int], expected: Double) throws {
        let r = try #require(LengthBias.correlation(zip(scores, lengths).map { (score: $0, length: $1) }))
        #expect(abs(r - expected) < 1e-9)
    }

    @Test func tooFewRowsOrNoVariationGiveNoFigure() {
        #expect(LengthBias.correlation([(1, 10), (2, 20), (3, 30), (4, 40)]) == nil)
        #expect(LengthBias.correlation([(3, 10), (3, 20), (3, 30), (3, 40), (3, 50)]) == nil)
        #expect(LengthBias.correlation([(1, 10), (2, 10), (3, 10), (4, 10), (5, 10)]) == nil)
    }

    @Test(arguments: [(0.3, true), (-0.3, true), (0.29, false), (-0.29, false), (0.91, true), (0.0, false)])
    func aWarningAtOrAboveTheThreshold(r: Double, warns: Bool) {
        #expect((LengthBias.warning(dimensionTitle: "Correct", r: r) != nil) == warns)
    }

    @Test(arguments: [(0.834, "0.83"), (-0.31, "-0.31"), (0.05, "0.05"), (1.0, "1.00"), (-0.001, "0.00")])
    func rReadsWithTwoDecimals(r: Double, text: String) {
        #expect(LengthBias.format(r) == text)
    }
}
