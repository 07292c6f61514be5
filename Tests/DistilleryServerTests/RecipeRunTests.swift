import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// Recipes wired into runs, end to end against the fake teacher: a job started from a recipe with a field
/// overridden, its immutable snapshot, Run again, Save as recipe, and delete refused while the job runs.
@Suite(.serialized)
struct RecipeRunTests {
    typealias S = SynthesisTests

    static func recipe(name: String, teacher: FakeTeacherProcess, extra: String = "") -> String {
        #"""
        {"name": "\#(name)", "teacher": {"provider": "openai-compatible", "model": "fake-teacher", "baseURL": "\#(teacher.baseURL)/v1"},
         "sampling": {"temperature": 0.3, "maxNewTokens": 300}, "pacing": {"maxInFlight": 4, "requestTimeoutSeconds": 5}\#(extra)}
        """#
    }

    static func postJSON(_ test: TestApp, _ path: String, _ body: String) throws -> HTTPClientResponse {
        try test.request("POST", path, headers: [("Content-Type", "application/json")], body: .bytes(Array(body.utf8)))
    }

    static func startJSON(_ test: TestApp, dataset: Int64, _ fields: [String: Any]) throws -> HTTPClientResponse {
        try test.request(
            "POST", "/api/datasets/\(dataset)/synthesis", headers: [("Content-Type", "application/json")],
            body: .bytes(Array(try JSONSerialization.data(withJSONObject: fields))))
    }

    static func createRecipe(_ test: TestApp, _ body: String) throws -> Int64 {
        let created = try postJSON(test, "/api/recipes", body)
        guard created.status == 201, let id = (try TestApp.object(created)["id"] as? NSNumber)?.int64Value else {
            throw TestFailure("recipe -> \(created.status): \(created.text)")
        }
        return id
    }

    static func seedsDataset(_ test: TestApp, count: Int, name: String, marker: (Int) -> String = { _ in "" }) throws -> Int64 {
        let id = try test.uploadRaw(S.seeds(count, marker: marker), name: name, mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(id)
        return id
    }

    static func fieldErrors(_ response: HTTPClientResponse) throws -> [String: String] {
        (try TestApp.object(response)["error"] as? [String: Any])?["fields"] as? [String: String] ?? [:]
    }

    @Test func aJobStartedFromARecipeWithAnOverrideRunsWithBothAndKeepsItsSnapshot() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let recipeID = try Self.createRecipe(test, Self.recipe(name: "Fake teacher, cool", teacher: teacher))
        // Seed 3 fails every time: skipped, so its retry can store new settings on the job.
        let parent = try Self.seedsDataset(test, count: 8, name: "recipe seeds") { $0 == 3 ? " [fail:500x99]" : "" }

        let unknown = try Self.startJSON(test, dataset: parent, ["recipe_id": 987_654, "api_key": S.teacherKey])
        #expect(unknown.status == 422)
        #expect(try Self.fieldErrors(unknown)["recipe_id"]?.contains("No recipe 987654") == true)

        let started = try Self.startJSON(test, dataset: parent, ["recipe_id": recipeID, "api_key": S.teacherKey, "temperature": "0.9"])
        let jobID = try S.jobID(started)
        let job = try S.waitForJob(test, jobID)
        #expect(job["status"] as? String == "completed")
        #expect((job["recipeID"] as? NSNumber)?.int64Value == recipeID)
        #expect(job["recipeName"] as? String == "Fake teacher, cool")
        let settings = try #require(job["settings"] as? [String: Any])
        #expect(settings["temperature"] as? Double == 0.9, "the field given wins")
        #expect(settings["maxNewTokens"] as? Int == 300, "the rest is the recipe's")
        #expect(settings["maxInFlight"] as? Int == 4)
        // What the teacher received says the same.
        let sent = try teacher.logEntries().filter { ($0["path"] as? String) == "/v1/chat/completions" }
        // The seeds' requests (not the pre-flight's one-token timing), but the one that always fails.
        let answered = sent.filter { (($0["seed"] as? String) ?? "").hasPrefix("Seed number") && !(($0["seed"] as? String) ?? "").contains("[fail") }
        #expect(answered.count == 7)
        #expect(answered.allSatisfy { ($0["temperature"] as? Double) == 0.9 && ($0["max_tokens"] as? Int) == 300 }, "\(answered.prefix(2))")
        #expect((try test.json("/api/recipes/\(recipeID)")["usedByJobs"] as? NSNumber)?.intValue == 1)
        let runAgain = try #require(job["runAgainFields"] as? [String: String])
        #expect(runAgain["temperature"] == "0.9")
        #expect(runAgain["max_new_tokens"] == "300")
        #expect(runAgain["base_url"] == teacher.baseURL + "/v1")
        #expect(runAgain["api_key"] == nil)

        // A retry stores new settings on the job; the snapshot it ran with stays, and storage refuses to change it.
        let retried = try Self.postJSON(test, "/api/synthesis/\(jobID)/retry-skipped", #"{"temperature": "0.1", "api_key": "\#(S.teacherKey)"}"#)
        #expect(retried.status == 202, "\(retried.text)")
        let afterRetry = try S.waitForJob(test, jobID)
        #expect((afterRetry["settings"] as? [String: Any])?["temperature"] as? Double == 0.9)
        #expect((afterRetry["retrySettings"] as? [String: Any])?["temperature"] as? Double == 0.1)
        #expect((afterRetry["runAgainFields"] as? [String: String])?["temperature"] == "0.9")
        let page = try test.get("/synthesis/\(jobID)").text
        #expect(page.contains("Skipped seeds retried with"))
        #expect(throws: (any Error).self) {
            try test.app.services.database.write {
                try $0.run("UPDATE synthesis_jobs SET settings_snapshot = '{}' WHERE job_id = ?", .integer(jobID))
            }
        }
        let snapshot = try test.app.services.synthesis.job(id: jobID)?.settingsSnapshotJSON ?? ""
        #expect(snapshot.contains("\"temperature\":0.9"))
    }

    @Test func anImportedRecipeWithoutABaseURLIsRefusedNamingTheFieldUntilOneIsGiven() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let oumi = #"{"modelIdentifier": {"modelName": "fake-teacher"}, "inferenceConfig": {"inferenceTemperature": 0.2, "inferenceMaxNewTokens": 64}}"#
        let recipeID = try Self.createRecipe(test, oumi)
        let parent = try Self.seedsDataset(test, count: 3, name: "oumi seeds")

        let refused = try Self.startJSON(test, dataset: parent, ["recipe_id": recipeID, "api_key": S.teacherKey])
        #expect(refused.status == 422)
        let errors = try Self.fieldErrors(refused)
        #expect(errors["base_url"]?.contains("has no base URL") == true, "\(errors)")
        #expect(try test.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM synthesis_jobs")?.intValue } == 0)

        let started = try Self.startJSON(
            test, dataset: parent, ["recipe_id": "\(recipeID)", "api_key": S.teacherKey, "base_url": teacher.baseURL + "/v1"])
        let job = try S.waitForJob(test, try S.jobID(started))
        #expect(job["status"] as? String == "completed")
        #expect((job["settings"] as? [String: Any])?["maxNewTokens"] as? Int == 64)
    }

    @Test func deleteIsRefusedWhileAJobStartedFromTheRecipeRuns() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "1500"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let recipeID = try Self.createRecipe(test, Self.recipe(name: "Slow", teacher: teacher))
        let parent = try Self.seedsDataset(test, count: 6, name: "slow seeds")
        let jobID = try S.jobID(try Self.startJSON(test, dataset: parent, ["recipe_id": recipeID, "api_key": S.teacherKey, "max_in_flight": "1"]))

        let refused = try test.request("DELETE", "/api/recipes/\(recipeID)")
        #expect(refused.status == 409)
        #expect(refused.text.contains("used by 1 queued or running synthesis job"))
        let browser = BrowserSession(test)
        try browser.signIn()
        let refusedPage = try browser.submit("/recipes/\(recipeID)/delete", fields: [], csrfFrom: "/recipes/\(recipeID)")
        #expect(refusedPage.status == 409)
        #expect(refusedPage.text.contains("used by 1 queued or running synthesis job"))
        #expect((try test.json("/api/recipes/\(recipeID)")["activeJobs"] as? NSNumber)?.intValue == 1)

        #expect(try test.request("POST", "/api/synthesis/\(jobID)/cancel").status == 202)
        let ended = try S.waitForJob(test, jobID)
        #expect(ended["status"] as? String == "cancelled")
        #expect(try test.request("DELETE", "/api/recipes/\(recipeID)").status == 204)
        // The job keeps its own settings and loses only the link.
        let after = try test.json("/api/synthesis/\(jobID)")
        #expect(after["recipeID"] == nil || after["recipeID"] is NSNull)
        #expect((after["settings"] as? [String: Any])?["maxNewTokens"] as? Int == 300)
    }
}

/// The dialog from and to a recipe, and Run again, as a browser uses them.
@Suite(.serialized)
struct RecipeRunPagesTests {
    typealias S = SynthesisTests
    typealias R = RecipeRunTests

    /// The value of the input named `name` on the page.
    static func value(of name: String, in html: String) -> String? {
        guard let input = html.range(of: "name=\"\(name)\"") else { return nil }
        let rest = html[input.upperBound...].prefix { $0 != ">" }
        guard let value = rest.range(of: "value=\"") else { return nil }
        return String(rest[value.upperBound...].prefix { $0 != "\"" })
    }

    @Test func theDialogStartsFromARecipeTheJobPageShowsItAndRunAgainPrefills() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let recipeID = try R.createRecipe(test, R.recipe(name: "Reasoning kept", teacher: teacher, extra: #", "keepReasoning": true"#))
        let parent = try R.seedsDataset(test, count: 5, name: "first seeds")
        let other = try R.seedsDataset(test, count: 4, name: "other seeds")
        let browser = BrowserSession(test)
        try browser.signIn()

        let unknown = try browser.get("/datasets/\(parent)/synthesize?recipe_id=999")
        #expect(unknown.status == 422)
        #expect(unknown.text.contains("No recipe 999"))

        let blank = try browser.get("/datasets/\(parent)/synthesize").text
        #expect(blank.contains("Start from a recipe"))
        #expect(blank.contains("<option value=\"\(recipeID)\" >Reasoning kept</option>"))

        let filled = try browser.get("/datasets/\(parent)/synthesize?recipe_id=\(recipeID)")
        #expect(filled.status == 200)
        #expect(Self.value(of: "custom_model", in: filled.text) == "fake-teacher")
        #expect(Self.value(of: "base_url", in: filled.text) == teacher.baseURL + "/v1")
        #expect(Self.value(of: "temperature", in: filled.text) == "0.3")
        #expect(Self.value(of: "max_new_tokens", in: filled.text) == "300")
        #expect(filled.text.contains("<input type=\"hidden\" name=\"recipe_id\" value=\"\(recipeID)\">"))
        #expect(filled.text.contains("name=\"keep_reasoning\" value=\"true\" checked"))
        #expect(filled.text.contains("href=\"/recipes/\(recipeID)\">Reasoning kept</a>"))

        // Submitted as the browser would: the dialog's fields, one changed, keep-reasoning unticked (so absent).
        let started = try browser.submit(
            "/datasets/\(parent)/synthesize",
            fields: [
                ("dialog", "1"), ("recipe_id", "\(recipeID)"), ("provider", "openai-compatible"), ("custom_model", "fake-teacher"),
                ("base_url", teacher.baseURL + "/v1"), ("api_key", S.teacherKey), ("temperature", "0.8"), ("max_new_tokens", "300"),
                ("max_in_flight", "4"),
            ], csrfFrom: "/datasets/\(parent)/synthesize")
        #expect(started.status == 303, "\(started.text.prefix(500))")
        let location = try #require(started.headers["Location"])
        let jobID = try #require(Int64(location.dropFirst("/synthesis/".count)))
        let job = try S.waitForJob(test, jobID)
        #expect((job["recipeID"] as? NSNumber)?.int64Value == recipeID)
        #expect((job["runAgainFields"] as? [String: String])?["keep_reasoning"] == "false", "an unticked box is off, not the recipe's")

        let page = try browser.get(location).text
        #expect(page.contains("From the recipe <a href=\"/recipes/\(recipeID)\">Reasoning kept</a>"))
        #expect(page.contains("Settings it ran with"))
        #expect(page.contains("<dt>Temperature</dt><dd>0.8</dd>"))
        #expect(page.contains("<dt>Max new tokens</dt><dd>300</dd>"))
        #expect(page.contains("action=\"/synthesis/\(jobID)/run-again\""))
        #expect(page.contains("<option value=\"\(other)\" >other seeds (#\(other))</option>"))
        #expect(page.contains("<option value=\"\(parent)\" selected>first seeds (#\(parent))</option>"))

        let again = try browser.get("/synthesis/\(jobID)/run-again?dataset=\(other)")
        #expect(again.status == 303)
        let dialogURL = try #require(again.headers["Location"])
        #expect(dialogURL == "/datasets/\(other)/synthesize?from_job=\(jobID)")
        let prefilled = try browser.get(dialogURL)
        #expect(prefilled.status == 200)
        #expect(prefilled.text.contains("other seeds"))
        #expect(Self.value(of: "temperature", in: prefilled.text) == "0.8")
        #expect(Self.value(of: "max_new_tokens", in: prefilled.text) == "300")
        #expect(Self.value(of: "max_in_flight", in: prefilled.text) == "4")
        #expect(Self.value(of: "base_url", in: prefilled.text) == teacher.baseURL + "/v1")
        #expect(!prefilled.text.contains(S.teacherKey))
        #expect(try browser.get("/synthesis/\(jobID)/run-again").headers["Location"] == "/datasets/\(parent)/synthesize?from_job=\(jobID)")
        #expect(browser.responses.allSatisfy { !$0.text.contains(S.teacherKey) })
    }

    @Test func saveAsRecipeCreatesOneWithoutTheKeyAndReturnsToTheDialog() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try R.seedsDataset(test, count: 3, name: "save seeds")
        let browser = BrowserSession(test)
        try browser.signIn()
        let dialogFields: [(String, String)] = [
            ("dialog", "1"), ("recipe_id", ""), ("provider", "openai-compatible"), ("custom_model", "fake-teacher"),
            ("base_url", teacher.baseURL + "/v1"), ("api_key", S.teacherKey), ("temperature", "0.45"), ("max_new_tokens", "222"),
            ("max_in_flight", "6"), ("rejection_sampling", "true"), ("max_tokens_cap", "900"),
        ]

        let unnamed = try browser.submit(
            "/datasets/\(parent)/synthesize/recipe", fields: dialogFields + [("recipe_name", "")], csrfFrom: "/datasets/\(parent)/synthesize")
        #expect(unnamed.status == 422)
        #expect(unnamed.text.contains("The recipe was not saved"))
        #expect(unnamed.text.contains("is required"))
        #expect(!unnamed.text.contains(S.teacherKey))

        let saved = try browser.submit(
            "/datasets/\(parent)/synthesize/recipe", fields: dialogFields + [("recipe_name", "Saved from the dialog")],
            csrfFrom: "/datasets/\(parent)/synthesize")
        #expect(saved.status == 303)
        let location = try #require(saved.headers["Location"])
        #expect(!location.contains(S.teacherKey) && !location.contains("api_key"))
        let list = try #require(try test.json("/api/recipes")["recipes"] as? [[String: Any]])
        let created = try #require(list.first { $0["name"] as? String == "Saved from the dialog" })
        let newID = try #require((created["id"] as? NSNumber)?.int64Value)
        #expect(location.hasPrefix("/datasets/\(parent)/synthesize?"))
        #expect(location.contains("recipe_id=\(newID)") && location.contains("notice=recipe-saved"))
        let recipe = try #require(try test.json("/api/recipes/\(newID)")["recipe"] as? [String: Any])
        #expect((recipe["teacher"] as? [String: Any])?["baseURL"] as? String == teacher.baseURL + "/v1")
        #expect((recipe["sampling"] as? [String: Any])?["temperature"] as? Double == 0.45)
        #expect((recipe["sampling"] as? [String: Any])?["maxNewTokens"] as? Int == 222)
        #expect(recipe["rejectionSampling"] as? Bool == true)
        let bodies = try test.app.services.database.read { try $0.query("SELECT body FROM recipes").compactMap { $0.string("body") } }
        #expect(!bodies.isEmpty && bodies.allSatisfy { !$0.contains(S.teacherKey) })

        let back = try browser.get(location)
        #expect(back.status == 200)
        #expect(back.text.contains("Saved as a new recipe"))
        #expect(back.text.contains("<input type=\"hidden\" name=\"recipe_id\" value=\"\(newID)\">"))
        #expect(Self.value(of: "temperature", in: back.text) == "0.45")
        #expect(Self.value(of: "max_tokens_cap", in: back.text) == "900", "what a recipe does not hold stays as typed")
        #expect(!back.text.contains(S.teacherKey))
    }
}
