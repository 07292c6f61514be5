import DistilleryPlatform
import DistilleryStorage
import Foundation
import Testing

/// The recipe pages as a browser uses them: list, New, edit with field errors (422) and
/// Post/Redirect/Get, Duplicate, and Delete refused while a running job uses the recipe.
@Suite(.serialized)
struct RecipePagesTests {
    static let validFields: [(String, String)] = [
        ("name", "Page recipe"), ("description", "made in the browser"), ("teacherProvider", "deepseek"),
        ("teacherModel", "deepseek-chat"), ("teacherBaseURL", ""), ("judgeProvider", "zai"), ("judgeModel", "glm-4.5"),
        ("judgeBaseURL", ""), ("rejectionSampling", "on"), ("candidates", "3"), ("temperature", "0.9"), ("topP", "1"),
        ("maxNewTokens", "256"), ("seed", ""), ("requestsPerMinute", "60"), ("tokensPerMinute", ""), ("maxInFlight", "8"),
        ("requestTimeoutSeconds", "120"), ("distributionTrain", "0.8"), ("distributionValidation", "0.2"), ("distributionTest", "0"),
    ]

    static func fields(_ changes: [String: String]) -> [(String, String)] { validFields.changing(changes) }

    @Test func createShowEditDuplicateAndDeleteInTheBrowser() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()

        let empty = try browser.get("/recipes")
        #expect(empty.status == 200)
        #expect(empty.text.contains("No recipes yet"))
        #expect(empty.text.contains("href=\"/recipes/new\""))
        #expect(empty.text.contains("<a href=\"/recipes\" aria-current=\"page\">Recipes</a>"))

        let newPage = try browser.get("/recipes/new")
        #expect(newPage.status == 200)
        #expect(newPage.text.contains("name=\"teacherModel\" list=\"recipe-models\" value=\"deepseek-chat\""))

        let created = try browser.submit("/recipes", fields: Self.validFields, csrfFrom: "/recipes/new")
        #expect(created.status == 303)
        let id = try created.locationID(after: "/recipes/")
        let shown = try browser.get("/recipes/\(id)?notice=created")
        #expect(shown.status == 200)
        #expect(shown.text.contains("Recipe created."))
        #expect(shown.text.contains("value=\"Page recipe\""))
        #expect(shown.text.contains("<option value=\"zai\" selected>"))
        #expect(shown.text.contains("name=\"rejectionSampling\" value=\"on\" checked"))

        let list = try browser.get("/recipes")
        #expect(list.text.contains("<a href=\"/recipes/\(id)\">Page recipe</a>"))
        #expect(list.text.contains("DeepSeek · deepseek-chat"))
        #expect(list.text.contains("0 jobs"))

        // A refused edit: 422, the submitted values kept, each error beside its field, nothing saved.
        let refused = try browser.submit(
            "/recipes/\(id)", fields: Self.fields(["name": "Renamed", "temperature": "3.5", "distributionTrain": "0.9", "maxNewTokens": "lots"]),
            csrfFrom: "/recipes/\(id)")
        #expect(refused.status == 422)
        #expect(refused.text.contains("value=\"Renamed\""))
        #expect(refused.text.contains("value=\"3.5\"><span class=\"field-error\">must be between 0 and 2; got 3.5</span>"))
        #expect(refused.text.contains("<span class=\"field-error\">train + validation + test must be 1; got 1.1</span>"))
        #expect(refused.text.contains("<span class=\"field-error\">must be a whole number; got &quot;lots&quot;</span>"))
        #expect(try test.json("/api/recipes/\(id)")["name"] as? String == "Page recipe")

        // A good edit: Post/Redirect/Get back to the recipe.
        let saved = try browser.submit("/recipes/\(id)", fields: Self.fields(["name": "Renamed", "judgeProvider": ""]), csrfFrom: "/recipes/\(id)")
        #expect(saved.status == 303)
        #expect(saved.headers["Location"] == "/recipes/\(id)?notice=saved")
        let after = try test.json("/api/recipes/\(id)")
        #expect(after["name"] as? String == "Renamed")
        #expect(after["judge"] as? String == "same as the teacher")

        let duplicated = try browser.submit("/recipes/\(id)/duplicate", fields: [], csrfFrom: "/recipes/\(id)")
        #expect(duplicated.status == 303)
        let copyID = try duplicated.locationID(after: "/recipes/")
        #expect(copyID != id)
        #expect(try browser.get("/recipes/\(copyID)").text.contains("value=\"Renamed (copy)\""))

        let deleted = try browser.submit("/recipes/\(copyID)/delete", fields: [], csrfFrom: "/recipes/\(id)")
        #expect(deleted.status == 303)
        #expect(deleted.headers["Location"] == "/recipes")
        #expect(try browser.get("/recipes/\(copyID)").status == 404)
    }

    @Test func deleteIsRefusedWithAClearMessageWhileARunningJobUsesTheRecipe() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()
        let created = try browser.submit("/recipes", fields: Self.validFields, csrfFrom: "/recipes/new")
        let id = try created.locationID(after: "/recipes/")
        try test.app.services.database.write { connection in
            try connection.run("INSERT INTO jobs (kind, state, created_at) VALUES ('synthesis', 'running', 1)")
            try connection.run(
                "INSERT INTO synthesis_jobs (job_id, provider, model, settings, status, created_at, recipe_id) VALUES (?, 'deepseek', 'deepseek-chat', '{}', 'running', 1, ?)",
                .integer(connection.lastInsertRowID), .integer(id))
        }
        let refused = try browser.submit("/recipes/\(id)/delete", fields: [], csrfFrom: "/recipes/\(id)")
        #expect(refused.status == 409)
        #expect(refused.text.contains("&quot;Page recipe&quot; is used by 1 queued or running synthesis job; delete it when that job has finished"))
        #expect(try browser.get("/recipes/\(id)").status == 200)
        #expect(try browser.get("/recipes").text.contains("1 jobs"))
    }

    @Test func newRecipeWithProblemsIsNotCreated() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()
        let refused = try browser.submit(
            "/recipes", fields: Self.fields(["name": "", "teacherProvider": "openai-compatible", "teacherModel": "m", "teacherBaseURL": "ftp://x", "candidates": "7"]),
            csrfFrom: "/recipes/new")
        #expect(refused.status == 422)
        #expect(refused.text.contains("<span class=\"field-error\">is required</span>"))
        #expect(refused.text.contains("must be an http(s) URL without ? or #; got &quot;ftp://x&quot;"))
        #expect(refused.text.contains("must be between 1 and 5; got 7"))
        #expect(refused.text.contains("<option value=\"openai-compatible\" selected>"))
        #expect((try test.json("/api/recipes")["recipes"] as? [Any])?.isEmpty == true)
    }
}
