import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// What happens to seeds that do not answer at once, against the fake teacher: truncated answers get a
/// doubled limit, unreadable verdicts a varied retry, a job whose first seeds all fail the same way
/// stops early, skipped seeds are listed and can be retried into the same child, and the attempt cap
/// holds across a restart.
@Suite(.serialized)
struct SynthesisRecoveryTests {
    typealias S = SynthesisTests
    typealias E = SynthesisEngineTests

    static func requests(_ teacher: FakeTeacherProcess, seedContaining marker: String, judge: Bool = false) throws -> [[String: Any]] {
        try E.chatRequests(teacher).filter {
            ($0["seed"] as? String ?? "").contains(marker) && (($0["judge"] as? Bool) ?? false) == judge
        }
    }

    static func skipped(_ test: TestApp, _ jobID: Int64, perPage: Int = 500) throws -> [[String: Any]] {
        try test.json("/api/synthesis/\(jobID)/skipped?per_page=\(perPage)")["items"] as? [[String: Any]] ?? []
    }

    static func postJSON(_ test: TestApp, _ path: String, _ fields: [String: Any]) throws -> HTTPClientResponse {
        try test.request(
            "POST", path, headers: [("Content-Type", "application/json")], body: .bytes(Array(try JSONSerialization.data(withJSONObject: fields))))
    }

    @Test func aTruncatedAnswerIsRetriedWithADoubledLimitUpToTheCapAndTheSkipSaysSo() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        // Eight short answers first (so the job is past its early seeds), then answers of 200, 400 and 1,000 tokens.
        let lengths = [8: " [len:200]", 9: " [len:400]", 10: " [len:1000]"]
        let parent = try test.uploadRaw(S.seeds(11) { lengths[$0] ?? "" }, name: "long answers", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try S.jobID(try S.start(
            test, dataset: parent, teacher: teacher, extra: ["max_new_tokens": "120", "max_tokens_cap": "480", "max_in_flight": "4"]))
        let job = try S.waitForJob(test, jobID)
        #expect(job["written"] as? Int == 10, "skipped: \(job["skipReasons"] ?? "")")
        #expect(job["skipped"] as? Int == 1)

        // Each retry doubled the limit: the same limit would have been cut off again.
        #expect(try Self.requests(teacher, seedContaining: "[len:200]").compactMap { $0["max_tokens"] as? Int } == [120, 240])
        #expect(try Self.requests(teacher, seedContaining: "[len:400]").compactMap { $0["max_tokens"] as? Int } == [120, 240, 480])
        #expect(try Self.requests(teacher, seedContaining: "[len:1000]").compactMap { $0["max_tokens"] as? Int } == [120, 240, 480])

        // The row separates the answer's own tokens from everything billed for the seed.
        let rows = try E.childRows(test, job)
        let long = try #require(rows.first { (($0["row"] as? [String: Any])?["messages"] as? [[String: String]])?[1]["content"]?.contains("[len:400]") == true })
        let metadata = try #require(long["metadata"] as? [String: Any])
        #expect(metadata["tokens_out"] as? Int == 400)
        #expect(metadata["tokens_out_billed"] as? Int == 120 + 240 + 400)
        #expect(metadata["max_tokens"] as? Int == 480)
        #expect((metadata["tokens_out"] as? Int ?? 0) <= (metadata["max_tokens"] as? Int ?? 0))

        // Every skipped seed is listed (JSON, page, download) with its line, text, reason and last error.
        let expected = "Truncated at 480 tokens after raising the limit 120 → 240 → 480; raise the cap"
        let skipped = try Self.skipped(test, jobID)
        #expect(skipped.count == 1)
        #expect(skipped.first?["line"] as? Int == 11)
        #expect(skipped.first?["input"] as? String == "Seed number 10 [len:1000]")
        #expect(skipped.first?["code"] as? String == "truncated_answer")
        let message = skipped.first?["message"] as? String ?? ""
        #expect(message.contains(expected), "\(message)")
        let page = try test.get("/synthesis/\(jobID)").text
        #expect(page.contains("Seed number 10 [len:1000]"))
        #expect(page.contains(expected))
        #expect(page.contains("Retry skipped seeds"))
        let download = try test.get("/synthesis/\(jobID)/skipped.jsonl")
        #expect(download.status == 200)
        let lines = download.text.split(separator: "\n")
        #expect(lines.count == 1)
        let line = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(line["input"] as? String == "Seed number 10 [len:1000]")
        #expect(line["code"] as? String == "truncated_answer")

        // Retry it with a higher cap: its row joins the same child, nothing is duplicated.
        let childID = try #require((job["childDatasetID"] as? NSNumber)?.int64Value)
        let retried = try Self.postJSON(test, "/api/synthesis/\(jobID)/retry-skipped", ["max_tokens_cap": "1000", "api_key": S.teacherKey])
        #expect(retried.status == 202, "\(retried.text)")
        #expect(try TestApp.object(retried)["requeued"] as? Int == 1)
        let again = try S.waitForJob(test, jobID)
        #expect(again["status"] as? String == "completed")
        #expect(again["written"] as? Int == 11)
        #expect(again["skipped"] as? Int == 0)
        #expect((again["childDatasetID"] as? NSNumber)?.int64Value == childID)
        let childRows = try E.childRows(test, again)
        #expect(childRows.count == 11)
        let users = childRows.compactMap { (($0["row"] as? [String: Any])?["messages"] as? [[String: String]])?[1]["content"] }
        #expect(Set(users).count == 11)
        #expect(try Self.requests(teacher, seedContaining: "[len:1000]").compactMap { $0["max_tokens"] as? Int } == [120, 240, 480, 120, 240, 480, 960, 1000])
        let child = try test.json("/api/datasets/\(childID)")["dataset"] as? [String: Any]
        #expect(child?["rows"] as? Int == 11)
        // The job's pasted key for the retry went with it.
        #expect(try test.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM teacher_keys")?.intValue } == 0)
    }

    @Test func aRetryOfAnUnreadableVerdictChangesTheRequest() throws {
        // A deterministic judge: at temperature 0 it always answers the same prose.
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--judge-garbage-at-zero"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(6), name: "judged", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: ["rejection_sampling": "true", "seed": "11"]))
        let job = try S.waitForJob(test, jobID)
        #expect(job["written"] as? Int == 6, "skipped: \(job["skipReasons"] ?? "")")
        for seed in 0..<6 {
            let judged = try Self.requests(teacher, seedContaining: "Seed number \(seed)\n", judge: true)
            #expect(judged.count == 2, "seed \(seed): \(judged.count) judge calls")
            #expect(judged.first?["temperature"] as? Double == 0)
            #expect((judged.last?["temperature"] as? Double ?? 0) > 0)
            #expect(judged.first?["sampling_seed"] as? Int != judged.last?["sampling_seed"] as? Int)
        }
    }

    @Test func aTruncatedVerdictIsTheJudgesLimitAndIsRaisedUpToTheCap() throws {
        // The verdict needs 300 tokens.
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--judge-tokens", "300"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(6), name: "verbose judge", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        // The judge's own limit with no room to raise: a judge failure with the judge's advice.
        let stuck = try S.waitForJob(test, try S.jobID(try S.start(
            test, dataset: parent, teacher: teacher,
            extra: ["rejection_sampling": "true", "max_new_tokens": "100", "max_tokens_cap": "100", "judge_max_tokens": "100", "max_in_flight": "2"])))
        // Every seed would fail alike: the job stopped after the first five instead of spending the whole budget.
        #expect(stuck["status"] as? String == "failed")
        #expect((stuck["failure"] as? String ?? "").contains("the first 5 seeds all failed the same way (judge_truncated)"))
        let reasons = try #require(stuck["skipReasons"] as? [[String: Any]])
        #expect(reasons.first?["code"] as? String == "judge_truncated")
        let example = reasons.first?["example"] as? String ?? ""
        #expect(example.contains("raise the judge's max tokens"))
        #expect(!example.contains("raise max new tokens"))
        #expect(try E.chatRequests(teacher).filter { ($0["judge"] as? Bool) == true }.allSatisfy { $0["max_tokens"] as? Int == 100 })

        // With a cap above it, the judge's limit doubles until the verdict fits.
        let fits = try S.waitForJob(test, try S.jobID(try S.start(
            test, dataset: parent, teacher: teacher,
            extra: ["rejection_sampling": "true", "max_new_tokens": "100", "max_tokens_cap": "400", "judge_max_tokens": "100"])))
        #expect(fits["written"] as? Int == 6, "skipped: \(fits["skipReasons"] ?? "")")
    }

    @Test func whenTheFirstSeedsAllFailTheSameWayTheJobStopsEarlyAndCanBeRetried() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let count = 40
        let parent = try test.uploadRaw(S.seeds(count) { _ in " [len:1000]" }, name: "too long", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try S.jobID(try S.start(
            test, dataset: parent, teacher: teacher, extra: ["max_new_tokens": "100", "max_tokens_cap": "100", "max_in_flight": "2"]))
        let job = try S.waitForJob(test, jobID)
        #expect(job["status"] as? String == "failed")
        let failure = job["failure"] as? String ?? ""
        #expect(failure.contains("Stopped early: the first 5 seeds all failed the same way (truncated_answer)"), "\(failure)")
        // The first five were tried (each once: at the cap a truncation is final); the rest were never sent.
        let sent = try E.chatRequests(teacher).count
        #expect(sent >= 5 && sent <= 7, "\(sent) requests")
        let skipped = try Self.skipped(test, jobID)
        #expect(skipped.count == count)
        #expect(skipped.filter { $0["code"] as? String == "truncated_answer" }.count == 5)
        #expect(skipped.filter { $0["code"] as? String == "not_attempted" }.count >= count - 7)
        // Skipped seeds list in pages.
        let firstPage = try test.json("/api/synthesis/\(jobID)/skipped?per_page=15&page=3")
        #expect(firstPage["total"] as? Int == count)
        #expect((firstPage["items"] as? [[String: Any]])?.count == 10)

        // A cap under max new tokens is refused, naming the field (page and JSON), and changes nothing.
        let browser = BrowserSession(test)
        try browser.signIn()
        let refused = try browser.submit(
            "/synthesis/\(jobID)/retry-skipped", fields: [("max_new_tokens", "1000"), ("max_tokens_cap", "500"), ("api_key", S.teacherKey)],
            csrfFrom: "/synthesis/\(jobID)")
        #expect(refused.status == 422)
        #expect(refused.text.contains("Must be at least max new tokens (1000)"))
        #expect(!refused.text.contains(S.teacherKey))
        let refusedJSON = try Self.postJSON(test, "/api/synthesis/\(jobID)/retry-skipped", ["max_new_tokens": "1000", "max_tokens_cap": "500"])
        #expect(refusedJSON.status == 422)
        #expect(((try TestApp.object(refusedJSON)["error"] as? [String: Any])?["fields"] as? [String: String])?["max_tokens_cap"] != nil)
        #expect(try Self.skipped(test, jobID).count == count)

        // Retried from the job page with a higher limit, every seed lands in a new child.
        let retried = try browser.submit(
            "/synthesis/\(jobID)/retry-skipped", fields: [("max_new_tokens", "1000"), ("max_tokens_cap", ""), ("api_key", S.teacherKey)],
            csrfFrom: "/synthesis/\(jobID)")
        #expect(retried.status == 303)
        let again = try S.waitForJob(test, jobID)
        #expect(again["status"] as? String == "completed")
        #expect(again["written"] as? Int == count)
        #expect(try E.childRows(test, again).count == count)
    }

    @Test func aRetryWithABadCapIsRefusedNamingTheField() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(3), name: "seeds", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let refused = try S.start(test, dataset: parent, teacher: teacher, extra: ["max_new_tokens": "300", "max_tokens_cap": "200"])
        #expect(refused.status == 422)
        let fields = (try TestApp.object(refused)["error"] as? [String: Any])?["fields"] as? [String: String]
        #expect(fields?["max_tokens_cap"]?.contains("at least max new tokens (300)") == true)
        // A job with nothing skipped has nothing to retry.
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher))
        _ = try S.waitForJob(test, jobID)
        #expect(try Self.postJSON(test, "/api/synthesis/\(jobID)/retry-skipped", [:]).status == 409)
    }

    @Test func theDialogWarnsWhenTheExpectedAnswerIsLongerThanTheLimit() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(3), name: "seeds", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let browser = BrowserSession(test)
        try browser.signIn()
        let short = try browser.get("/datasets/\(parent)/synthesize?provider=deepseek&model=deepseek-chat&max_new_tokens=120&expected_completion_tokens=300").text
        #expect(short.contains("The expected answer (300 tokens) is longer than max new tokens (120)"))
        #expect(short.contains("Max tokens cap"))
        let fine = try browser.get("/datasets/\(parent)/synthesize?provider=deepseek&model=deepseek-chat&max_new_tokens=500&expected_completion_tokens=300").text
        #expect(!fine.contains("is longer than max new tokens"))
    }

    @Test func theAttemptCapHoldsAcrossARestart() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let first = try TestApp()
        let directory = first.directory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Seed 3 fails every time; the others answer.
        let parent = try first.uploadRaw(S.seeds(4) { $0 == 3 ? " [fail:500x99]" : "" }, name: "stubborn", mode: "seeds", skillPrompt: S.skill)
        _ = try first.waitUntilValidated(parent)
        let jobID = try S.jobID(try S.start(first, dataset: parent, teacher: teacher, extra: ["max_in_flight": "4"]))
        let deadline = Date().addingTimeInterval(30)
        while try Self.requests(teacher, seedContaining: "[fail:500x99]").count < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        first.stop()
        let beforeRestart = try Self.requests(teacher, seedContaining: "[fail:500x99]").count
        #expect(beforeRestart >= 2 && beforeRestart < 5, "the restart must come mid-way: \(beforeRestart) attempts")

        let second = try TestApp(directory: directory)
        let job = try S.waitForJob(second, jobID)
        #expect(job["written"] as? Int == 3)
        let sent = try Self.requests(teacher, seedContaining: "[fail:500x99]").count
        #expect(sent == 5, "the failing seed was sent \(sent) times across the restart (cap 5)")
        let skipped = try Self.skipped(second, jobID)
        #expect(skipped.first?["attempts"] as? Int ?? 99 <= 5)
    }
}
