@testable import DistilleryCore
import Testing

/// One format everywhere: durations, money, rates; and how a job, a small child and an estimate read.
struct PresentationTests {
    @Test(arguments: [
        (0.0, "0 s"), (0.3, "< 1 s"), (1.0, "1 s"), (45.4, "45 s"), (59.6, "1 min"), (248, "4 min 8 s"), (574, "9 min 34 s"),
        (3600, "1 h"), (3_725, "1 h 2 min"), (90_000, "25 h"), (-3, "0 s"),
    ])
    func durationsReadInMinutesAndSeconds(seconds: Double, expected: String) {
        #expect(Formatting.duration(seconds: seconds) == expected)
    }

    @Test(arguments: [
        (0.0, "$0.00"), (0.0042, "$0.0042"), (0.0005, "$0.0005"), (0.00004, "< $0.0001"), (0.009996, "$0.01"), (0.01, "$0.01"),
        (0.125, "$0.13"), (1.5, "$1.50"), (1_234.567, "$1,234.57"), (1_000_000, "$1,000,000.00"),
    ])
    func moneyHasCentsAndFourDecimalsUnderACent(value: Double, expected: String) {
        #expect(Formatting.usd(value) == expected)
    }

    @Test(arguments: [(0.0, "—"), (2.54, "2.5 seeds/min"), (171_428.6, "171,429 seeds/min"), (40, "40 seeds/min")])
    func ratesHaveSeparators(value: Double, expected: String) {
        #expect(Formatting.ratePerMinute(value, noun: "seeds") == expected)
    }

    typealias P = SynthesisJobPresentation

    @Test func anInstantFailureShowsNoRateARedBarAndNoFullProcessedCount() {
        // 20 seeds refused in 7 ms (a 401): the average rate would read "171,429 seeds/min".
        let view = P(P.Input(status: .failed, total: 20, written: 0, skipped: 20, elapsedSeconds: 0.007))
        #expect(view.rateText == "—")
        #expect(view.ratePerMinute == nil)
        #expect(view.rateLabel == "Average rate")
        #expect(view.tone == "bad")
        #expect(view.progressText == "Failed: 0 of 20 seeds answered before it stopped")
        #expect(view.etaText == "stopped")
        #expect(view.elapsedText == "< 1 s")
    }

    @Test func aFinishedJobShowsItsAverageRateAndDone() {
        let view = P(P.Input(status: .completed, total: 30, written: 28, skipped: 2, elapsedSeconds: 45, liveRatePerMinute: 400,
            costUSD: 0.0042, estimatedSeconds: 574, estimatedCostUSD: 0.01))
        #expect(view.rateText == "40 seeds/min")  // 30 in 45 s, not the last minute's live figure
        #expect(view.etaText == "done")
        #expect(view.etaSeconds == 0)
        #expect(view.progressText == "30 of 30 seeds processed")
        #expect(view.percentDone == 100)
        #expect(view.tone == "ok")
        #expect(view.costText == "$0.0042")
        #expect(view.estimateVersusActual == "Estimated 9 min 34 s, took 45 s; estimated cost $0.01, actual $0.0042.")
    }

    @Test func aRunningJobUsesTheLiveRateForItsETA() {
        let view = P(P.Input(status: .running, total: 1_000, written: 400, skipped: 0, elapsedSeconds: 60, liveRatePerMinute: 300))
        #expect(view.rateLabel == "Current rate")
        #expect(view.rateText == "300 seeds/min")
        #expect(view.etaText == "2 min")
        #expect(view.estimateVersusActual == nil)
        let starting = P(P.Input(status: .running, total: 10, written: 0, skipped: 0, elapsedSeconds: 0.5))
        #expect(starting.etaText == "—")
        #expect(starting.tone == "busy")
    }

    @Test func aCancelledJobSaysWhatWasKept() {
        let view = P(P.Input(status: .cancelled, total: 200, written: 20, skipped: 1, elapsedSeconds: 30))
        #expect(view.progressText == "Cancelled after 21 of 200 seeds; 20 rows kept")
        #expect(view.tone == "warn")
        #expect(view.etaText == "stopped")
    }

    @Test func progressSpeaksThePipelinesWords() {
        let scoring = PipelineVocabulary(items: "rows", outputs: "scores", finished: "scored")
        let cancelled = P(P.Input(status: .cancelled, total: 200, written: 20, skipped: 1, elapsedSeconds: 30, vocabulary: scoring))
        #expect(cancelled.progressText == "Cancelled after 21 of 200 rows; 20 scores kept")
        #expect(cancelled.rateText == "42 rows/min")
        let failed = P(P.Input(status: .failed, total: 10, written: 3, skipped: 7, elapsedSeconds: 5, vocabulary: scoring))
        #expect(failed.progressText == "Failed: 3 of 10 rows scored before it stopped")
        #expect(SynthesisPipeline(.init(
            skillPrompt: "", teacherModel: "m", judgeModel: "m", judgeEndpoint: 0,
            teacherCapabilities: TeacherCapabilities(supportsN: false, supportsSeed: false, returnsReasoning: false), temperature: nil,
            seed: nil, candidates: 1, reasoningMode: .answerOnly, answerLimits: LadderSpec(initial: 1, userCap: 1, contextWindow: 0),
            judgeLimits: LadderSpec(initial: 1, userCap: 1, contextWindow: 0), shuffleSeed: 0)).vocabulary == .synthesis)
    }

    @Test func aSelfHostedTeacherWithoutAPriceHasAnUnknownCost() {
        let view = P(P.Input(status: .completed, total: 1, written: 1, skipped: 0, elapsedSeconds: 2, costUSD: 0, costKnown: false,
            estimatedSeconds: 3, estimatedCostUSD: 0))
        #expect(view.costText == "unknown (self-hosted)")
        #expect(view.estimateVersusActual == "Estimated 3 s, took 2 s.")
    }

    @Test func jobNumbersCarryTheirOwnPrefix() {
        #expect(JobNumber.text(12) == "J-12")
        #expect(ProducingJob(id: 12).url == "/synthesis/12")
    }

    static func child(rows: Int, invalidLines: Int = 0, parent: Int64? = 3) -> DatasetRecord {
        let lines = (0..<rows).map { Chat.valid($0) } + Array(repeating: "{", count: invalidLines)
        let summary = run(Chat.file(lines), options: ValidationOptions(mode: .chat)).summary
        return DatasetRecord(
            id: 9, name: "child", mode: .chat, baseModel: "llama-3.1-8b-instruct", skillPrompt: nil, status: summary.status,
            byteSize: 10, lineCount: rows + invalidLines, rowCount: rows, summary: summary, parentID: parent, createdAt: 0, updatedAt: 0)
    }

    @Test func aSmallSynthesizedChildIsNotYetTrainableRatherThanInvalid() throws {
        let record = Self.child(rows: 20)
        #expect(record.status == .invalid)
        let readiness = try #require(DatasetReadiness(record: record))
        #expect(readiness.summary == "20 rows; 80 more needed to train, minimum 100.")
        #expect(readiness.rowsNeeded == 80)
        #expect(readiness.nextSteps.first?.hasPrefix("Synthesize more seeds") == true)
        let item = DatasetListItem(record)
        #expect(item.statusLabel == "Not yet trainable")
        #expect(item.statusTone == "warn")
        let detail = DatasetDetailView(record: record, preview: [], children: [], viewer: nil)
        #expect(detail.statusExplanation == "20 rows; 80 more needed to train, minimum 100.")
        #expect(detail.statusExplanation?.contains("Fix the source file") == false)
        #expect(detail.hasNextSteps)
    }

    @Test func anUploadOrAChildWithBadLinesStaysInvalid() {
        #expect(DatasetReadiness(record: Self.child(rows: 20, parent: nil)) == nil)
        #expect(DatasetReadiness(record: Self.child(rows: 20, invalidLines: 1)) == nil)
        #expect(DatasetReadiness(record: Self.child(rows: 120)) == nil)
        #expect(DatasetListItem(Self.child(rows: 20, parent: nil)).statusLabel == "Invalid")
    }

    @Test func anInvalidDatasetsDownloadAndWarningsSayWhatTheyAre() {
        let invalid = DatasetDetailView(record: Self.child(rows: 32, invalidLines: 3, parent: nil), preview: [], children: [], viewer: nil)
        #expect(invalid.downloadLabel == "Download the 32 valid rows")
        #expect(invalid.downloadDescription.contains("Only the 32 valid rows"))
        #expect(!invalid.warningsNote.contains("can still be used"))
        let valid = DatasetDetailView(record: Self.child(rows: 120, parent: nil), preview: [], children: [], viewer: nil)
        #expect(valid.downloadLabel == "Download JSONL")
        // A small synthesized child is invalid only for its size: every row is valid, the download is all of it.
        let small = DatasetDetailView(record: Self.child(rows: 20), preview: [], children: [], viewer: nil)
        #expect(small.downloadLabel == "Download JSONL")
        #expect(small.warningsNote.contains("can still be used"))
        #expect(valid.warningsNote.contains("can still be used"))
    }

    @Test func errorCodesAreCountedInWords() {
        #expect(ErrorCodeCount(code: "missing_input", count: 589).text == "589 × missing_input")
        #expect(ErrorCodeCount(code: "invalid_json", count: 1_200).text == "1,200 × invalid_json")
    }

    @Test(arguments: [(20, true), (99, true), (100, false), (5_000, false)])
    func theDialogWarnsWhenTheSeedsCannotReachTrainingSize(seeds: Int, warns: Bool) {
        let warning = SynthesisSizeCheck.warning(seedCount: seeds)
        #expect((warning != nil) == warns)
        if seeds == 20 { #expect(warning?.hasPrefix("20 seeds can make at most 20 rows; training needs at least 100.") == true) }
    }

    @Test(arguments: [(120, 0.8, "120 seeds can make at most 120 rows, 96 of them in the train split; training needs at least 100 train rows."),
                      (125, 0.8, nil), (99, 1.0, "99 seeds can make at most 99 rows; training needs at least 100."), (100, 1.0, nil)])
    func theSizeWarningCountsTheTrainQuotaWhenTheChildWillBeSplit(seeds: Int, train: Double, prefix: String?) {
        let distribution = RecipeDistribution(train: train, validation: (1 - train) / 2, test: (1 - train) / 2)
        let warning = SynthesisSizeCheck.warning(seedCount: seeds, distribution: distribution)
        #expect(warning.map { String($0.prefix(prefix?.count ?? 0)) } == prefix)
    }

    @Test func theEstimateSaysWhatItAssumes() {
        let speed = TeacherSpeed(firstTokenMs: 800, tokensPerSecond: 50, source: "typical figures in the catalog, as of 2026-11-30")
        #expect(speed.latencyMs(completionTokens: 120) == 3_200)
        #expect(speed.assumptionText(completionTokens: 120, maxInFlight: 2)
            == "Assumes 3.2 s per answer of 120 tokens (800 ms to the first token, then 50 tokens/s; typical figures in the catalog, as of 2026-11-30), 2 requests in flight.")
        let measured = TeacherSpeed.measured(firstTokenMs: 140, generation: .assumed)
        #expect(measured.firstTokenMs == 140)
        #expect(measured.tokensPerSecond == 50)
        #expect(measured.source.hasPrefix("one request of 1 token timed at pre-flight"))
        #expect(measured.latencyMs(completionTokens: 100) == 2_140)
        #expect(measured.assumptionText(completionTokens: 100, maxInFlight: 1).hasPrefix(
            "Assumes 2.1 s per answer of 100 tokens (140 ms to the first token, then 50 tokens/s; one request of 1 token timed at pre-flight; 50 tokens/s from a typical hosted API (assumed)), 1 request in flight."))
    }

    static let chatLine = #"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}"#
    static let seedLine = #"{"input":"Write a tagline"}"#

    @Test(arguments: [
        (DatasetMode.seeds, [chatLine, chatLine], "This looks like a chat-format file ({\"messages\": [...]} per line); pick Upload (chat format)."),
        (.chat, [seedLine, "", seedLine], "This looks like a seeds file ({\"input\": \"...\"} per line); pick Seeds + skill prompt."),
        (.seeds, [seedLine, chatLine], nil),  // mixed: the validator reports the bad lines
        (.chat, [chatLine], nil),
        (.seeds, [seedLine], nil),
        (.seeds, ["not json", chatLine], nil),
        (.seeds, [#"{"prompt":"x"}"#], nil),
        (.seeds, [], nil),
    ] as [(DatasetMode, [String], String?)])
    func aFileInTheWrongModeIsRecognisedFromItsFirstLines(mode: DatasetMode, lines: [String], expected: String?) {
        let sample = Array(lines.joined(separator: "\r\n").utf8)
        #expect(UploadModeCheck.mismatch(mode: mode, sample: sample) == expected)
    }
}
