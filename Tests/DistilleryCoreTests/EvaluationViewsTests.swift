import DistilleryCore
import Testing

struct EvaluationViewsTests {
    static func summary(
        _ id: Int64, dataset: Int64? = 3, split: String? = "test", status: JobStatus = .completed, judged: Int = 10, skipped: Int = 0
    ) -> EvaluationRunSummary {
        EvaluationRunSummary(
            id: id, name: "run \(id)", datasetID: dataset, datasetName: dataset.map { "set \($0)" }, split: split,
            studentProvider: "openai-compatible", studentModel: "smollm2", judgeProvider: "deepseek", judgeModel: "deepseek-chat",
            dimensions: ["correct"], status: status, cancelRequested: false, total: 10, judged: judged, skipped: skipped,
            createdAt: 1_764_547_200_000, finishedAt: nil, failure: nil)
    }

    @Test func aRunReadsItsProgressAndHeldOutSet() {
        let running = Self.summary(12, split: nil, status: .running, judged: 6, skipped: 1)
        #expect(running.number == "J-12" && running.url == "/evaluations/12")
        #expect(running.splitLabel == "all rows" && Self.summary(1).splitLabel == "test split")
        #expect(running.progressText == "6 of 10 rows judged · 1 skipped" && running.percentDone == 70)
        #expect(running.student == "openai-compatible · smollm2" && running.isActive)
    }

    @Test func onlyHeldOutSetsWithTwoFinishedRunsAreOfferedForComparison() {
        let list = EvaluationListView(chrome: nil, runs: [
            Self.summary(9), Self.summary(8, status: .running), Self.summary(7, split: "validation"), Self.summary(5),
            Self.summary(4, judged: 0), Self.summary(2, dataset: 6), Self.summary(1, dataset: 6),
        ])
        #expect(list.comparable.map(\.compareURL) == ["/evaluations/compare?runs=5,9", "/evaluations/compare?runs=1,2"])
        #expect(list.comparable.map(\.runs) == [2, 2] && list.hasComparable)
        #expect(!EvaluationListView(chrome: nil, runs: [Self.summary(1)]).hasComparable)
    }

    @Test(arguments: [
        ("name", "name"), ("student.base_url", "student_base_url"), ("judge.key_id", "judge_key_id"),
        ("dimensions", "dimensions"), ("dimensions[2].id", "custom_dimensions"),
    ])
    func anAPIProblemLandsOnTheFormFieldThatCarriesIt(path: String, field: String) {
        #expect(EvaluationFormView.formField(forPath: path) == field)
    }
}
