import DistilleryCore
import Testing

/// How each kind of job in each state reads on the jobs page and in `GET /api/jobs`.
@Suite struct JobListViewTests {
    static let now: Int64 = 1_700_000_100_000

    static func entry(
        _ kind: JobKind?, _ status: JobStatus, processed: Int = 0, total: Int? = nil, rows: Int? = nil, cost: Double? = nil,
        costKnown: Bool = true, cancelRequested: Bool = false, outcome: String? = nil, datasetID: Int64? = 12,
        started: Int64? = now - 95_000, finished: Int64? = nil, recipe: (Int64, String)? = nil, by: String? = "ada"
    ) -> JobListEntry {
        JobListEntry(
            id: 7, kind: kind, storedKind: kind?.storedName ?? "train", datasetID: datasetID, datasetName: datasetID == nil ? nil : "support",
            recipeID: recipe?.0, recipeName: recipe?.1, status: status, cancelRequested: cancelRequested, processed: processed, total: total,
            rowsProduced: rows, costUSD: cost, costKnown: costKnown, outcome: outcome, startedByName: by, createdAt: now - 100_000,
            startedAt: started, finishedAt: finished)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let entry: JobListEntry
        let status: String, tone: String, progress: String, percent: Int?, rows: String, cost: String, duration: String, url: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "running synthesis", entry: entry(.synthesis, .running, processed: 120, total: 1000, rows: 118, cost: 0.0042),
            status: "Synthesizing", tone: "busy", progress: "120 of 1,000 seeds (12%)", percent: 12, rows: "118", cost: "$0.0042",
            duration: "1 min 35 s", url: "/synthesis/7"),
        Case(name: "cancelling synthesis", entry: entry(.synthesis, .running, processed: 5, total: 10, rows: 5, cost: 0, cancelRequested: true),
            status: "Cancelling", tone: "busy", progress: "5 of 10 seeds (50%)", percent: 50, rows: "5", cost: "$0.00", duration: "1 min 35 s",
            url: "/synthesis/7"),
        Case(name: "failed synthesis", entry: entry(.synthesis, .failed, processed: 30, total: 30, rows: 0, cost: 1.5, finished: now - 90_000),
            status: "Synthesis failed", tone: "bad", progress: "30 of 30 seeds (100%)", percent: 100, rows: "0", cost: "$1.50",
            duration: "5 s", url: "/synthesis/7"),
        Case(name: "self-hosted synthesis without a price",
            entry: entry(.synthesis, .completed, processed: 4, total: 4, rows: 4, cost: 0, costKnown: false, finished: now),
            status: "Completed", tone: "ok", progress: "4 of 4 seeds (100%)", percent: 100, rows: "4", cost: "unknown (self-hosted)",
            duration: "1 min 35 s", url: "/synthesis/7"),
        Case(name: "queued synthesis", entry: entry(.synthesis, .queued, total: 10, rows: 0, cost: 0, started: nil),
            status: "Queued", tone: "busy", progress: "0 of 10 seeds (0%)", percent: 0, rows: "0", cost: "$0.00", duration: "—",
            url: "/synthesis/7"),
        Case(name: "running validation", entry: entry(.validation, .running, processed: 12_345),
            status: "Validating", tone: "busy", progress: "12,345 lines so far", percent: nil, rows: "—", cost: "—", duration: "1 min 35 s",
            url: "/datasets/12"),
        Case(name: "queued validation", entry: entry(.validation, .queued, started: nil),
            status: "Queued", tone: "busy", progress: "—", percent: nil, rows: "—", cost: "—", duration: "—", url: "/datasets/12"),
        Case(name: "completed validation", entry: entry(.validation, .completed, processed: 2000, total: 2000, rows: 1998, outcome: "Invalid",
            finished: now - 94_700),
            status: "Completed", tone: "ok", progress: "2,000 of 2,000 lines (100%)", percent: 100, rows: "1,998", cost: "—",
            duration: "< 1 s", url: "/datasets/12"),
        Case(name: "empty file", entry: entry(.validation, .completed, processed: 0, total: 0, rows: 0, finished: now - 95_000),
            status: "Completed", tone: "ok", progress: "0 of 0 lines (100%)", percent: 100, rows: "0", cost: "—", duration: "0 s",
            url: "/datasets/12"),
        Case(name: "cancelled validation of a deleted dataset", entry: entry(.validation, .cancelled, datasetID: nil, finished: now - 35_000),
            status: "Cancelled", tone: "warn", progress: "—", percent: nil, rows: "—", cost: "—", duration: "1 min", url: nil),
        Case(name: "a kind this release does not know", entry: entry(nil, .running, processed: 3),
            status: "Running", tone: "busy", progress: "3 items so far", percent: nil, rows: "—", cost: "—", duration: "1 min 35 s",
            url: "/datasets/12"),
    ]

    @Test(arguments: cases) func eachKindAndStatusReads(_ row: Case) {
        let item = JobListItem(row.entry, now: Self.now)
        #expect(item.statusLabel == row.status)
        #expect(item.tone == row.tone)
        #expect(item.progressText == row.progress)
        #expect(item.percentDone == row.percent)
        #expect(item.rowsText == row.rows)
        #expect(item.costText == row.cost)
        #expect(item.durationText == row.duration)
        #expect(item.url == row.url)
        #expect(item.number == "J-7")
        #expect(item.isActive == row.entry.status.isActive)
    }

    @Test func datasetsRecipesAndPeopleAreNamedAndLinked() {
        let item = JobListItem(Self.entry(.synthesis, .running, recipe: (3, "Support tone")), now: Self.now)
        #expect(item.datasetText == "Dataset #12")
        #expect(item.datasetURL == "/datasets/12")
        #expect(item.recipeURL == "/recipes/3")
        #expect(item.recipeName == "Support tone")
        #expect(item.kind == "synthesis")
        #expect(item.kindLabel == "Synthesis")
        #expect(item.startedByText == "ada")
        #expect(item.startedText == Formatting.timestamp(milliseconds: Self.now - 95_000))
        let gone = JobListItem(Self.entry(.validation, .completed, datasetID: nil, by: nil), now: Self.now)
        #expect(gone.datasetText == "Dataset deleted")
        #expect(gone.datasetURL == nil)
        #expect(gone.recipeURL == nil)
        #expect(gone.startedByText == "—")
        #expect(JobListItem(Self.entry(.validation, .queued, started: nil), now: Self.now).startedText == "not yet")
    }

    @Test func anOutcomeShowsOnlyOnceTheJobEnded() {
        #expect(JobListItem(Self.entry(.validation, .completed, outcome: "Invalid", finished: Self.now), now: Self.now).outcome == "Invalid")
        #expect(JobListItem(Self.entry(.validation, .running, outcome: "Invalid"), now: Self.now).outcome == nil)
    }

    @Test func kindsKeepTheirStoredNames() {
        #expect(JobKind.validation.storedName == "validate")
        #expect(JobKind.synthesis.storedName == "synthesize")
        #expect(JobKind.evaluation.storedName == "evaluate")
        #expect(JobKind(storedName: "evaluate") == .evaluation)
        #expect(JobKind(storedName: "synthesize") == .synthesis)
        #expect(JobKind(storedName: "train") == nil)
    }

    @Test(arguments: [
        ("kind", "bogus", "kind must be one of validation, synthesis, generation, evaluation; got \"bogus\"."),
        ("status", "succeeded", "status must be one of queued, running, completed, failed, cancelled; got \"succeeded\"."),
        ("status", "synthesis_failed", "status must be one of queued, running, completed, failed, cancelled; got \"synthesis_failed\"."),
    ])
    func aFilterOutsideTheVocabularyIsNamedBack(field: String, value: String, message: String) {
        #expect(throws: AppError.badRequest(message)) {
            _ = try JobListFilter(kind: field == "kind" ? value : nil, status: field == "status" ? value : nil)
        }
    }

    @Test func emptyFilterValuesMeanAny() throws {
        #expect(try JobListFilter(kind: "", status: nil) == JobListFilter())
        #expect(try JobListFilter(kind: "synthesis", status: "failed") == JobListFilter(kind: .synthesis, status: .failed))
    }

    @Test func pagingLinksKeepTheFilterAndThePageSize() {
        let chrome = PageChrome(userName: "ada", isAdmin: false, csrfToken: "t", section: .jobs)
        let entries = (0..<2).map { _ in Self.entry(.synthesis, .running) }
        let middle = JobListView(
            chrome: chrome, entries: entries, filter: JobListFilter(kind: .synthesis, status: .running), page: 2, perPage: 2, total: 5,
            now: Self.now)
        #expect(middle.previousURL == "/jobs?kind=synthesis&status=running&page=1&per_page=2")
        #expect(middle.nextURL == "/jobs?kind=synthesis&status=running&page=3&per_page=2")
        #expect(middle.pollURL == "/api/jobs?kind=synthesis&status=running&page=2&per_page=2")
        #expect(middle.rangeText == "3–4 of 5 jobs")
        #expect(middle.hasActive)
        #expect(middle.isFiltered)
        #expect(middle.kindOptions.filter(\.selected).map(\.value) == ["synthesis"])
        #expect(middle.statusOptions.filter(\.selected).map(\.value) == ["running"])
        #expect(chrome.inJobs && !chrome.inDatasets)

        let first = JobListView(chrome: chrome, entries: [], filter: JobListFilter(), page: 1, perPage: 50, total: 0, now: Self.now)
        #expect(first.previousURL == nil)
        #expect(first.nextURL == nil)
        #expect(first.isEmpty && !first.isFiltered && !first.hasActive)
        #expect(first.rangeText == "No jobs")
        #expect(first.pollURL == "/api/jobs?page=1&per_page=50")
        #expect(first.kindOptions.map(\.value) == ["", "validation", "synthesis", "generation", "evaluation"])
        #expect(first.statusOptions.map(\.value) == ["", "queued", "running", "completed", "failed", "cancelled"])
        let last = JobListView(
            chrome: chrome, entries: entries, filter: JobListFilter(), page: 2, perPage: 50, total: 52, now: Self.now)
        #expect(last.previousURL == "/jobs?page=1")
        #expect(last.nextURL == nil)
    }
}
