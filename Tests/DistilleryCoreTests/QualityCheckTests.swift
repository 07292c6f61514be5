import Testing
@testable import DistilleryCore

/// The checks one row alone raises (length outliers need a whole dataset, so they are tested apart).
private func checksFlagging(prompt: String, answer: String, finishReason: String? = nil) -> Set<QualityCheck> {
    var checks = QualityChecks()
    checks.add(QualityRow(line: 7, lastUserTurn: prompt, answers: [answer], finishReason: finishReason))
    return Set(checks.report().findings.filter { $0.count > 0 }.map(\.check))
}

private let loop = String(repeating: "the cat sat down and ", count: 6)
private let chineseLoop = String(repeating: "我们一起去", count: 6)
private let longPrompt = "Explain how photosynthesis turns light into chemical energy."
private let chinesePrompt = "请解释一下光合作用是如何把光能转化为化学能的，谢谢。"

@Test(arguments: [
    // Refusals, English and Chinese, and look-alikes that are not.
    (longPrompt, "I'm sorry, but I can't help with that.", [QualityCheck.refusals]),
    (longPrompt, "As an AI language model, I do not have opinions.", [.refusals]),
    (chinesePrompt, "抱歉，我无法回答这个问题。", [.refusals]),
    (chinesePrompt, "作为一个AI语言模型，我没有办法。", [.refusals]),
    (longPrompt, "I can't help but admire how plants store energy.", []),
    (chinesePrompt, "光合作用在叶绿体中进行，把光能转化为化学能。", []),
    // Degenerate repetition.
    (longPrompt, loop + "then.", [.repetition]),
    (chinesePrompt, chineseLoop + "。", [.repetition]),
    (longPrompt, "Plants capture light with chlorophyll, split water, and build sugars from carbon dioxide in the Calvin cycle.", []),
    // Echoes of the prompt.
    (longPrompt, longPrompt, [.echoes]),
    (longPrompt, "You asked: explain how photosynthesis turns light into chemical energy! It uses chlorophyll.", [.echoes]),
    (chinesePrompt, "你问：" + chinesePrompt + "答案是叶绿体。", [.echoes]),
    ("Hi there", "Hi there, how can I help?", []),
    // Truncation: finish reason or mid-sentence.
    (longPrompt, "Photosynthesis happens in chloroplasts.", []),
    (longPrompt, "Photosynthesis happens in chloroplasts, where light is absorbed by chlorophyll and", [.truncated]),
    (longPrompt, "Photosynthesis happens in chloroplasts,", [.truncated]),
    (chinesePrompt, "光合作用发生在叶绿体中，", [.truncated]),
    (longPrompt, "Key parts:\n- Chlorophyll\n- Water", []),
    // Language mismatch by script; short texts are ignored.
    (longPrompt, "光合作用发生在叶绿体中，植物利用光能把二氧化碳和水转化为葡萄糖。", [.languageMismatch]),
    (chinesePrompt, "Photosynthesis converts light energy into chemical energy stored in glucose.", [.languageMismatch]),
    (longPrompt, "Фотосинтез происходит в хлоропластах растений.", [.languageMismatch]),
    ("你好", "Hello! How can I help you today?", []),
    (chinesePrompt, "光合作用（photosynthesis）发生在叶绿体中，植物利用光能制造葡萄糖。", []),
] as [(String, String, [QualityCheck])])
func eachCheckFlagsWhatItMustAndNothingElse(prompt: String, answer: String, expected: [QualityCheck]) {
    #expect(checksFlagging(prompt: prompt, answer: answer) == Set(expected))
}

@Test func aLengthFinishReasonIsTruncatedWhateverTheText() {
    #expect(checksFlagging(prompt: longPrompt, answer: "Plants use light.", finishReason: "length") == [.truncated])
    #expect(checksFlagging(prompt: longPrompt, answer: "Plants use light.", finishReason: "stop") == [])
}

@Test func lengthOutliersAreFarFromTheMeanLogLength() {
    var checks = QualityChecks()
    let ordinary = ["Plants use light to make sugar.", "Chlorophyll absorbs red and blue light.", "Water is split, and oxygen is released."]
    for line in 1...100 {
        checks.add(QualityRow(line: line, lastUserTurn: longPrompt, answers: [ordinary[line % 3]]))
    }
    checks.add(QualityRow(line: 101, lastUserTurn: longPrompt, answers: [String(repeating: "Light reactions feed the Calvin cycle. ", count: 200)]))
    checks.add(QualityRow(line: 102, lastUserTurn: longPrompt, answers: ["Yes."]))
    let outliers = checks.report().findings.first { $0.check == .lengthOutliers }
    #expect(outliers?.flags.map(\.line) == [101, 102])
    #expect(outliers?.flags.map(\.position) == [100, 101])
}

@Test func tooFewRowsHaveNoLengthOutliers() {
    var checks = QualityChecks()
    for line in 1...5 { checks.add(QualityRow(line: line, lastUserTurn: longPrompt, answers: ["Light."])) }
    checks.add(QualityRow(line: 6, lastUserTurn: longPrompt, answers: [String(repeating: "Light reactions. ", count: 500)]))
    #expect(checks.report().findings.first { $0.check == .lengthOutliers }?.count == 0)
}

@Test func flaggedListsAreCappedButCountsAreNot() {
    var checks = QualityChecks()
    for line in 1...(QualityChecks.listedFlags + 10) {
        checks.add(QualityRow(line: line, lastUserTurn: longPrompt, answers: ["I'm sorry, but I can't help with that."]))
    }
    let refusals = checks.report().findings.first { $0.check == .refusals }
    #expect(refusals?.count == QualityChecks.listedFlags + 10)
    #expect(refusals?.flags.count == QualityChecks.listedFlags)
    #expect(refusals?.flags.first == QualityFlag(position: 0, line: 1, detail: "\"I'm sorry, but\""))
}

@Test func theVerdictCountsEachCheckThatFlagged() {
    var checks = QualityChecks()
    #expect(QualityChecks.verdict(checks.report().findings) == "No problems found")
    checks.add(QualityRow(line: 1, lastUserTurn: "What is the capital of France?", answers: ["I'm sorry, but no."]))
    checks.add(QualityRow(line: 2, lastUserTurn: "What is the boiling point of water?", answers: ["I'm sorry, but no."]))
    checks.add(QualityRow(line: 3, lastUserTurn: longPrompt, answers: [longPrompt]))
    #expect(QualityChecks.verdict(checks.report().findings) == "2 refusals, 1 echo")
    checks.add(QualityRow(line: 4, lastUserTurn: longPrompt, answers: ["Chlorophyll absorbs light."]))
    #expect(QualityChecks.verdict(checks.report().findings) == "1 duplicate prompt, 2 refusals, 1 echo")
}

@Test func aRowIsReadFromItsStoredBodyAndMetadata() {
    let body = Array(#"{"messages":[{"role":"user","content":"first"},{"role":"assistant","content":"a"},{"role":"user","content":"second \"q\""},{"role":"assistant","content":"b"}]}"#.utf8)
    let row = QualityRow(line: 4, body: body, metadata: #"{"finish_reason":"length"}"#)
    #expect(row == QualityRow(line: 4, lastUserTurn: "second \"q\"", answers: ["a", "b"], finishReason: "length"))
    #expect(QualityRow(line: 4, body: Array("not a row".utf8), metadata: nil) == nil)
}

@Test(arguments: [1.0, 2.0, 10.0, 1234.5, 1e9])
func naturalLogMatchesKnownValues(x: Double) {
    // e^ln(x) == x, checked with the exponent series so Core stays Foundation-free.
    var term = 1.0
    var exp = 0.0
    let y = naturalLog(x) / 64
    for power in 0..<40 { exp += term; term *= y / Double(power + 1) }
    var result = 1.0
    for _ in 0..<64 { result *= exp }
    #expect(abs(result - x) / x < 1e-9)
}

@Test func duplicatePromptsKeepTheFirstRowOfEachClusterAndFlagTheOthers() {
    let question = (0..<30).map { "word\($0)" }.joined(separator: " ")
    let nearQuestion = ((0..<29).map { "word\($0)" } + ["changed"]).joined(separator: " ")
    let prompts = [
        "How do I reset my password?",  // line 1: kept
        "how do I reset my PASSWORD",  // line 2: exact after normalization
        question,  // line 3: kept
        nearQuestion,  // line 4: near duplicate (J = 27/29)
        "请问怎么重置我的密码？",  // line 5: kept
        "请问怎么重置我的密码",  // line 6: exact after normalization
        "How do I delete my account?",  // line 7: distinct
    ]
    var checks = QualityChecks()
    for (offset, prompt) in prompts.enumerated() {
        checks.add(QualityRow(line: offset + 1, lastUserTurn: prompt, answers: ["Open Settings."]))
    }
    let duplicates = checks.report().findings.first { $0.check == .duplicatePrompts }
    #expect(duplicates?.flags == [
        QualityFlag(position: 1, line: 2, detail: "duplicate of line 1"),
        QualityFlag(position: 3, line: 4, detail: "duplicate of line 3"),
        QualityFlag(position: 5, line: 6, detail: "duplicate of line 5"),
    ])
}
