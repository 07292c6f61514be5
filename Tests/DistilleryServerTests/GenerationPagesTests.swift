import DistilleryCore
import DistilleryPlatform
import DistilleryTestSupport
import Foundation
import Testing

/// The New generation task form and the task page as a browser uses them: the form, a refused submission (422, the
/// problem beside its field, nothing queued), a task started (303 to its page), and the page and its JSON twin telling
/// the same report.
@Suite(.serialized)
struct GenerationPagesTests {
    @Test func theFormStartsATaskWhosePageAndJSONTellTheSameReport() throws {
        let teacher = try FakeTeacherProcess(["--gen-duplicate-rate", "0.2"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try GenerationTests.template(test, prompt: "Write {count} {difficulty} questions about {topic}.")
        let browser = BrowserSession(test)
        try browser.signIn()

        let form = try browser.get("/templates/\(template)/generate")
        #expect(form.status == 200)
        #expect(form.text.contains("name=\"variables\""))
        #expect(form.text.contains("difficulty: "))

        let fields: [(String, String)] = [
            ("name", "from the form"), ("count", "30"), ("items_per_call", "5"), ("variables", "topic: billing 2, outages 1\ndifficulty: easy"),
            ("provider", "openai-compatible"), ("custom_model", "fake-teacher"), ("base_url", teacher.baseURL + "/v1"),
        ]
        let refused = try browser.submit(
            "/templates/\(template)/generate", fields: fields.map { $0.0 == "variables" ? ($0.0, "topic: billing -2, outages") : $0 },
            csrfFrom: "/templates/\(template)/generate")
        #expect(refused.status == 422)
        #expect(refused.text.contains("<span class=\"field-error\">line 1: topic: value 1 has weight -2"), "\(refused.text.prefix(3000))")
        #expect(refused.text.contains("value=\"from the form\""))
        #expect(try test.json("/api/jobs")["total"] as? Int == 0)

        let started = try browser.submit("/templates/\(template)/generate", fields: fields, csrfFrom: "/templates/\(template)/generate")
        #expect(started.status == 303, "\(started.text.prefix(2000))")
        let location = try #require(started.headers["Location"])
        let jobID = try #require(Int64(location.dropFirst("/generations/".count)))
        let task = try GenerationTests.waitForTask(test, jobID)
        #expect(task["status"] as? String == "completed")
        let strata = try #require(task["strata"] as? [[String: Any]])
        #expect(strata.map { $0["target"] as? Int } == [20, 10])
        #expect(strata.map { $0["accepted"] as? Int } == [20, 10])

        let page = try browser.get(location)
        #expect(page.status == 200)
        #expect(page.text.contains("Generation task J-\(jobID)"))
        for stratum in strata {
            #expect(page.text.contains("<td>\(stratum["label"] as? String ?? "?")</td><td class=\"num\">\(stratum["target"] as? Int ?? -1)</td>"))
        }
        let datasetID = try #require((task["datasetID"] as? NSNumber)?.int64Value)
        #expect(page.text.contains("href=\"/datasets/\(datasetID)\""))
        let totals = try #require(task["totals"] as? [String: Any])
        #expect(page.text.contains("Dropped items (\(task["droppedTotal"] as? Int ?? -1))"))
        #expect((totals["duplicates"] as? Int ?? 0) + (totals["surplus"] as? Int ?? 0) == (task["droppedTotal"] as? Int ?? -1))
        if let first = (task["dropped"] as? [[String: Any]])?.first {
            #expect(page.text.contains(first["verdictText"] as? String ?? "?"))
        }
        let jobs = try browser.get("/jobs")
        #expect(jobs.text.contains("href=\"/generations/\(jobID)\""))
        #expect(try browser.get("/generations/987654").status == 404)
    }
}
