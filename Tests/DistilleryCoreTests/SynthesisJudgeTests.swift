import DistilleryCore
import Testing

struct SynthesisJudgeTests {
    static func prompt(seed: UInt64 = 3, candidates: [String] = ["alpha", "beta", "gamma"]) -> JudgePrompt {
        var random = SeededRandom(seed: seed)
        return JudgePrompt(skillPrompt: "You are a tax advisor.", seed: "Can I deduct my cat?", candidates: candidates, using: &random)
    }

    @Test func promptShowsEverythingInShuffledLabelledOrder() {
        let prompt = Self.prompt()
        #expect(prompt.order.sorted() == [0, 1, 2])
        #expect(prompt.userPrompt.contains("You are a tax advisor."))
        #expect(prompt.userPrompt.contains("Can I deduct my cat?"))
        let names = ["alpha", "beta", "gamma"]
        for label in 1...3 {
            let original = prompt.order[label - 1]
            #expect(prompt.userPrompt.contains("<candidate label=\"\(label)\">\n\(names[original])\n</candidate>"))
        }
        #expect(prompt.userPrompt.contains("{\"best\": <label 1-3>, \"reason\": \"<one short sentence>\"}"))
        #expect(prompt.systemPrompt.contains("JSON only"))
    }

    @Test func shufflingDependsOnTheInjectedRandomSource() {
        let orders = Set((0..<40).map { Self.prompt(seed: $0).order })
        #expect(orders.count == 6)  // every permutation of three turns up
        #expect(Self.prompt(seed: 9).order == Self.prompt(seed: 9).order)
    }

    @Test(arguments: [
        ("{\"best\": 2, \"reason\": \"Most precise.\"}", 2, "Most precise."),
        ("```json\n{\"best\": 1, \"reason\": \"Clear\"}\n```", 1, "Clear"),
        ("After comparing, my verdict is {\"best\":3,\"reason\":\"cites the rule\"}. Thanks!", 3, "cites the rule"),
        ("<think>1 is weak {\"best\": 1}</think>{\"best\": \"2\", \"reason\": \"r\"}", 2, "r"),
        ("{\"best\": \"Candidate 3\", \"reason\": \"  spaced  \"}", 3, "spaced"),
        ("{\"note\": \"x\"} then {\"best\": 1}", 1, ""),
        ("{\"best\": 2.0, \"reason\": \"float label\"}", 2, "float label"),
    ] as [(String, Int, String)])
    func verdictsAreReadTolerantlyAndMappedBack(answer: String, label: Int, reason: String) throws {
        let prompt = Self.prompt()
        let verdict = try JudgeVerdictParser.parse(answer, prompt: prompt).get()
        #expect(verdict.label == label)
        #expect(verdict.candidateIndex == prompt.order[label - 1])
        #expect(verdict.reason == reason)
    }

    @Test(arguments: [
        "The second one is best.",
        "{\"best\": 4, \"reason\": \"out of range\"}",
        "{\"best\": 0}",
        "{\"best\": \"1 or 2\"}",
        "{\"best\": null}",
        "{\"reason\": \"forgot the pick\"}",
        "{\"best\": 2, \"reason\": \"unterminated",
        "",
    ])
    func unreadableVerdictsAreJudgeUnparseable(answer: String) {
        guard case .failure(let failure) = JudgeVerdictParser.parse(answer, prompt: Self.prompt()) else {
            Issue.record("expected judgeUnparseable for \(answer)")
            return
        }
        #expect(failure.failureClass == .judgeUnparseable)
        #expect(failure.failureClass.isRetryable)
    }

    @Test func longReasonsAreShortened() throws {
        let answer = "{\"best\": 1, \"reason\": \"\(String(repeating: "x", count: 1_000))\"}"
        let verdict = try JudgeVerdictParser.parse(answer, prompt: Self.prompt()).get()
        #expect(verdict.reason.count == JudgeVerdictParser.reasonLimit + 1)
    }
}
