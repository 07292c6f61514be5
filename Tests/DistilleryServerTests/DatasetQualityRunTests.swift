import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// Stored runs of the data checks through the real server: the automatic run after an upload validates and after a
/// synthesis ends with its child (fake teacher), a job of its own that a restart still runs; runs on request (JSON and
/// the page's form with CSRF), the trend between runs, leakage against another dataset, and the refusals.
@Suite(.serialized)
struct DatasetQualityRunTests {
    /// What started each stored run of a dataset, newest first, read from the store.
    static func storedTriggers(_ test: TestApp, _ datasetID: Int64) throws -> [QualityTrigger] {
        try QualityStore(database: test.app.services.database).latestRuns(datasetID: datasetID, limit: 10).map(\.trigger)
    }

    typealias Q = DatasetQualityAPITests
    typealias S = SynthesisTests
    typealias R = RecipeRunTests

    static func run(_ quality: [String: Any]) -> [String: Any] { quality["run"] as? [String: Any] ?? [:] }

    static func message(_ response: HTTPClientResponse) -> String {
        ((try? TestApp.object(response))?["error"] as? [String: Any])?["message"] as? String ?? response.text
    }

    /// A chat dataset whose last user turns repeat two of the main fixture's (lines 1 and 6).
    static func comparedLines() -> [String] {
        Fixtures.chatLines(4) { index in
            index == 1 ? "Question 0: how do I export my data?" : index == 3 ? "Question 5: how do I export my data?" : "Evaluation prompt \(index) about invoices"
        }
    }

    /// The main fixture's 20 rows and 90 ordinary ones: enough rows (100) for an upload to pass validation. The 90 short
    /// answers of one length make the fixture's six longest answers length outliers.
    static func passingLines() -> [String] { Q.lines() + Fixtures.chatLines(90, tag: "ordinary") }

    @Test func anUploadIsCheckedWhenItValidatesAndEachRunOnRequestCarriesItsTrend() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Self.passingLines()), name: "quality")
        _ = try test.waitUntilValidated(id)
        let compared = try test.uploadRaw(Fixtures.jsonl(Self.comparedLines()), name: "evaluation set")
        _ = try test.waitUntilValidated(compared)

        // The validation's own run is stored (waited for in the store: before it, a GET says no run yet); then the GET reads it.
        #expect(try JobsPageTests.eventually(seconds: 30) { try Self.storedTriggers(test, id).contains(.validation) })
        let automatic = try test.json("/api/datasets/\(id)/quality")
        #expect(Self.run(automatic)["trigger"] as? String == "validation")
        #expect(automatic["verdict"] as? String == "1 near-duplicate answer, 2 refusals, 1 echo, 6 length outliers")

        // Compared with the evaluation set: its lines 2 and 4 repeat this dataset's lines 1 and 6.
        let withLeakage = try test.request("POST", "/api/datasets/\(id)/quality?against=\(compared)")
        #expect(withLeakage.status == 201)
        let leaked = try TestApp.object(withLeakage)
        #expect(Self.run(leaked)["trigger"] as? String == "request")
        #expect(leaked["verdict"] as? String == "2 leakage pairs, 1 near-duplicate answer, 2 refusals, 1 echo, 6 length outliers")
        #expect((leaked["compared"] as? [String: Any])?["id"] as? Int == Int(compared))
        let pairs = try #require(leaked["leakagePairs"] as? [[String: Any]])
        #expect(pairs.map { $0["line"] as? Int } == [1, 6])
        #expect(pairs.map { $0["otherLine"] as? Int } == [2, 4])
        #expect(pairs.map { $0["otherDatasetID"] as? Int } == [Int(compared), Int(compared)])
        #expect(pairs.map { $0["similarity"] as? Double } == [1, 1])
        #expect(leaked["trendText"] as? String == "leakage pairs: new (2), near-duplicate answers 1 → 1, refusals 2 → 2, echoes 1 → 1, length outliers 6 → 6")
        #expect((leaked["previousRunID"] as? Int) == Self.run(automatic)["id"] as? Int)

        // GET serves that stored run; asking for the same comparison does not run again.
        let latest = try test.json("/api/datasets/\(id)/quality?against=\(compared)")
        #expect(Self.run(latest)["id"] as? Int == Self.run(leaked)["id"] as? Int)

        // Checked again without the comparison, the leakage is gone and the trend says so.
        let again = try TestApp.object(try test.request("POST", "/api/datasets/\(id)/quality"))
        #expect(again["verdict"] as? String == "1 near-duplicate answer, 2 refusals, 1 echo, 6 length outliers")
        #expect((again["trend"] as? [[String: Any]])?.first?["change"] as? String == "fixed")
        #expect((again["trendText"] as? String)?.hasPrefix("leakage pairs: fixed (was 2)") == true)
        #expect(try test.json("/api/datasets/\(id)/quality")["trendText"] as? String == again["trendText"] as? String)
    }

    @Test func badRequestsAreRefusedWithAClearReason() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(3)), name: "small")
        _ = try test.waitUntilValidated(id)
        let seeds = try test.uploadRaw(Fixtures.jsonl(Fixtures.seedLines(3)), name: "seeds", mode: "seeds", skillPrompt: "Be brief.")
        _ = try test.waitUntilValidated(seeds)

        let missing = try test.request("POST", "/api/datasets/999/quality")
        #expect(missing.status == 404)
        #expect(Self.message(missing).contains("No dataset 999"))
        let unknownAgainst = try test.request("POST", "/api/datasets/\(id)/quality?against=998")
        #expect(unknownAgainst.status == 404)
        #expect(Self.message(unknownAgainst).contains("No dataset 998 to compare against"))
        let notANumber = try test.get("/api/datasets/\(id)/quality?against=evaluation")
        #expect(notANumber.status == 422)
        #expect(Self.message(notANumber).contains("against must be the id of another dataset"))
        let itself = try test.request("POST", "/api/datasets/\(id)/quality?against=\(id)")
        #expect(itself.status == 422)
        #expect(Self.message(itself).contains("not compared with itself"))
        let ofSeeds = try test.request("POST", "/api/datasets/\(seeds)/quality")
        #expect(ofSeeds.status == 409)
        #expect(Self.message(ofSeeds).contains("holds seeds"))
        // Seeds are a fine dataset to compare against: their prompts are what leaks.
        #expect(try test.request("POST", "/api/datasets/\(id)/quality?against=\(seeds)").status == 201)
    }

    @Test func thePagesFormRunsTheChecksOnlyWithItsCSRFTokenAndShowsTheTabsAndThePicker() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Q.lines()), name: "quality")
        _ = try test.waitUntilValidated(id)
        let compared = try test.uploadRaw(Fixtures.jsonl(Self.comparedLines()), name: "evaluation set")
        _ = try test.waitUntilValidated(compared)
        let browser = BrowserSession(test)
        try browser.signIn()

        // 20 rows do not pass validation, so no run is stored by itself, and showing the page stores none.
        let page = try browser.get("/datasets/\(id)/quality")
        #expect(page.status == 200)
        #expect(page.text.contains("<a href=\"/datasets/\(id)/quality\" aria-current=\"page\">Quality</a>"))
        #expect(page.text.contains("<a href=\"/datasets/\(id)/rows\">Rows</a>"))
        #expect(page.text.contains("<option value=\"\(compared)\">#\(compared) evaluation set (chat)</option>"))
        #expect(page.text.contains("<strong>No data checks yet</strong>"))
        #expect(try browser.get("/datasets/\(id)").text.contains("<a href=\"/datasets/\(id)\" aria-current=\"page\">Overview</a>"))
        #expect(try Self.storedTriggers(test, id).isEmpty)

        let forged = try browser.submit("/datasets/\(id)/quality", fields: [("against", "\(compared)")], csrfFrom: "", csrf: "forged")
        #expect(forged.status == 403)
        #expect(try Self.storedTriggers(test, id).isEmpty)

        let submitted = try browser.submit("/datasets/\(id)/quality", fields: [("against", "\(compared)")], csrfFrom: "/datasets/\(id)/quality")
        #expect(submitted.status == 303)
        #expect(submitted.headers["Location"] == "/datasets/\(id)/quality")
        #expect(try Self.storedTriggers(test, id) == [.request])
        let after = try browser.get("/datasets/\(id)/quality")
        #expect(after.text.contains("<button class=\"button primary\" type=\"submit\">Run the checks again</button>"))
        #expect(after.text.contains("<strong>2 leakage pairs, 1 near-duplicate answer, 2 refusals, 1 echo</strong>"))
        // The dataset's first run (the GET above stored none), so there is no trend to show.
        #expect(!after.text.contains("id=\"quality-trend\""))
        #expect(after.text.contains("<option value=\"\(compared)\" selected>"))
        #expect(after.text.contains("line 6 ↔ line 4 of dataset #\(compared) (similarity 1.00)"))
    }

    @Test func aMergedDatasetIsCheckedWhenItValidatesAndTheRunSaysMerge() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let a = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(60, tag: "a")), name: "a")
        let b = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(60, tag: "b")), name: "b")
        _ = try test.waitUntilValidated(a)
        _ = try test.waitUntilValidated(b)
        let response = try DatasetMergeTests.merge(test, "{\"dataset_ids\":[\(a),\(b)],\"name\":\"both\"}")
        let merged = try #require(((try TestApp.object(response))["dataset"] as? [String: Any])?["id"] as? Int)
        _ = try test.waitUntilValidated(Int64(merged))
        #expect(try JobsPageTests.eventually(seconds: 30) { try Self.storedTriggers(test, Int64(merged)).contains(.merge) })
        #expect(Self.run(try test.json("/api/datasets/\(merged)/quality"))["trigger"] as? String == "merge")
    }

    /// The automatic checks' own queue rows (`AutomaticDataChecks`), oldest first.
    static func checksJobs(_ test: TestApp) throws -> [Job] {
        let ids = try test.app.services.database.read { connection in
            try connection.query("SELECT id FROM jobs WHERE kind = ? ORDER BY id", .text(AutomaticDataChecks.jobKind)).compactMap { $0.int64("id") }
        }
        return try ids.compactMap { try test.app.services.jobs.job(id: $0) }
    }

    @Test func aSynthesizedChildIsCheckedByAJobOfItsOwnQueuedWhenTheSynthesisEnds() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "2"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try R.seedsDataset(test, count: 12, name: "seeds")
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher))
        let job = try S.waitForJob(test, jobID)
        #expect(job["status"] as? String == "completed")
        let child = try #require((job["childDatasetID"] as? NSNumber)?.int64Value)
        #expect(try JobsPageTests.eventually(seconds: 30) { try Self.storedTriggers(test, child) == [.synthesis] })

        // The synthesis ended without waiting for the checks: they were queued in the commit that ended it, as a job of
        // their own, which started and stored its run after that commit.
        let ended = try #require(try test.app.services.jobs.job(id: jobID))
        let endedAt = try #require(ended.finishedAt)
        let checks = try #require(try Self.checksJobs(test).first { AutomaticDataChecks(payload: $0.payload)?.datasetID == child })
        #expect(AutomaticDataChecks(payload: checks.payload)?.trigger == .synthesis)
        #expect(checks.id > jobID)
        #expect(checks.createdAt == endedAt)
        #expect(try #require(checks.startedAt) >= endedAt)
        #expect(try JobsPageTests.eventually(seconds: 10) { try test.app.services.jobs.job(id: checks.id)?.state == .completed })
        let run = try #require(try QualityStore(database: test.app.services.database).latestRuns(datasetID: child, limit: 1).first)
        #expect(run.createdAt >= endedAt)
        let quality = try test.json("/api/datasets/\(child)/quality")
        #expect(Self.run(quality)["trigger"] as? String == "synthesis")
        #expect(quality["rows"] as? Int == 12)
        // Never a job users see on the jobs page: the synthesis and the seeds' validation only.
        #expect(try test.json("/api/jobs")["total"] as? Int == 2)
    }

    @Test func checksLeftQueuedWhenTheServerStoppedRunAtTheNextStart() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try TestApp(directory: directory)
        let id = try first.uploadRaw(Fixtures.jsonl(Self.passingLines()), name: "quality")
        _ = try first.waitUntilValidated(id)
        #expect(try JobsPageTests.eventually(seconds: 30) { try Self.storedTriggers(first, id) == [.validation] })
        first.stop()

        // What a server that died right after a validation ended leaves: the checks queued in that commit, not run.
        do {
            let database = try Database(path: first.app.configuration.databasePath)
            try JobQueue(database: database).enqueue(
                kind: AutomaticDataChecks.jobKind, datasetID: nil, payload: AutomaticDataChecks(datasetID: id, trigger: .validation).payload)
        }
        let second = try TestApp(directory: directory)
        #expect(try JobsPageTests.eventually(seconds: 30) { try Self.storedTriggers(second, id) == [.validation, .validation] })
        #expect(try JobsPageTests.eventually(seconds: 10) { try Self.checksJobs(second).map(\.state) == [.completed, .completed] })
    }
}
