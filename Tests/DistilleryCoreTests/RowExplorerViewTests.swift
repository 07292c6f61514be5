import DistilleryCore
import Testing

struct RowExplorerViewTests {
    static let chat = #"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi \"there\""},{"role":"assistant","content":"Hello."}]}"#

    func row(_ body: String, metadata: String? = nil, annotations: RowAnnotations = RowAnnotations()) -> ExplorerRowView {
        ExplorerRowView(
            ExplorerRowInput(index: 4, line: 9, body: body, metadata: metadata, split: .test, annotations: annotations),
            datasetID: 3, usualSystemPrompt: "Be brief.")
    }

    @Test func theUsualSystemPromptIsFoldedAndAnyOtherShownAsATurn() {
        let usual = row(Self.chat)
        #expect(usual.usualSystemPrompt == "Be brief.")
        #expect(usual.turns.map(\.role) == ["user", "assistant"])
        #expect(usual.turns.first?.content == "Hi \"there\"")
        let other = row(#"{"messages":[{"role":"system","content":"Be long."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]}"#)
        #expect(other.usualSystemPrompt == nil)
        #expect(other.turns.map(\.role) == ["system", "user", "assistant"])
        #expect(row(#"{"input":"Write a tagline."}"#).turns.map(\.content) == ["Write a tagline."])
        #expect(usual.url == "/datasets/3/rows/4" && usual.number == 5 && usual.split == "test")
    }

    @Test func metadataShowsItsScalarFieldsAndTheCategory() {
        let view = row(Self.chat, metadata: #"{"model":"qwen","tokens_out":12,"cached":true,"generation":{"stratum":"topic=billing"}}"#)
        #expect(view.metadata.map { "\($0.key): \($0.value)" } == ["model: qwen", "tokens out: 12", "cached: true"])
        #expect(view.category == "topic=billing")
        #expect(row(Self.chat, metadata: "not json").metadata.isEmpty)
    }

    @Test(arguments: [
        (RowAnnotations.Score(dimension: "answers_request", score: 5, rubric: "scale"), "Answers the request: 5/5", "ok"),
        (.init(dimension: "answers_request", score: 3, rubric: "scale"), "Answers the request: 3/5", "warn"),
        (.init(dimension: "correct", score: 2, rubric: "scale"), "Correct as far as the judge can tell: 2/5", "bad"),
        (.init(dimension: "safe", score: 0, rubric: "pass_fail"), "Safe: fail", "bad"),
        (.init(dimension: "tone_custom", score: 1, rubric: "pass_fail"), "tone_custom: pass", "ok"),
    ])
    func scoresReadAsBadges(score: RowAnnotations.Score, label: String, tone: String) {
        let badge = row(Self.chat, annotations: RowAnnotations(scores: [score])).scores.first
        #expect(badge?.label == label)
        #expect(badge?.tone == tone)
    }

    @Test(arguments: [
        (RowAnnotations.Review(verdict: "accepted", rating: 4, edited: true, reviewedBy: "rita", reviewedAt: 1), "accepted · 4/5 · edited · by rita", "ok"),
        (.init(verdict: "rejected", rating: nil, edited: false, reviewedBy: nil, reviewedAt: 1), "rejected", "bad"),
        (.init(verdict: nil, rating: nil, edited: true, reviewedBy: nil, reviewedAt: nil), "not judged · edited", "warn"),
    ])
    func aReviewReadsAsOneBadge(review: RowAnnotations.Review, label: String, tone: String) {
        let badge = row(Self.chat, annotations: RowAnnotations(review: review)).review
        #expect(badge?.label == label)
        #expect(badge?.tone == tone)
    }

    @Test func pagingLinksKeepTheFilterAndThePageSize() {
        let input = ExplorerRowInput(index: 0, line: 1, body: Self.chat, metadata: nil, split: nil, annotations: RowAnnotations())
        let view = RowExplorerView(
            datasetID: 3, datasetName: "d", rowCount: 100, filter: RowFilter(query: "a&b é", flag: "none"), page: 2, perPage: 1, total: 3,
            rows: [input], usualSystemPrompt: nil)
        #expect(view.previousURL == "/datasets/3/rows?q=a%26b%20%C3%A9&flag=none&page=1&per_page=1")
        #expect(view.nextURL == "/datasets/3/rows?q=a%26b%20%C3%A9&flag=none&page=3&per_page=1")
        #expect(view.jsonURL == "/api/datasets/3/rows?q=a%26b%20%C3%A9&flag=none&page=2&per_page=1")
        #expect(view.summary == "3 of 100 rows match: matching “a&b é” · no flags")
        #expect(view.rangeText == "2–2 of 3")
        #expect(view.form.flagOptions.filter(\.selected).map(\.value) == ["none"])
    }
}
