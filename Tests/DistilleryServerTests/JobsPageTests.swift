import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryTestSupport
import Foundation
import Testing

/// `/jobs` and `GET /api/jobs`: real validations and syntheses against the fake teacher, listed with their
/// figures, filtered, paged, visible to the whole team, and with the queue saying how each one really ended.
@Suite(.serialized)
struct JobsPageTests {
    typealias S = SynthesisTests

    static func eventually(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }

    static func items(_ body: [String: Any]) -> [[String: Any]] { body["items"] as? [[String: Any]] ?? [] }
    static func id(_ item: [String: Any]) -> Int64? { (item["id"] as? NSNumber)?.int64Value }

    @Test func everyJobOfEveryKindIsListedNewestFirstFilteredAndPaged() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let seeds = try test.uploadRaw(S.seeds(12), name: "good seeds", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(seeds)
        let doomed = try test.uploadRaw(S.seeds(8) { _ in " [fail:401x9]" }, name: "doomed seeds", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(doomed)
        let broken = try test.uploadRaw(Array("{\"messages\":[]}\n".utf8), name: "broken chat")
        _ = try test.waitUntilValidated(broken)
        let completed = try S.jobID(try S.start(test, dataset: seeds, teacher: teacher))
        #expect(try S.waitForJob(test, completed)["status"] as? String == "completed")
        let failed = try S.jobID(try S.start(test, dataset: doomed, teacher: teacher))
        #expect(try S.waitForJob(test, failed)["status"] as? String == "failed")

        let all = try test.json("/api/jobs")
        #expect(all["total"] as? Int == 5)
        #expect(all["page"] as? Int == 1)
        #expect(all["perPage"] as? Int == 50)
        let items = Self.items(all)
        let ids = items.compactMap(Self.id)
        #expect(ids == ids.sorted(by: >), "newest first: \(ids)")
        #expect(Array(ids.prefix(2)) == [failed, completed])

        let done = try #require(items.first { Self.id($0) == completed })
        #expect(done["kind"] as? String == "synthesis")
        #expect(done["number"] as? String == "J-\(completed)")
        #expect(done["url"] as? String == "/synthesis/\(completed)")
        #expect(done["datasetText"] as? String == "Dataset #\(seeds)")
        #expect(done["datasetURL"] as? String == "/datasets/\(seeds)")
        #expect(done["status"] as? String == "completed")
        #expect(done["progressText"] as? String == "12 of 12 seeds (100%)")
        #expect(done["rowsProduced"] as? Int == 12)
        #expect(done["costText"] as? String == SelfHostedCost.unknownText)  // a custom server without a price
        #expect(done["startedBy"] as? String == TestApp.adminName)
        #expect(done["durationText"] as? String != "—")
        // The queue says how the synthesis ended: a failed one is not `completed` (it used to say `succeeded`).
        let refused = try #require(items.first { Self.id($0) == failed })
        #expect(refused["status"] as? String == "failed")
        #expect(refused["statusLabel"] as? String == "Synthesis failed")
        #expect(refused["rowsProduced"] as? Int == 0)

        let validations = items.filter { $0["kind"] as? String == "validation" }
        #expect(validations.count == 3)
        let seedsValidation = try #require(validations.first { ($0["datasetID"] as? NSNumber)?.int64Value == seeds })
        #expect(seedsValidation["url"] as? String == "/datasets/\(seeds)")
        #expect(seedsValidation["status"] as? String == "completed")
        #expect(seedsValidation["progressText"] as? String == "12 of 12 lines (100%)")
        #expect(seedsValidation["outcome"] as? String == "Ready to synthesize")
        #expect(seedsValidation["costText"] as? String == "—")
        let brokenValidation = try #require(validations.first { ($0["datasetID"] as? NSNumber)?.int64Value == broken })
        #expect(brokenValidation["outcome"] as? String == "Invalid")

        // Filters, alone and together.
        let synthesis = try test.json("/api/jobs?kind=synthesis")
        #expect(synthesis["total"] as? Int == 2)
        #expect(Self.items(synthesis).allSatisfy { $0["kind"] as? String == "synthesis" })
        #expect(Self.items(try test.json("/api/jobs?status=failed")).compactMap(Self.id) == [failed])
        #expect(try test.json("/api/jobs?kind=validation&status=completed")["total"] as? Int == 3)
        #expect(try test.json("/api/jobs?kind=validation&status=failed")["total"] as? Int == 0)
        for (query, message) in [
            ("kind=bogus", "kind must be one of validation, synthesis, generation, evaluation; got \\\"bogus\\\"."),
            ("status=succeeded", "status must be one of queued, running, completed, failed, cancelled; got \\\"succeeded\\\"."),
            ("per_page=201", "per_page must be at most 200; got 201."),
        ] {
            let response = try test.get("/api/jobs?\(query)")
            #expect(response.status == 400, "\(query)")
            #expect(response.text.contains(message), "\(query): \(response.text)")
        }

        // Paging: two a page, the last page holds the oldest job.
        let first = try test.json("/api/jobs?per_page=2")
        #expect(Self.items(first).compactMap(Self.id) == [failed, completed])
        #expect(first["total"] as? Int == 5)
        let last = try test.json("/api/jobs?per_page=2&page=3")
        #expect(Self.items(last).compactMap(Self.id) == [ids.last!])

        // The page: the same rows, linked, with the filter form and paging links that keep the filter.
        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.get("/jobs?per_page=2")
        #expect(page.status == 200)
        #expect(page.text.contains("<a href=\"/jobs\" aria-current=\"page\">Jobs</a>"))
        #expect(page.text.contains("<a href=\"/synthesis/\(completed)\">Job J-\(completed)</a>"))
        #expect(page.text.contains("<a class=\"nowrap\" href=\"/datasets/\(seeds)\">Dataset #\(seeds)</a>"))
        #expect(page.text.contains("Synthesis failed"))
        #expect(page.text.contains("href=\"/jobs?page=2&amp;per_page=2\">Older</a>"))
        #expect(!page.text.contains("data-jobs-poll"))  // nothing is running: nothing to follow
        let filtered = try browser.get("/jobs?kind=validation&status=completed").text
        #expect(filtered.contains("<option value=\"validation\" selected>Validation</option>"))
        #expect(filtered.contains("<option value=\"completed\" selected>Completed</option>"))
        #expect(!filtered.contains("/synthesis/\(completed)"))
        #expect(filtered.contains("3 of 3 jobs") || filtered.contains("1–3 of 3 jobs"))
        #expect(try browser.get("/jobs?status=done").status == 400)
        // Every other page links to it.
        #expect(try browser.get("/datasets").text.contains("<a href=\"/jobs\" >Jobs</a>"))
    }

    @Test func jobsAreVisibleToTheWholeTeamLikeDatasets() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let seeds = try test.uploadRaw(S.seeds(3), name: "admin's seeds", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(seeds)
        let member = try test.makeMember("bo")
        let asMember = try TestApp.object(try test.request("GET", "/api/jobs", token: member.token))
        #expect(asMember["total"] as? Int == 1)
        #expect(Self.items(asMember).first?["startedBy"] as? String == TestApp.adminName)
        #expect(try test.request("GET", "/api/jobs", token: "").status == 401)
        let browser = BrowserSession(test)
        try browser.signIn(name: "bo", password: "member password 1")
        #expect(try browser.get("/jobs").text.contains("Dataset #\(seeds)"))
    }

    @Test func aRunningJobIsFollowedInPlaceAndACancelledOneSaysSo() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "300"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let seeds = try test.uploadRaw(S.seeds(40), name: "slow", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(seeds)
        let job = try S.jobID(try S.start(test, dataset: seeds, teacher: teacher, extra: ["max_in_flight": "1"]))
        var running: [String: Any] = [:]
        let started = try Self.eventually(seconds: 30) {
            running = Self.items(try test.json("/api/jobs?kind=synthesis")).first ?? [:]
            return running["status"] as? String == "running" && (running["processed"] as? Int ?? 0) >= 1
        }
        try #require(started, "\(running)")
        #expect(running["isActive"] as? Bool == true)
        #expect(running["statusLabel"] as? String == "Synthesizing")
        #expect((running["progressText"] as? String ?? "").hasSuffix("of 40 seeds (\(running["percentDone"] as? Int ?? -1)%)"))
        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.get("/jobs").text
        // app.js polls the JSON twin of the same page and copies each row's figures into its cells.
        #expect(page.contains("data-jobs-poll=\"/api/jobs?page=1&amp;per_page=50\""))
        #expect(page.contains("<tr data-job-row=\"\(job)\">"))
        #expect(page.contains("data-job-cell=\"progressText\""))

        #expect(try test.request("POST", "/api/synthesis/\(job)/cancel").status == 202)
        #expect(try S.waitForJob(test, job)["status"] as? String == "cancelled")
        let ended = try #require(Self.items(try test.json("/api/jobs?kind=synthesis")).first)
        #expect(ended["status"] as? String == "cancelled")
        #expect(ended["isActive"] as? Bool == false)
        #expect(try test.json("/api/jobs?status=cancelled")["total"] as? Int == 1)
    }
}
