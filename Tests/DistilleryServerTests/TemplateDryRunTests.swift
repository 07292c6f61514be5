import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// A template's dry run on the real server against the fake teacher: one call per category, the items and their cost
/// shown, and nothing stored (every table counted before and after).
@Suite(.serialized)
struct TemplateDryRunTests {
    static let teacherKey = "sk-dry-run-teacher-key-0123456789"
    static let tables = [
        "jobs", "generation_jobs", "generation_strata", "generation_calls", "generation_items", "datasets", "dataset_rows",
        "teacher_keys", "job_endpoint_usage", "templates",
    ]

    static func template(_ test: TestApp) throws -> Int64 {
        try GenerationTests.template(test, type: .qa, system: "You write support questions.", prompt: "Write {count} {difficulty} questions about {topic}.")
    }

    static func counts(_ test: TestApp) throws -> [String: Int] {
        try test.app.services.database.read { connection in
            Dictionary(uniqueKeysWithValues: try tables.map { ($0, try connection.scalar("SELECT COUNT(*) FROM \($0)")?.intValue ?? -1) })
        }
    }

    static func teacherFields(_ teacher: FakeTeacherProcess) -> [String: Any] {
        [
            "provider": "openai-compatible", "custom_model": "fake-teacher", "base_url": teacher.baseURL + "/v1", "supports_structured_output": true,
            "input_price_per_million": 2, "output_price_per_million": 8,
        ]
    }

    static func dryRun(_ test: TestApp, template: Int64, _ body: [String: Any]) throws -> HTTPClientResponse {
        try test.request(
            "POST", "/api/templates/\(template)/dry-run", headers: [("Content-Type", "application/json")],
            body: .bytes(Array(try JSONSerialization.data(withJSONObject: body))))
    }

    /// The cost of what the teacher reported (its logged usage) at $2 in / $8 out per million tokens.
    static func loggedUsage(_ teacher: FakeTeacherProcess) throws -> (tokensIn: Int, tokensOut: Int, cost: Double) {
        let usages = try teacher.logEntries().compactMap { $0["usage"] as? [String: Any] }
        let tokensIn = usages.reduce(0) { $0 + ($1["prompt_tokens"] as? Int ?? 0) }
        let tokensOut = usages.reduce(0) { $0 + ($1["completion_tokens"] as? Int ?? 0) }
        return (tokensIn, tokensOut, (Double(tokensIn) * 2 + Double(tokensOut) * 8) / 1_000_000)
    }

    @Test func oneCallPerCategoryShowsItsItemsAndCostAndStoresNothing() throws {
        let teacher = try FakeTeacherProcess(["--api-key", Self.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        let before = try Self.counts(test)
        let response = try Self.dryRun(test, template: template, [
            "variables": ["topic": ["billing", "outages", "onboarding"], "difficulty": "easy"], "items_per_call": 3,
            "teacher": Self.teacherFields(teacher), "api_key": Self.teacherKey,
        ])
        #expect(response.status == 200, "\(response.text)")
        let body = try TestApp.object(response)
        let calls = try #require(body["calls"] as? [[String: Any]])
        #expect(calls.map { $0["stratum"] as? String } == ["topic=billing", "topic=outages", "topic=onboarding"])
        #expect(calls.map { $0["prompt"] as? String } == [
            "Write 3 easy questions about billing.", "Write 3 easy questions about outages.", "Write 3 easy questions about onboarding.",
        ])
        for call in calls {
            let items = try #require(call["items"] as? [[String: Any]])
            #expect(items.count == 3)
            for item in items {
                let fields = try #require(item["fields"] as? [[String: String]])
                #expect(fields.map { $0["name"] } == ["question", "answer"])
                #expect(fields.allSatisfy { !($0["value"] ?? "").isEmpty })
            }
            #expect(call["failure"] == nil || call["failure"] is NSNull)
        }
        // One request per category, and the cost is what the teacher reported, at the endpoint's prices.
        let requests = try teacher.logEntries().filter { $0["path"] as? String == "/v1/chat/completions" }
        #expect(requests.count == 3)
        #expect(requests.allSatisfy { $0["response_format"] as? String == "json_schema" && $0["gen_items"] as? Int == 3 })
        let usage = try Self.loggedUsage(teacher)
        #expect(body["tokensIn"] as? Int == usage.tokensIn)
        #expect(body["tokensOut"] as? Int == usage.tokensOut)
        #expect(abs((body["costUSD"] as? Double ?? -1) - usage.cost) < 1e-12)
        #expect(usage.cost > 0)
        #expect(body["costText"] as? String == Formatting.usd(usage.cost))
        #expect(body["items"] as? Int == 9)
        // Nothing stored: no job, no task, no dataset, no item, no key.
        #expect(try Self.counts(test) == before)
    }

    @Test func aKeyTheTeacherRefusesIsNamedWithoutTheKeyAndNothingIsStored() throws {
        let teacher = try FakeTeacherProcess(["--api-key", Self.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        let before = try Self.counts(test)
        let wrongKey = "sk-wrong-dry-run-key-9876543210"
        let response = try Self.dryRun(test, template: template, [
            "variables": ["topic": ["billing"], "difficulty": "easy"], "teacher": Self.teacherFields(teacher), "api_key": wrongKey,
        ])
        #expect(response.status == 422, "\(response.text)")
        #expect(try RecipeRunTests.fieldErrors(response)["api_key"]?.isEmpty == false, "\(response.text)")
        #expect(!response.text.contains(wrongKey))
        #expect(!response.text.contains(Self.teacherKey))
        #expect(!response.text.contains("9876543210"))
        #expect(try Self.counts(test) == before)
    }

    @Test(arguments: [
        (#"{"items_per_call": 11}"#, "items_per_call"),
        (#"{"count": 10}"#, "count"),
        (#"{"variables": {"topic": []}}"#, "variables.topic"),
        (#"{"variables": {"difficulty": "easy"}}"#, "variables"),
        (#"{"teacher": null}"#, "teacher"),
    ])
    func badDryRunRequestsAreRefusedNamingTheirJSONPath(change: String, path: String) throws {
        let teacher = try FakeTeacherProcess()
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        let body: [String: Any] = ["variables": ["topic": ["billing"], "difficulty": "easy"], "teacher": Self.teacherFields(teacher)]
        let response = try Self.dryRun(test, template: template, try SeedExpansionTests.changed(body, by: change))
        #expect(response.status == 422, "\(response.text)")
        #expect(try RecipeRunTests.fieldErrors(response)[path] != nil, "\(response.text)")
        #expect(try teacher.logEntries().filter { $0["path"] as? String == "/v1/chat/completions" }.isEmpty)
    }

    @Test func theDryRunPageShowsTheItemsAndTheirCost() throws {
        let teacher = try FakeTeacherProcess()
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        let browser = BrowserSession(test)
        try browser.signIn()
        #expect(try browser.get("/templates/\(template)").text.contains("href=\"/templates/\(template)/dry-run\""))
        let form = try browser.get("/templates/\(template)/dry-run")
        #expect(form.status == 200)
        #expect(form.text.contains(">difficulty: \ntopic: </textarea>"))
        let before = try Self.counts(test)
        let page = try browser.submit(
            "/templates/\(template)/dry-run",
            fields: [
                ("variables", "topic: billing, outages\ndifficulty: hard"), ("items_per_call", "2"), ("recipe_id", ""),
                ("provider", "openai-compatible"), ("base_url", teacher.baseURL + "/v1"), ("custom_model", "fake-teacher"),
                ("input_price_per_million", "2"), ("output_price_per_million", "8"), ("api_key", ""), ("saved_key_id", ""),
            ],
            csrfFrom: "/templates/\(template)/dry-run")
        #expect(page.status == 200, "\(page.text.prefix(3000))")
        #expect(page.text.contains("<h2>topic=billing</h2>"))
        #expect(page.text.contains("<h2>topic=outages</h2>"))
        #expect(page.text.components(separatedBy: "<dt>question</dt>").count - 1 == 4)
        #expect(page.text.contains("Write 2 hard questions about outages."))
        #expect(page.text.contains("data-dry-run-cost>\(Formatting.usd(try Self.loggedUsage(teacher).cost))<"))
        #expect(try Self.counts(test) == before)

        let refused = try browser.submit(
            "/templates/\(template)/dry-run", fields: [("variables", "topic billing"), ("provider", "openai-compatible")],
            csrfFrom: "/templates/\(template)/dry-run")
        #expect(refused.status == 422)
        #expect(refused.text.contains("line 1"))

        let transform = try GenerationTests.template(test, type: .transform, prompt: "Summarise: {input}")
        #expect(!(try browser.get("/templates/\(transform)").text.contains("/dry-run")))
        #expect(try browser.get("/templates/\(transform)/dry-run").status == 409)
    }
}
