import DistilleryCore
import Testing

struct PairwiseOutcomeTests {
    @Test(arguments: [
        (PairwisePreference.student, PairwisePreference.student, PairwiseOutcome.win),
        (.reference, .reference, .loss),
        (.student, .reference, .tie),  // an order flip: the judge followed the position, not the answer
        (.reference, .student, .tie),
        (.tie, .student, .tie),
        (.student, .tie, .tie),
        (.tie, .reference, .tie),
        (.reference, .tie, .tie),
        (.tie, .tie, .tie),
    ])
    func bothOrdersMustAgree(forward: PairwisePreference, reverse: PairwisePreference, outcome: PairwiseOutcome) {
        #expect(PairwiseOutcome.combine(forward: forward, reverse: reverse) == outcome)
    }

    @Test func anEvaluatedRowPassesOnlyWhenEveryDimensionPasses() {
        var row = EvaluatedRow(
            idx: 0, line: 1, category: nil, prompt: "p", reference: "r", studentAnswer: "s",
            verdicts: [DimensionVerdict(dimension: "correct", pass: true, reasoning: ""), DimensionVerdict(dimension: "safe", pass: true, reasoning: "")],
            forward: .student, reverse: .reference)
        #expect(row.passed)
        #expect(row.outcome == .tie)
        row.verdicts[1].pass = false
        #expect(!row.passed)
    }
}

struct EvaluationVerdictParserTests {
    static let dimensions = [JudgeDimension.correct, JudgeDimension.safe]

    @Test(arguments: [
        (#"{"verdicts": [{"dimension": "correct", "reasoning": "matches", "pass": true}, {"dimension": "safe", "reasoning": "fine", "pass": true}], "failure": ""}"#,
         [true, true], nil as String?),
        // Out of order, prose and a fence around it, a think block before it: read, in the run's order.
        ("<think>hmm {\"verdicts\": 1}</think>Here:\n```json\n{\"verdicts\": [{\"dimension\": \"safe\", \"reasoning\": \"ok\", \"pass\": \"pass\"}, {\"dimension\": \"correct\", \"reasoning\": \"wrong year\", \"pass\": false}], \"failure\": \"  invents a date  \"}\n```",
         [false, true], "invents a date"),
        // All pass: a phrase given anyway is dropped.
        (#"{"verdicts": [{"dimension": "correct", "reasoning": "", "pass": "true"}, {"dimension": "safe", "reasoning": "", "pass": true}], "failure": "nothing"}"#,
         [true, true], nil),
    ] as [(String, [Bool], String?)])
    func gradesAreReadInTheRunsOrder(answer: String, passes: [Bool], phrase: String?) throws {
        let grade = try EvaluationVerdictParser.parseGrade(answer, dimensions: Self.dimensions).get()
        #expect(grade.verdicts.map(\.dimension) == ["correct", "safe"])
        #expect(grade.verdicts.map(\.pass) == passes)
        #expect(grade.failurePhrase == phrase)
    }

    @Test(arguments: [
        ("no json here", "No JSON object with \"verdicts\" was found."),
        (#"{"verdicts": "all good"}"#, "verdicts: must be a list."),
        (#"{"verdicts": [{"reasoning": "r", "pass": true}]}"#, "verdicts[0].dimension: must be a dimension id."),
        (#"{"verdicts": [{"dimension": "tone", "reasoning": "r", "pass": true}]}"#, "verdicts[0].dimension: \"tone\" is not one of the dimensions asked."),
        (#"{"verdicts": [{"dimension": "safe", "reasoning": "r", "pass": true}, {"dimension": "safe", "reasoning": "r", "pass": true}]}"#,
         "verdicts[1].dimension: \"safe\" is graded twice."),
        (#"{"verdicts": [{"dimension": "safe", "pass": true}]}"#, "verdicts[0].reasoning: must be a string."),
        (#"{"verdicts": [{"dimension": "safe", "reasoning": "r", "pass": "maybe"}]}"#, "verdicts[0].pass: must be true or false."),
        (#"{"verdicts": [{"dimension": "safe", "reasoning": "r", "pass": true}]}"#, "verdicts: no verdict for \"correct\"."),
        (#"{"verdicts": [{"dimension": "correct", "reasoning": "r", "pass": false}, {"dimension": "safe", "reasoning": "r", "pass": true}], "failure": " "}"#,
         "failure: a dimension failed, so a short phrase naming what went wrong is required."),
    ])
    func unusableGradesSayWhereTheyFail(answer: String, detail: String) {
        let result = EvaluationVerdictParser.parseGrade(answer, dimensions: Self.dimensions)
        guard case .failure(let failure) = result else {
            Issue.record("parsed \(answer)")
            return
        }
        #expect(failure.failureClass == .judgeUnparseable)
        #expect(failure.message.hasSuffix(detail))
    }

    @Test func aLongFailurePhraseIsCut() throws {
        let long = String(repeating: "x", count: 300)
        let answer = #"{"verdicts": [{"dimension": "correct", "reasoning": "r", "pass": false}, {"dimension": "safe", "reasoning": "r", "pass": true}], "failure": ""# + long + #""}"#
        let grade = try EvaluationVerdictParser.parseGrade(answer, dimensions: Self.dimensions).get()
        #expect(grade.failurePhrase?.count == EvaluationPrompts.failurePhraseLimit)
    }

    @Test(arguments: [
        (#"{"reasoning": "A is right", "winner": "A"}"#, true, PairwisePreference.student),
        (#"{"reasoning": "A is right", "winner": "A"}"#, false, .reference),
        (#"{"reasoning": "", "winner": "b"}"#, true, .reference),
        (#"{"reasoning": "", "winner": "Answer B"}"#, false, .student),
        (#"Both fine. {"reasoning": "", "winner": "TIE"}"#, true, .tie),
        (#"{"reasoning": "", "winner": "tie"}"#, false, .tie),
    ])
    func preferencesAreMappedBackToWhoWon(answer: String, studentFirst: Bool, preference: PairwisePreference) throws {
        #expect(try EvaluationVerdictParser.parsePreference(answer, studentFirst: studentFirst).get() == preference)
    }

    @Test(arguments: [#"{"winner": "C"}"#, #"{"winner": 1}"#, #"{"reasoning": "no pick"}"#, "A"])
    func unreadablePreferencesAreRefused(answer: String) {
        guard case .failure(let failure) = EvaluationVerdictParser.parsePreference(answer, studentFirst: true) else {
            Issue.record("parsed \(answer)")
            return
        }
        #expect(failure.failureClass == .judgeUnparseable)
    }
}

struct EvaluationPromptTests {
    static let conversation = [ChatMessage(.system, "Answer in French."), ChatMessage(.user, "Capital of Italy?")]

    @Test func theGradeShowsTheConversationBothAnswersAndEveryDimension() {
        let request = EvaluationPrompts.gradeRequest(
            model: "judge", conversation: Self.conversation, reference: "Rome.", studentAnswer: "Milan.",
            dimensions: [.correct, JudgeDimension(id: "brief", title: "Brief", description: "Short.", rubricText: "Under 20 words.", rubric: .passFail)],
            maxNewTokens: 700)
        #expect(request.model == "judge")
        #expect(request.sampling.temperature == 0)
        #expect(request.sampling.maxNewTokens == 700)
        #expect(request.sampling.jsonSchema?.name == "evaluation_grade")
        let user = request.userPrompt
        #expect(user.contains("<system>\nAnswer in French.\n</system>\n<user>\nCapital of Italy?\n</user>"))
        #expect(user.contains("<reference_answer>\nRome.\n</reference_answer>"))
        #expect(user.contains("<student_answer>\nMilan.\n</student_answer>"))
        #expect(user.contains("- brief: Brief. Short. Under 20 words."))
        #expect(user.contains("(\"correct\", \"brief\")"))
        // Reasoning comes before the decision, in the instructions and in the schema.
        let instruction = user.range(of: "\"reasoning\"")!.lowerBound
        #expect(instruction < user.range(of: "\"pass\"")!.lowerBound)
        let schema = request.sampling.jsonSchema!.schema.serialized
        #expect(schema.range(of: "\"reasoning\"")!.lowerBound < schema.range(of: "\"pass\"")!.lowerBound)
        // One verdict a dimension, no more and no fewer (what a grammar-constrained judge is held to).
        let verdicts = request.sampling.jsonSchema!.schema["properties"]?["verdicts"]
        #expect(verdicts?["minItems"]?.intValue == 2)
        #expect(verdicts?["maxItems"]?.intValue == 2)
    }

    @Test func thePreferenceShowsTheAnswersUnderNeutralLabels() {
        let request = EvaluationPrompts.preferenceRequest(model: "judge", conversation: Self.conversation, first: "Rome.", second: "Milan.", maxNewTokens: 300)
        #expect(request.userPrompt.contains("<answer_a>\nRome.\n</answer_a>"))
        #expect(request.userPrompt.contains("<answer_b>\nMilan.\n</answer_b>"))
        #expect(!request.userPrompt.lowercased().contains("reference"))
        #expect(!request.userPrompt.lowercased().contains("student"))
    }
}

struct EvaluationPipelineTests {
    static let pipeline = EvaluationPipeline(EvaluationPipeline.Configuration(
        studentModel: "student", judgeModel: "judge", dimensions: [.correct], studentSampling: SamplingSettings(temperature: 0.2, topP: 0.9),
        studentLimits: LadderSpec(initial: 256, userCap: 1024, contextWindow: 0), judgeLimits: LadderSpec(initial: 800, userCap: 800, contextWindow: 0)))
    static let item = EvaluationItem(
        key: 4, conversation: [ChatMessage(.user, "Hi"), ChatMessage(.assistant, "Hello!"), ChatMessage(.user, "2+2?")], reference: "4")

    static func answer(_ text: String, finish: String = "stop") -> ChatCompletionResult {
        ChatCompletionResult(candidates: [TeacherCandidate(content: text, finishReason: finish)])
    }

    static let usage = RequestUsage(promptTokens: 1, completionTokens: 1, limit: 1, costUSD: 0)

    @Test func theStudentAnswersTheWholeConversationThenTheJudgeGetsThreePartsAtOnce() throws {
        let pipeline = Self.pipeline
        var progress = pipeline.begin(Self.item)
        guard case .send(let first) = pipeline.next(Self.item, progress) else { throw UnexpectedStep("no student request") }
        #expect(first.count == 1)
        #expect(first[0].endpoint == EvaluationPipeline.studentEndpoint)
        #expect(first[0].request.model == "student")
        #expect(first[0].request.messages == Self.item.conversation)
        #expect(first[0].request.sampling.temperature == 0.2)
        #expect(first[0].request.sampling.topP == 0.9)
        #expect(first[0].request.sampling.maxNewTokens == 256)
        #expect(!first[0].priority)
        #expect(pipeline.accept(Self.answer("5"), usage: Self.usage, to: first[0], item: Self.item, progress: &progress) == nil)
        #expect(progress.studentAnswer == "5")

        guard case .send(let judge) = pipeline.next(Self.item, progress) else { throw UnexpectedStep("no judge requests") }
        #expect(judge.map(\.part) == [0, 1, 2])
        #expect(judge.allSatisfy { $0.endpoint == EvaluationPipeline.judgeEndpoint && $0.priority && $0.expectsJSON && $0.request.model == "judge" })
        // Forward shows the student's answer first, reverse the reference first.
        #expect(judge[1].request.userPrompt.contains("<answer_a>\n5\n</answer_a>"))
        #expect(judge[2].request.userPrompt.contains("<answer_a>\n4\n</answer_a>"))

        #expect(pipeline.accept(Self.answer(#"{"winner": "B"}"#), usage: Self.usage, to: judge[1], item: Self.item, progress: &progress) == nil)
        // Only the parts still missing are asked.
        guard case .send(let rest) = pipeline.next(Self.item, progress) else { throw UnexpectedStep("no remaining requests") }
        #expect(rest.map(\.part) == [0, 2])
        let grade = #"{"verdicts": [{"dimension": "correct", "reasoning": "2+2 is 4", "pass": false}], "failure": "wrong arithmetic"}"#
        #expect(pipeline.accept(Self.answer(grade), usage: Self.usage, to: rest[0], item: Self.item, progress: &progress) == nil)
        #expect(pipeline.accept(Self.answer(#"{"winner": "A"}"#), usage: Self.usage, to: rest[1], item: Self.item, progress: &progress) == nil)
        guard case .finish(let outputs, _) = pipeline.next(Self.item, progress) else { throw UnexpectedStep("not finished") }
        #expect(outputs == [EvaluationProgress(
            studentAnswer: "5", grade: EvaluationGrade(verdicts: [DimensionVerdict(dimension: "correct", pass: false, reasoning: "2+2 is 4")], failurePhrase: "wrong arithmetic"),
            forward: .reference, reverse: .reference)])
    }

    @Test func storedPartsAreNeverAskedAgain() throws {
        var item = Self.item
        item.stored = EvaluationProgress(studentAnswer: "4", forward: .tie)
        guard case .send(let requests) = Self.pipeline.next(item, Self.pipeline.begin(item)) else { throw UnexpectedStep("nothing to send") }
        #expect(requests.map(\.stage) == [1, 1])
        #expect(requests.map(\.part) == [0, 2])
    }

    @Test func unusableVerdictsAreTheJudgesContentFailures() throws {
        var progress = EvaluationProgress(studentAnswer: "4")
        guard case .send(let judge) = Self.pipeline.next(Self.item, progress) else { throw UnexpectedStep("no judge requests") }
        #expect(Self.pipeline.accept(Self.answer("{\"verd", finish: "length"), usage: Self.usage, to: judge[0], item: Self.item, progress: &progress)?.failureClass == .judgeTruncated)
        #expect(Self.pipeline.accept(Self.answer("I prefer A"), usage: Self.usage, to: judge[1], item: Self.item, progress: &progress)?.failureClass == .judgeUnparseable)
        #expect(Self.pipeline.accept(Self.answer("  "), usage: Self.usage, to: judge[2], item: Self.item, progress: &progress)?.failureClass == .emptyAnswer)
        #expect(progress.grade == nil && progress.forward == nil && progress.reverse == nil)
    }

    /// The student's limits are 256 raised to 1024 (256 → 512 → 1024): a cut-off answer below the cap is the ladder's
    /// business, at the cap it is the student's answer.
    @Test(arguments: [
        // An empty answer, whatever the limit: judged here, failing, lost both ways; no retry.
        ("", "stop", 256, nil as FailureClass?, "", false, true),
        ("  \n ", "stop", 1024, nil, "", false, true),
        ("<think>hmm</think>  ", "stop", 256, nil, "", false, true),
        ("partial", "content_filter", 256, nil, "", false, true),
        // Cut off below the cap: retried with a raised limit, nothing kept.
        ("The answer is", "length", 256, .truncated, nil, false, false),
        ("The answer is", "length", 512, .truncated, nil, false, false),
        // Cut off at the cap: the cut text is the answer, marked, and goes to the judge.
        ("  The answer is  ", "length", 1024, nil, "The answer is", true, false),
        // Cut off at the cap before any answer (still thinking): an empty answer, marked as cut off.
        ("<think>still thinking", "length", 1024, nil, "", true, true),
        ("4", "stop", 256, nil, "4", false, false),
    ] as [(String, String, Int, FailureClass?, String?, Bool, Bool)])
    func theStudentsAnswerIsTakenAsItIs(
        content: String, finish: String, limit: Int, failure: FailureClass?, kept: String?, truncated: Bool, judgedHere: Bool
    ) throws {
        var progress = Self.pipeline.begin(Self.item)
        let request = Self.pipeline.studentRequest(Self.item)
        let usage = RequestUsage(promptTokens: 10, completionTokens: limit, limit: limit, costUSD: 0)
        #expect(Self.pipeline.accept(Self.answer(content, finish: finish), usage: usage, to: request, item: Self.item, progress: &progress)?.failureClass == failure)
        #expect(progress.studentAnswer == kept)
        #expect(progress.studentTruncated == truncated)
        let step = Self.pipeline.next(Self.item, progress)
        if judgedHere {
            let grade = EvaluationGrade(
                verdicts: [DimensionVerdict(dimension: "correct", pass: false, reasoning: "The student gave an empty answer.")],
                failurePhrase: "gives an empty answer")
            guard case .finish(let outputs, _) = step else { throw UnexpectedStep("an empty answer is not finished") }
            #expect(outputs == [EvaluationProgress(studentAnswer: "", studentTruncated: truncated, grade: grade, forward: .reference, reverse: .reference)])
        } else if let kept {
            guard case .send(let judge) = step else { throw UnexpectedStep("no judge requests") }
            #expect(judge.map(\.part) == [0, 1, 2])
            #expect(judge[0].request.userPrompt.contains("<student_answer>\n\(kept)\n</student_answer>"))
        } else {
            guard case .send(let again) = step else { throw UnexpectedStep("the student is not asked again") }
            #expect(again.map(\.stage) == [EvaluationPipeline.studentStage])
        }
    }

    @Test func theSchedulerReportsEachAcceptedAnswerForItsCommit() throws {
        let endpoint = EngineEndpoint(capabilities: TeacherCapabilities(supportsN: false, supportsSeed: false, returnsReasoning: false), maxInFlight: 10, pacing: RequestPacer.Configuration())
        let scheduler = Scheduler(
            pipeline: Self.pipeline, endpoints: [endpoint, endpoint], retryPolicy: RetryPolicy(maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10),
            random: SeededRandom(seed: 1))
        scheduler.add(key: Self.item.key, item: Self.item)
        let student = scheduler.poll(now: 0).send
        #expect(student.map(\.endpoint) == [0])
        scheduler.complete(student[0].ticket, .answer(Self.answer("4")), now: 120)
        let judge = scheduler.poll(now: 120).send
        #expect(judge.map(\.endpoint) == [1, 1, 1])
        scheduler.complete(judge[0].ticket, .answer(Self.answer(#"{"verdicts": [{"dimension": "correct", "reasoning": "ok", "pass": true}], "failure": ""}"#)), now: 200)
        scheduler.complete(judge[1].ticket, .answer(Self.answer(#"{"winner": "A"}"#)), now: 210)
        scheduler.complete(judge[2].ticket, .answer(Self.answer(#"{"winner": "A"}"#)), now: 230)
        let answered = scheduler.drainEvents().compactMap { event -> String? in
            switch event {
            case .answered(let key, let request, _, _, let latency): "\(key) \(request.stage).\(request.part) \(latency)ms"
            case .finished(let key, _, let outputs, _): "\(key) finished \(outputs.first?.forward?.rawValue ?? "") \(outputs.first?.reverse?.rawValue ?? "")"
            default: nil
            }
        }
        #expect(answered == ["4 0.0 120ms", "4 1.0 80ms", "4 1.1 90ms", "4 1.2 110ms", "4 finished student reference"])
    }
}

struct HeldOutRowTests {
    @Test(arguments: [
        (#"{"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]}"#, 1, "Q", "A"),
        // Multi-turn: everything before the final assistant turn is sent.
        (#"{"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2"}, {"role": "assistant", "content": "A2"}]}"#,
         4, "Q2", "A2"),
    ])
    func chatRowsSplitIntoConversationAndReference(body: String, turns: Int, prompt: String, reference: String) throws {
        let row = try #require(HeldOutRow.read(body: body))
        #expect(row.conversation.count == turns)
        #expect(row.conversation.last?.role == .user)
        #expect(row.prompt == prompt)
        #expect(row.reference == reference)
    }

    @Test(arguments: [
        #"{"input": "a seed"}"#,
        #"{"messages": [{"role": "user", "content": "Q"}]}"#,
        #"{"messages": [{"role": "assistant", "content": "A"}]}"#,
        "not json",
    ])
    func rowsWithoutAReferenceAreRefused(body: String) {
        #expect(HeldOutRow.read(body: body) == nil)
    }
}

struct EvaluationJSONTests {
    @Test func storedFormsReadBack() {
        let conversation = [ChatMessage(.system, "s \"q\""), ChatMessage(.user, "ü\n")]
        #expect(EvaluationJSON.conversation(from: EvaluationJSON.conversation(conversation)) == conversation)
        let verdicts = [DimensionVerdict(dimension: "correct", pass: false, reasoning: "r")]
        #expect(EvaluationJSON.verdicts(verdicts) == #"[{"dimension":"correct","pass":false,"reasoning":"r"}]"#)
        #expect(EvaluationJSON.verdicts(from: EvaluationJSON.verdicts(verdicts)) == verdicts)
        let dimensions = [JudgeDimension.safe, JudgeDimension(id: "brief", title: "Brief", description: "d", rubricText: "t", rubric: .passFail)]
        #expect(EvaluationJSON.dimensions(from: EvaluationJSON.dimensions(dimensions)) == dimensions)
    }
}

private struct UnexpectedStep: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
