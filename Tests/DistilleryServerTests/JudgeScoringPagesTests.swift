import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryTestSupport
import Foundation
import Testing

/// The "Score with a judge" form (CSRF, errors by field), the job page and its JSON twin from one view model, the link on
/// a chat dataset's page, the job on /jobs, and the judging cost in the dataset's bundle provenance.
@Suite(.serialized)
struct JudgeScoringPagesTests {
    @Test func theFormStartsAJobWhosePageJSONJobsEntryAndBundleCostAgree() throws {
        let teacher = try FakeTeacherProcess(["--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try JudgeScoringTests.chatDataset(test, count: 8) { "Question \($0): can I pay by card?" }
        let seeds = try test.uploadRaw(Fixtures.jsonl(Fixtures.seedLines(2)), name: "seeds", mode: "seeds", skillPrompt: "You write taglines.")
        _ = try test.waitUntilValidated(seeds)
        let browser = BrowserSession(test)
        try browser.signIn()

        #expect(try browser.get("/datasets/\(dataset)").text.contains("href=\"/datasets/\(dataset)/judge-scores/new\""))
        #expect(!(try browser.get("/datasets/\(seeds)").text.contains("judge-scores/new")))
        let form = try browser.get("/datasets/\(dataset)/judge-scores/new")
        #expect(form.status == 200)
        for dimension in JudgeDimension.builtIns { #expect(form.text.contains("name=\"dimension_\(dimension.id)\" value=\"on\" checked")) }
        #expect(form.text.contains("<legend>Judge</legend>"))

        var fields: [(String, String)] = [
            ("dimension_correct", "on"), ("dimension_safe", "on"), ("custom", "tone | Warm tone | 1-5 | Sounds friendly\nbad line"),
            ("provider", "openai-compatible"), ("custom_model", "fake-judge"), ("base_url", teacher.baseURL + "/v1"),
            ("input_price_per_million", "1000"), ("output_price_per_million", "2000"),
        ]
        let path = "/datasets/\(dataset)/judge-scores"
        let refused = try browser.submit(path, fields: fields, csrfFrom: "/datasets/\(dataset)/judge-scores/new")
        #expect(refused.status == 422)
        #expect(refused.text.contains("<span class=\"field-error\">custom line 2: Write id | title"), "\(refused.text.prefix(3000))")
        #expect(refused.text.contains("tone | Warm tone | 1-5 | Sounds friendly"))
        #expect(!refused.text.contains("name=\"dimension_answers_request\" value=\"on\" checked"))
        let forged = try browser.submit(path, fields: fields, csrfFrom: "", csrf: "not-the-token")
        #expect(forged.status == 403)
        #expect(try test.json("/api/jobs")["total"] as? Int == 2)  // the two validations

        fields[2] = ("custom", "tone | Warm tone | 1-5 | Sounds friendly")
        let started = try browser.submit(path, fields: fields, csrfFrom: "/datasets/\(dataset)/judge-scores/new")
        #expect(started.status == 303, "\(started.text.prefix(2000))")
        let jobID = try started.locationID(after: "/scoring/")
        let job = try JudgeScoringTests.waitForJob(test, jobID)
        #expect(job["status"] as? String == "completed")
        #expect(job["scored"] as? Int == 8)
        let dimensions = try #require(job["dimensions"] as? [[String: Any]])
        #expect(dimensions.map { $0["id"] as? String } == ["correct", "safe", "tone"])
        #expect(dimensions.map { $0["meanText"] as? String } == ["4.0 of 5", "100% pass", "4.0 of 5"])

        let page = try browser.get("/scoring/\(jobID)")
        #expect(page.status == 200)
        #expect(page.text.contains("Scoring job J-\(jobID)"))
        for dimension in dimensions {
            #expect(page.text.contains("<strong>\(dimension["title"] as? String ?? "?")</strong>"))
            #expect(page.text.contains("<td>\(dimension["meanText"] as? String ?? "?")</td>"))
        }
        let costText = try #require(job["costText"] as? String)
        #expect((job["costUSD"] as? Double ?? 0) > 0)
        #expect(page.text.contains(costText))

        let listed = try #require((try test.json("/api/jobs?kind=scoring")["items"] as? [[String: Any]])?.first)
        #expect(listed["url"] as? String == "/scoring/\(jobID)")
        #expect(listed["costText"] as? String == costText)
        #expect(listed["processed"] as? Int == 8 && listed["total"] as? Int == 8)

        // The judging cost is the dataset's, in its bundle's provenance, with the judge among who made it.
        let bundle = try test.get("/datasets/\(dataset)/export?format=bundle")
        #expect(bundle.status == 200)
        let provenance = try DatasetSplitExportTests.jsonObject(
            try DatasetSplitExportTests.bundleEntries(bundle.body, directory: test.directory)["provenance.json"])
        #expect(abs((provenance["cost_usd"] as? Double ?? -1) - (job["costUSD"] as? Double ?? 0)) < 1e-9)
        let teachers = try #require(provenance["teachers"] as? [[String: String]])
        #expect(teachers.contains(["provider": "openai-compatible", "model": "fake-judge"]), "\(teachers)")
    }
}
