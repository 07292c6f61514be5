import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryTestSupport
import Foundation
import Testing

/// What the synthesis pages say: a small child is "not yet trainable", jobs show what they ran with and how
/// long they took against the estimate, and numbers read the same everywhere.
@Suite(.serialized)
struct SynthesisPresentationTests {
    typealias S = SynthesisTests

    static func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func aSmallChildIsNotYetTrainableAndLinksToTheJobThatMadeIt() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(20), name: "tiny", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let browser = BrowserSession(test)
        try browser.signIn()
        // The dialog warns before the start that 20 seeds cannot reach the 100 rows training needs.
        let dialog = try browser.get("/datasets/\(parent)/synthesize").text
        #expect(dialog.contains("20 seeds can make at most 20 rows; training needs at least 100."))

        var jobIDs: [Int64] = []
        var childIDs: [Int64] = []
        for _ in 0..<2 {
            let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher))
            let job = try S.waitForJob(test, jobID)
            #expect(job["status"] as? String == "completed")
            jobIDs.append(jobID)
            childIDs.append(try #require((job["childDatasetID"] as? NSNumber)?.int64Value))
        }
        let children = try childIDs.map { try test.json("/api/datasets/\($0)") }
        let names = children.compactMap { ($0["dataset"] as? [String: Any])?["name"] as? String }
        #expect(Set(names).count == 2, "children of one parent share a name: \(names)")
        let today = String(Formatting.iso8601(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)).prefix(10))
        #expect(names.first == "tiny · fake-teacher · Job J-\(jobIDs[0]) · \(today)")

        let child = children[0]
        let item = try #require(child["dataset"] as? [String: Any])
        #expect(item["status"] as? String == "invalid")  // the stored status: the validator's verdict
        #expect(item["statusLabel"] as? String == "Not yet trainable")
        #expect(item["statusTone"] as? String == "warn")
        let readiness = try #require(item["readiness"] as? [String: Any])
        #expect(readiness["rowsNeeded"] as? Int == 80)
        #expect(readiness["summary"] as? String == "20 rows; 80 more needed to train, minimum 100.")
        #expect((child["producedBy"] as? [String: Any])?["url"] as? String == "/synthesis/\(jobIDs[0])")

        let page = try browser.get("/datasets/\(childIDs[0])").text
        #expect(page.contains("Not yet trainable"))
        #expect(page.contains("20 rows; 80 more needed to train, minimum 100."))
        #expect(page.contains("Synthesize more seeds"))
        #expect(!page.contains("Fix the source file"))
        #expect(!page.contains("status bad"))
        #expect(page.contains("made by <a href=\"/synthesis/\(jobIDs[0])\">Job J-\(jobIDs[0])</a>"))
        let list = try browser.get("/datasets").text
        #expect(Self.occurrences(of: "Not yet trainable", in: list) == 2)
        // The parent lists its jobs by job number, never "#n" like a dataset.
        let parentPage = try browser.get("/datasets/\(parent)").text
        #expect(parentPage.contains(">Job J-\(jobIDs[1])</a>"))
    }

    @Test func theJobPageShowsItsSettingsTimesAndEstimateVersusActual() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "30"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(12), name: "settings", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try S.jobID(try S.start(
            test, dataset: parent, teacher: teacher,
            extra: ["temperature": "0.3", "max_new_tokens": "120", "seed": "7", "requests_per_minute": "6000", "max_in_flight": "2"]))
        let job = try S.waitForJob(test, jobID)
        #expect(job["number"] as? String == "J-\(jobID)")
        #expect(job["teacherName"] as? String == "OpenAI-compatible (custom base URL)")
        let settings = try #require(job["settings"] as? [String: Any])
        #expect(settings["baseURL"] as? String == teacher.baseURL + "/v1")
        #expect(settings["temperature"] as? Double == 0.3)
        #expect(settings["maxNewTokens"] as? Int == 120)
        #expect(settings["maxTokensCap"] as? Int == 480, "no cap given: four times max new tokens")
        #expect(settings["judgeMaxTokens"] == nil, "no judge without rejection sampling")
        #expect(settings["seed"] as? Int == 7)
        #expect(settings["requestsPerMinute"] as? Int == 6000)
        #expect(settings["maxInFlight"] as? Int == 2)
        #expect(settings["key"] as? String == "pasted for this job")
        #expect(job["startedBy"] as? String == TestApp.adminName)
        #expect(job["startedAt"] is String && job["finishedAt"] is String)
        // A self-hosted teacher has no price: its cost is unknown, not "$0.00".
        #expect(job["costText"] as? String == "unknown (self-hosted)")
        #expect(job["costKnown"] as? Bool == false)
        #expect(job["etaText"] as? String == "done")
        #expect(job["rateLabel"] as? String == "Average rate")
        // The estimate was timed against this server (one request of 1 token) and says what it assumed.
        let estimate = try #require(job["estimate"] as? [String: Any])
        let assumption = try #require(estimate["assumption"] as? String)
        #expect(assumption.contains("one request of 1 token timed at pre-flight"), "\(assumption)")
        #expect(assumption.contains("per answer of 120 tokens"), "\(assumption)")
        #expect(estimate["costText"] as? String == "unknown (self-hosted)")
        let versus = try #require(job["estimateVersusActual"] as? String)
        #expect(versus.hasPrefix("Estimated ") && versus.contains(", took "))
        let probes = try teacher.logEntries().filter { ($0["seed"] as? String) == PreflightCheck.timingPrompt }
        #expect(probes.count == 1)

        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.get("/synthesis/\(jobID)").text
        #expect(page.contains("Synthesis Job J-\(jobID)"))
        #expect(page.contains("<dt>Teacher</dt><dd>OpenAI-compatible (custom base URL)</dd>"))
        #expect(page.contains("<dt>Base URL</dt><dd>\(teacher.baseURL)/v1</dd>"))
        #expect(page.contains("<dt>API key</dt><dd>pasted for this job</dd>"))
        #expect(page.contains("<dt>Max tokens cap</dt><dd>480</dd>"))
        #expect(page.contains("started by \(TestApp.adminName)"))
        #expect(page.contains(versus.replacingOccurrences(of: "<", with: "&lt;")))
        #expect(page.contains("From <a href=\"/datasets/\(parent)\">Dataset #\(parent)</a>"))
        #expect(!page.contains("$0.00"))
    }

    @Test func aGivenPriceMakesASelfHostedCostKnown() throws {
        let teacher = try FakeTeacherProcess(["--latency-ms", "1"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(4), name: "priced", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let estimate = try test.json(
            "/api/datasets/\(parent)/synthesis/estimate?provider=openai-compatible&custom_model=fake-teacher&base_url=http://127.0.0.1:9/v1&input_price_per_million=2&output_price_per_million=8")
        let costText = try #require((estimate["estimate"] as? [String: Any])?["costText"] as? String)
        #expect(costText.hasPrefix("$0.0"), "\(costText)")
        // The expected answer length (500 by default) never exceeds max new tokens: 4 seeds × 120, not × 500.
        let capped = try test.json(
            "/api/datasets/\(parent)/synthesis/estimate?provider=openai-compatible&custom_model=fake-teacher&base_url=http://127.0.0.1:9/v1&max_new_tokens=120")
        #expect((capped["estimate"] as? [String: Any])?["completionTokens"] as? Int == 4 * 120)
        #expect(((capped["estimate"] as? [String: Any])?["assumption"] as? String)?.contains("per answer of 120 tokens") == true)
        let jobID = try S.jobID(try S.start(
            test, dataset: parent, teacher: teacher, extra: ["api_key": "", "input_price_per_million": "2", "output_price_per_million": "8"]))
        let job = try S.waitForJob(test, jobID)
        #expect(job["costKnown"] as? Bool == true)
        let cost = try #require(job["costUSD"] as? Double)
        #expect(cost > 0)
        #expect(job["costText"] as? String == Formatting.usd(cost))
        let refused = try S.start(test, dataset: parent, teacher: teacher, extra: ["api_key": "", "input_price_per_million": "-1"])
        #expect(refused.status == 422)
        #expect((try TestApp.object(refused)["error"] as? [String: Any]).flatMap { $0["fields"] as? [String: String] }?["input_price_per_million"] != nil)
    }

    @Test func aFailedJobHasARedBarAndSaysItFailed() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        // Every seed is refused with 401 (a key revoked after the pre-flight): the job stops at once.
        let parent = try test.uploadRaw(S.seeds(30) { _ in " [fail:401x9]" }, name: "doomed", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher))
        let job = try S.waitForJob(test, jobID)
        #expect(job["status"] as? String == "failed")
        #expect(job["barTone"] as? String == "bad")
        #expect((job["progressText"] as? String ?? "").hasPrefix("Failed: "), "\(job["progressText"] ?? "")")
        #expect(job["etaText"] as? String == "stopped")
        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.get("/synthesis/\(jobID)").text
        #expect(page.contains("<progress class=\"progress bad\""))
        #expect(!page.contains("30 of 30 seeds processed"))
    }

    @Test func aRefusedStartShowsItsReasonOnceNextToTheFieldAndKeepsTheEstimate() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(5), name: "typo", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let browser = BrowserSession(test)
        try browser.signIn()
        let refused = try browser.submit(
            "/datasets/\(parent)/synthesize",
            fields: [("provider", "openai-compatible"), ("custom_model", "fake-teachr"), ("base_url", teacher.baseURL + "/v1"),
                ("api_key", S.teacherKey), ("max_new_tokens", "100")], csrfFrom: "/datasets/\(parent)/synthesize")
        #expect(refused.status == 422)
        let reason = "The server does not list the model &quot;fake-teachr&quot;"
        #expect(Self.occurrences(of: reason, in: refused.text) == 1, "\(refused.text)")
        // Next to the model name field, after its input.
        let field = try #require(refused.text.range(of: "name=\"custom_model\""))
        let message = try #require(refused.text.range(of: reason))
        #expect(field.upperBound < message.lowerBound)
        #expect(!refused.text.contains("HTTP 404"))  // the server answered 200
        // The estimate panel is filled again.
        #expect(refused.text.contains("data-estimate-field=\"costText\""))
        #expect(refused.text.contains("Assumes "))
        #expect(!refused.text.contains(S.teacherKey))
    }
}
