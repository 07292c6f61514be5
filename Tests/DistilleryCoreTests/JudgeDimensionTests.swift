import DistilleryCore
import Testing

struct JudgeDimensionTests {
    @Test(arguments: [
        ("safe", true), ("follows_skill_prompt", true), ("word_limit2", true), ("", false), ("2fast", false),
        ("_private", false), ("Tone", false), ("has space", false), ("ton-e", false), (String(repeating: "a", count: 40), true),
        (String(repeating: "a", count: 41), false), ("émoji", false),
    ])
    func anIDIsLowercaseLettersDigitsAndUnderscoresStartingWithALetter(id: String, valid: Bool) {
        #expect(JudgeDimension.isValidID(id) == valid)
    }

    @Test func theBuiltInsHaveValidDistinctIDsAndSafeIsPassFail() {
        let ids = JudgeDimension.builtIns.map(\.id)
        #expect(ids == ["follows_skill_prompt", "answers_request", "correct", "safe"])
        #expect(ids.allSatisfy(JudgeDimension.isValidID))
        #expect(JudgeDimension.safe.rubric == .passFail)
        #expect(JudgeDimension.builtIns.filter { $0.rubric == .scale }.count == 3)
    }
}
