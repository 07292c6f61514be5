import DistilleryCore
import Testing

/// The engine's retry decisions, table-driven: how far a truncated answer's limit is raised, what a
/// retry changes, and when a job stops early.
struct TokenLimitLadderTests {
    struct Case: Sendable, CustomStringConvertible {
        var initial: Int
        var userCap: Int
        var contextWindow: Int
        var prompt: Int
        /// The limits tried one after the other until the ladder ends.
        var expectedSteps: [Int]
        var boundByContext: Bool
        var description: String { "\(initial) cap \(userCap) ctx \(contextWindow) prompt \(prompt)" }
    }

    @Test(arguments: [
        Case(initial: 120, userCap: 480, contextWindow: 8192, prompt: 100, expectedSteps: [120, 240, 480], boundByContext: false),
        // Doubling stops at the cap, not past it.
        Case(initial: 120, userCap: 400, contextWindow: 8192, prompt: 100, expectedSteps: [120, 240, 400], boundByContext: false),
        // A cap at (or below) max new tokens means never raise.
        Case(initial: 300, userCap: 300, contextWindow: 8192, prompt: 100, expectedSteps: [300], boundByContext: false),
        Case(initial: 300, userCap: 100, contextWindow: 8192, prompt: 100, expectedSteps: [300], boundByContext: false),
        // The context window minus the prompt bounds the cap (2,048 − 1,500 = 548).
        Case(initial: 120, userCap: 4096, contextWindow: 2048, prompt: 1500, expectedSteps: [120, 240, 480, 548], boundByContext: true),
        // No room at all beyond max new tokens: the first limit is all there is.
        Case(initial: 500, userCap: 4096, contextWindow: 2048, prompt: 1900, expectedSteps: [500], boundByContext: true),
        // An unknown context window (0) does not bound it.
        Case(initial: 1000, userCap: 3000, contextWindow: 0, prompt: 100_000, expectedSteps: [1000, 2000, 3000], boundByContext: false),
    ])
    func raisesByDoublingUpToTheCap(_ row: Case) {
        let ladder = TokenLimitLadder(initial: row.initial, userCap: row.userCap, contextWindow: row.contextWindow, promptTokens: row.prompt)
        var steps = [ladder.initial]
        while let next = ladder.next(after: steps.last!) { steps.append(next) }
        #expect(steps == row.expectedSteps)
        #expect(ladder.steps(upTo: steps.last!) == row.expectedSteps)
        if case .contextWindow = ladder.bound { #expect(row.boundByContext) } else { #expect(!row.boundByContext) }
    }

    @Test func theSkipReasonSaysWhatWasTriedAndWhatToRaise() {
        let ladder = TokenLimitLadder(initial: 120, userCap: 480, contextWindow: 8192, promptTokens: 50)
        #expect(ladder.exhaustedDetail(at: 480) == "Truncated at 480 tokens after raising the limit 120 → 240 → 480; raise the cap (max tokens cap).")
        let judge = TokenLimitLadder(initial: 256, userCap: 256, contextWindow: 8192, promptTokens: 50)
        #expect(judge.exhaustedDetail(at: 256, advice: TokenLimitLadder.judgeAdvice) == "Truncated at 256 tokens; raise the judge's max tokens (or the cap).")
        let tight = TokenLimitLadder(initial: 120, userCap: 4096, contextWindow: 2048, promptTokens: 1500)
        #expect(tight.exhaustedDetail(at: 548).contains("context window (2048 tokens) leaves no more room"))
    }
}

struct RetryVariationTests {
    static let seeded = TeacherCapabilities(supportsN: false, supportsSeed: true, returnsReasoning: false, supportsJSONObject: true)
    static let plain = TeacherCapabilities(supportsN: false, supportsSeed: false, returnsReasoning: false)

    struct Case: Sendable, CustomStringConvertible {
        var failure: FailureClass
        var retry: Int
        var capabilities: TeacherCapabilities
        var expectsJSON: Bool
        var base: SamplingSettings
        var expected: SamplingSettings
        var description: String { "\(failure.code) retry \(retry)" }
    }

    @Test(arguments: [
        // A judge at temperature 0 gets a nudge, a new seed and JSON mode where the model has it.
        Case(failure: .judgeUnparseable, retry: 1, capabilities: seeded, expectsJSON: true,
             base: SamplingSettings(temperature: 0, maxNewTokens: 256),
             expected: SamplingSettings(temperature: 0.2, maxNewTokens: 256, seed: 7_919, jsonObjectResponse: true)),
        Case(failure: .judgeUnparseable, retry: 3, capabilities: seeded, expectsJSON: true,
             base: SamplingSettings(temperature: 0, maxNewTokens: 256, seed: 5),
             expected: SamplingSettings(temperature: 0.6000000000000001, maxNewTokens: 256, seed: 5 + 3 * 7_919, jsonObjectResponse: true)),
        // Without seed or JSON support, the temperature still moves.
        Case(failure: .judgeUnparseable, retry: 2, capabilities: plain, expectsJSON: true,
             base: SamplingSettings(temperature: 0, maxNewTokens: 256),
             expected: SamplingSettings(temperature: 0.4, maxNewTokens: 256)),
        // An empty answer: new seed and a nudge, never JSON mode for free text; the nudge stops at 1.0.
        Case(failure: .emptyAnswer, retry: 2, capabilities: seeded, expectsJSON: false,
             base: SamplingSettings(temperature: 0.7, maxNewTokens: 100, seed: 1),
             expected: SamplingSettings(temperature: 1.0, maxNewTokens: 100, seed: 1 + 2 * 7_919)),
        // A temperature already above the ceiling is left alone.
        Case(failure: .emptyAnswer, retry: 1, capabilities: plain, expectsJSON: false,
             base: SamplingSettings(temperature: 1.5, maxNewTokens: 100),
             expected: SamplingSettings(temperature: 1.5, maxNewTokens: 100)),
        // Transport failures are retried unchanged: the same request may well succeed.
        Case(failure: .serverError, retry: 2, capabilities: seeded, expectsJSON: true,
             base: SamplingSettings(temperature: 0, maxNewTokens: 256),
             expected: SamplingSettings(temperature: 0, maxNewTokens: 256)),
        Case(failure: .timeout, retry: 1, capabilities: seeded, expectsJSON: false,
             base: SamplingSettings(temperature: 0.7, maxNewTokens: 100, seed: 3),
             expected: SamplingSettings(temperature: 0.7, maxNewTokens: 100, seed: 3)),
    ])
    func aRetryOfAContentFailureChangesTheRequest(_ row: Case) {
        let varied = RetryVariation.sampling(
            row.base, retry: row.retry, after: row.failure, capabilities: row.capabilities, expectsJSON: row.expectsJSON)
        #expect(varied == row.expected)
    }

    @Test func theRequestBodyCarriesJSONModeOnlyWhereSupported() {
        let request = ChatCompletionRequest(
            model: "m", systemPrompt: nil, userPrompt: "u", sampling: SamplingSettings(temperature: 0.2, jsonObjectResponse: true))
        #expect(request.jsonBody(capabilities: Self.seeded).contains(#""response_format":{"type":"json_object"}"#))
        #expect(!request.jsonBody(capabilities: Self.plain).contains("response_format"))
    }
}

struct FailFastRuleTests {
    enum Event: Sendable, CustomStringConvertible {
        case ok
        case fail(FailureClass)
        var description: String {
            switch self {
            case .ok: "ok"
            case .fail(let failure): failure.code
            }
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        var events: [Event]
        var alreadySucceeded = 0
        /// nil: keep going; otherwise the class the job stops with.
        var stopsWith: FailureClass?
        /// Events seen when the verdict is still undecided at the end.
        var undecided = false
        var description: String { events.map(\.description).joined(separator: ",") }
    }

    @Test(arguments: [
        // Five persistent failures alike: stop.
        Case(events: Array(repeating: .fail(.truncated), count: 5), stopsWith: .truncated),
        Case(events: Array(repeating: .fail(.judgeUnparseable), count: 5), stopsWith: .judgeUnparseable),
        Case(events: Array(repeating: .fail(.badRequest), count: 7), stopsWith: .badRequest),
        // Four is not enough yet.
        Case(events: Array(repeating: .fail(.truncated), count: 4), undecided: true),
        // One success among the first: keep going, whatever follows.
        Case(events: [.fail(.truncated), .ok] + Array(repeating: .fail(.truncated), count: 8)),
        Case(events: [.ok] + Array(repeating: .fail(.truncated), count: 5)),
        // Different reasons: keep going.
        Case(events: [.fail(.truncated), .fail(.truncated), .fail(.emptyAnswer), .fail(.truncated), .fail(.truncated), .fail(.truncated)]),
        // Transient reasons never stop a job early.
        Case(events: Array(repeating: .fail(.serverError), count: 6)),
        Case(events: Array(repeating: .fail(.rateLimited), count: 6)),
        Case(events: Array(repeating: .fail(.timeout), count: 6)),
        // A resumed job that already wrote rows is past its early items.
        Case(events: Array(repeating: .fail(.truncated), count: 6), alreadySucceeded: 3),
    ])
    func stopsOnlyWhenTheFirstItemsAllFailTheSamePersistentWay(_ row: Case) {
        var rule = FailFastRule(window: 5, alreadySucceeded: row.alreadySucceeded)
        for event in row.events {
            switch event {
            case .ok: rule.recordSuccess()
            case .fail(let failure): rule.recordFailure(TeacherFailure(failure, detail: "example"))
            }
        }
        if let stopsWith = row.stopsWith {
            #expect(rule.verdict == .stop(stopsWith, example: TeacherFailure(stopsWith, detail: "example").message))
        } else if row.undecided {
            #expect(rule.verdict == .undecided)
        } else {
            #expect(rule.verdict == .keepGoing)
        }
    }

    @Test func theStopMessageSaysHowManyAndWhy() {
        let text = FailFastRule.stopMessage(window: 5, failure: .truncated, example: "Truncated at 480 tokens.")
        #expect(text == "Stopped early: the first 5 seeds all failed the same way (truncated_answer), so the rest would too. Truncated at 480 tokens.")
        let rows = FailFastRule.stopMessage(window: 5, items: "rows", failure: .judgeUnparseable, example: "The judge's verdict could not be read.")
        #expect(rows == "Stopped early: the first 5 rows all failed the same way (judge_unparseable), so the rest would too. The judge's verdict could not be read.")
    }
}
