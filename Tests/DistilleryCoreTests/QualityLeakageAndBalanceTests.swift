import Testing
@testable import DistilleryCore

private let paragraph = "Open Settings, choose Export, pick JSON or CSV, confirm with your password, wait for the email that "
    + "carries the download link, and open that link on the same device within one day."
private let otherParagraph = "Billing runs on the first day of each month; the invoice lists every seat, the taxes of your "
    + "country and the card we charged, and it stays in the Billing tab for seven years."
private let chineseParagraph = "打开设置，选择导出，选择文件格式，输入密码确认，等待带有下载链接的邮件，然后在同一台设备上打开链接，链接一天后失效，请尽快下载。"
private let chineseOther = "账单在每月第一天生成，发票列出每个席位，你所在国家的税费，以及我们扣款的银行卡，账单页面会保留七年，可以随时下载。"

private func findings(_ rows: [QualityRow], compared: [String] = []) -> QualityReport {
    var checks = QualityChecks()
    for (line, prompt) in compared.enumerated() { checks.addComparedPrompt(line: line + 1, prompt: prompt) }
    for row in rows { checks.add(row) }
    return checks.report()
}

private func flags(_ report: QualityReport, _ check: QualityCheck) -> [QualityFlag] {
    Array(report.findings.first { $0.check == check }?.everyFlag ?? [])
}

/// Near-duplicate answers: (answers in row order, the lines flagged with their detail).
@Test(arguments: [
    ([paragraph, paragraph + " Done.", otherParagraph], [(2, "duplicate of line 1")]),
    ([paragraph, otherParagraph, paragraph.uppercased()], [(3, "duplicate of line 1")]),
    ([chineseParagraph, chineseOther, chineseParagraph + "谢谢。"], [(3, "duplicate of line 1")]),
    ([chineseParagraph, chineseOther], []),
    ([paragraph, otherParagraph], []),
    // Short answers repeat legitimately ("Yes."): under 10 words they are not compared.
    (["Yes, it does.", "Yes, it does.", "Open Settings."], []),
] as [([String], [(Int, String)])])
func nearDuplicateAnswersKeepTheFirstOfEachCluster(answers: [String], expected: [(Int, String)]) {
    let rows = answers.enumerated().map { QualityRow(line: $0.offset + 1, lastUserTurn: "Question \($0.offset)?", answers: [$0.element]) }
    let flagged = flags(findings(rows), .duplicateAnswers)
    #expect(flagged.map(\.line) == expected.map(\.0))
    #expect(flagged.map(\.detail) == expected.map(\.1))
}

@Test func aChainOfNearDuplicateAnswersIsOneClusterWithItsFirstRowKept() {
    let words = (0..<40).map { "word\($0)" }
    let first = words.joined(separator: " ")
    let second = (words[..<38] + ["other", "ending"]).joined(separator: " ")
    let third = (words[..<36] + ["yet", "another", "ending", "here"]).joined(separator: " ")
    let rows = [first, second, third].enumerated().map { QualityRow(line: $0.offset + 1, lastUserTurn: "Q\($0.offset)", answers: [$0.element]) }
    #expect(flags(findings(rows), .duplicateAnswers).map(\.detail) == ["duplicate of line 1", "duplicate of line 1"])
}

/// Leakage across splits: the row of the later split is flagged, with its partner's line and split.
@Test(arguments: [
    // (prompt, split) per row; expected (flagged line, detail prefix)
    ([(paragraph, DatasetSplit.train), (paragraph + " Thanks!", .test), (otherParagraph, .test)],
     [(2, "test row, near duplicate of line 1 in train")]),
    ([(paragraph, DatasetSplit.test), (otherParagraph, .train), (paragraph.lowercased(), .validation)],
     [(1, "test row, near duplicate of line 3 in validation")]),
    ([(chineseParagraph, DatasetSplit.train), (chineseParagraph, .validation)],
     [(2, "validation row, near duplicate of line 1 in train")]),
    // Near duplicates inside one split are duplicates, not leakage.
    ([(paragraph, DatasetSplit.train), (paragraph + " Thanks!", .train), (otherParagraph, .test)], []),
    ([(chineseParagraph, DatasetSplit.train), (chineseOther, .test)], []),
] as [([(String, DatasetSplit)], [(Int, String)])])
func leakageAcrossSplitsFlagsTheRowOfTheLaterSplit(rows: [(String, DatasetSplit)], expected: [(Int, String)]) {
    let report = findings(rows.enumerated().map {
        QualityRow(line: $0.offset + 1, lastUserTurn: $0.element.0, answers: ["Answer \($0.offset)."], split: $0.element.1)
    })
    let flagged = flags(report, .leakage)
    #expect(flagged.map(\.line) == expected.map(\.0))
    #expect(zip(flagged, expected).allSatisfy { $0.detail.hasPrefix($1.1) })
    #expect(report.leakagePairs.map(\.line) == expected.map(\.0))
}

@Test func leakageAgainstAComparedDatasetListsBothLines() {
    let rows = [paragraph, otherParagraph, chineseParagraph, "How do I delete my account?"].enumerated().map {
        QualityRow(line: $0.offset + 1, lastUserTurn: $0.element, answers: ["Answer."])
    }
    let report = findings(rows, compared: ["Something else entirely, about invoices and taxes.", paragraph + " Please.", chineseParagraph])
    #expect(report.leakagePairs.map(\.line) == [1, 3])
    #expect(report.leakagePairs.map(\.otherLine) == [2, 3])
    #expect(report.leakagePairs.allSatisfy { pair in pair.isAgainstOtherDataset })
    #expect(report.leakagePairs.last?.similarity == 1)
    #expect(flags(report, .leakage).map(\.detail).first?.hasPrefix("near duplicate of line 2 of the compared dataset") == true)
    // The compared dataset's own rows are never flagged, and without one nothing leaks here.
    #expect(flags(findings(rows), .leakage).isEmpty)
}

@Test func balanceCountsRowsPerCategoryAndPerSplitWithShares() {
    let rows = (0..<8).map { index in
        QualityRow(
            line: index + 1, lastUserTurn: "Q\(index)", answers: ["A."], split: index < 6 ? .train : .test,
            category: index < 5 ? "topic=billing" : index < 7 ? "topic=outages" : nil)
    }
    let balance = findings(rows).balance
    #expect(balance.categories == [
        BalanceShare(name: "topic=billing", count: 5, share: 0.625), BalanceShare(name: "topic=outages", count: 2, share: 0.25),
    ])
    #expect(balance.uncategorized == 1)
    #expect(balance.splits == [BalanceShare(name: "train", count: 6, share: 0.75), BalanceShare(name: "test", count: 2, share: 0.25)])

    let plain = findings([QualityRow(line: 1, lastUserTurn: "Q", answers: ["A."])]).balance
    #expect(plain == QualityBalance(categories: [], uncategorized: 0, splits: []))
}

@Test func aStoredRowsCategoryComesFromItsMetadata() {
    let body = Array(#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}"#.utf8)
    let row = QualityRow(line: 1, body: body, metadata: #"{"generation":{"stratum":"topic=billing"}}"#, split: .validation)
    #expect(row?.category == "topic=billing")
    #expect(row?.split == .validation)
}

@Test(arguments: [
    (["refusals": 3], ["refusals": 1], ["refusals 3 → 1"]),
    (["refusals": 0], ["refusals": 2, "leakage": 2], ["leakage pairs: new (2)", "refusals: new (2)"]),
    (["duplicatePrompts": 4, "echoes": 1], ["echoes": 1], ["duplicate prompts: fixed (was 4)", "echoes 1 → 1"]),
    (["truncated": 1], ["truncated": 1], ["truncated answers 1 → 1"]),
    ([:], [:], []),
] as [([String: Int], [String: Int], [String])])
func theTrendSaysHowEachCheckMoved(previous: [String: Int], current: [String: Int], expected: [String]) {
    #expect(QualityTrend.between(previous: previous, current: current).map(\.text) == expected)
}

@Test func theVerdictLeadsWithLeakageAndNearDuplicateAnswers() {
    var checks = QualityChecks()
    checks.add(QualityRow(line: 1, lastUserTurn: paragraph, answers: [otherParagraph], split: .train))
    checks.add(QualityRow(line: 2, lastUserTurn: paragraph, answers: [otherParagraph], split: .test))
    checks.add(QualityRow(line: 3, lastUserTurn: "Other question?", answers: ["I'm sorry, but I can't help with that."], split: .test))
    #expect(checks.report().verdict == "1 leakage pair, 1 duplicate prompt, 1 near-duplicate answer, 1 refusal")
}
