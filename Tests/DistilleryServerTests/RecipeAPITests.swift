import DistilleryPlatform
import DistilleryStorage
import Foundation
import Testing

/// `/api/recipes` end to end on the real server: both formats in, Oumi out, 422 naming JSON paths,
/// 400 naming line and column, and the delete guard against a running job.
@Suite(.serialized)
struct RecipeAPITests {
    static let oumiFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DistilleryCoreTests/Fixtures/oumi")

    static let distilleryRecipe = #"""
        {"name": "Support answers", "description": "DeepSeek teaches, Qwen judges",
         "teacher": {"provider": "deepseek", "model": "deepseek-chat"},
         "judge": {"provider": "qwen", "model": "qwen-max"},
         "sampling": {"temperature": 0.6, "topP": 0.9, "maxNewTokens": 400, "seed": 5},
         "pacing": {"requestsPerMinute": 120, "maxInFlight": 16, "requestTimeoutSeconds": 90},
         "candidates": 4, "rejectionSampling": true, "keepReasoning": false,
         "datasetDistribution": {"train": 0.8, "validation": 0.1, "test": 0.1}}
        """#

    func post(_ test: TestApp, _ path: String, _ body: String, method: String = "POST") throws -> HTTPClientResponse {
        try test.request(method, path, headers: [("Content-Type", "application/json")], body: .bytes(Array(body.utf8)))
    }

    @Test func createListGetUpdateDuplicateDelete() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let created = try post(test, "/api/recipes", Self.distilleryRecipe)
        #expect(created.status == 201, "\(created.text)")
        let body = try TestApp.object(created)
        let id = try #require((body["id"] as? NSNumber)?.int64Value)
        #expect(created.headers["Location"] == "/api/recipes/\(id)")
        #expect(body["format"] as? String == "distillery")
        #expect(body["teacher"] as? String == "DeepSeek · deepseek-chat")
        #expect((body["warnings"] as? [Any])?.isEmpty == true)
        #expect(body["createdBy"] as? String == TestApp.adminName)

        let list = try test.json("/api/recipes")
        let rows = try #require(list["recipes"] as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["name"] as? String == "Support answers")
        #expect((rows.first?["usedByJobs"] as? NSNumber)?.intValue == 0)

        let fetched = try test.json("/api/recipes/\(id)")
        let recipe = try #require(fetched["recipe"] as? [String: Any])
        #expect((recipe["sampling"] as? [String: Any])?["maxNewTokens"] as? NSNumber == 400)
        #expect((recipe["judge"] as? [String: Any])?["model"] as? String == "qwen-max")

        // PUT takes back what GET returned under "recipe", changed.
        var edited = recipe
        edited["name"] = "Support answers v2"
        edited["candidates"] = 2
        let putBody = String(decoding: try JSONSerialization.data(withJSONObject: edited), as: UTF8.self)
        let put = try post(test, "/api/recipes/\(id)", putBody, method: "PUT")
        #expect(put.status == 200, "\(put.text)")
        let again = try test.json("/api/recipes/\(id)")
        #expect(again["name"] as? String == "Support answers v2")
        #expect(((again["recipe"] as? [String: Any])?["candidates"] as? NSNumber)?.intValue == 2)

        // An Oumi body replaces the settings it carries and keeps the recipe's name.
        let oumiPut = try post(
            test, "/api/recipes/\(id)", #"{"modelIdentifier":{"modelName":"glm-4.5"},"inferenceConfig":{"inferenceTemperature":0.2}}"#, method: "PUT")
        #expect(oumiPut.status == 200, "\(oumiPut.text)")
        let afterOumi = try TestApp.object(oumiPut)
        #expect(afterOumi["name"] as? String == "Support answers v2")
        #expect(afterOumi["teacher"] as? String == "Z.AI / Zhipu GLM · glm-4.5")
        #expect(afterOumi["format"] as? String == "oumi")

        let copy = try test.request("POST", "/api/recipes/\(id)/duplicate")
        #expect(copy.status == 201)
        let copyID = try #require((try TestApp.object(copy)["id"] as? NSNumber)?.int64Value)
        #expect(try test.json("/api/recipes/\(copyID)")["name"] as? String == "Support answers v2 (copy)")

        #expect(try test.request("DELETE", "/api/recipes/\(id)").status == 204)
        #expect(try test.get("/api/recipes/\(id)").status == 404)
        #expect(try post(test, "/api/recipes/\(id)", putBody, method: "PUT").status == 404)
        #expect(try test.request("DELETE", "/api/recipes/\(id)").status == 404)
    }

    @Test func theThreeOumiSeedRecipesImportAndExport() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        for (file, model) in [
            ("general_synthesis", "Llama-3.1-8B-Instruct"), ("high_diversity_synthesis", "Qwen3-8B"),
            ("failure_mode_targeted_synthesis", "Llama-3.1-8B-Instruct"),
        ] {
            let text = try String(contentsOf: Self.oumiFolder.appendingPathComponent(file + ".json"), encoding: .utf8)
            let created = try post(test, "/api/recipes", text)
            #expect(created.status == 201, "\(file): \(created.text)")
            let body = try TestApp.object(created)
            #expect(body["format"] as? String == "oumi")
            #expect(body["needsBaseURL"] as? Bool == true)
            let recipe = try #require(body["recipe"] as? [String: Any])
            #expect((recipe["teacher"] as? [String: Any])?["provider"] as? String == "openai-compatible")
            #expect((recipe["teacher"] as? [String: Any])?["model"] as? String == model)
            let warnings = try #require(body["warnings"] as? [[String: Any]])
            let paths = warnings.compactMap { $0["path"] as? String }
            #expect(paths.contains("modelIdentifier.modelId") && paths.contains("synthesisConfig.synthesisConfig.datasetId"))

            // The export is Oumi's shape, with the original's settings.
            let id = try #require((body["id"] as? NSNumber)?.int64Value)
            let exported = try test.json("/api/recipes/\(id)?format=oumi")
            let original = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect((exported["modelIdentifier"] as? [String: Any])?["modelName"] as? String == model)
            #expect(NSDictionary(dictionary: exported["inferenceConfig"] as? [String: Any] ?? [:])
                .isEqual(to: original["inferenceConfig"] as? [String: Any] ?? [:]))
            let exportedSplit = ((exported["synthesisConfig"] as? [String: Any])?["synthesisConfig"] as? [String: Any])?["datasetDistribution"]
            let originalSplit = ((original["synthesisConfig"] as? [String: Any])?["synthesisConfig"] as? [String: Any])?["datasetDistribution"]
            #expect(NSDictionary(dictionary: exportedSplit as? [String: Any] ?? [:]).isEqual(to: originalSplit as? [String: Any] ?? ["x": 1]))
        }
        #expect(try test.get("/api/recipes/1?format=yaml").status == 400)
    }

    @Test func badRecipesGet422NamingEachPathAndRule() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let oumi = #"{"modelIdentifier":{"modelName":"deepseek-chat"},"inferenceConfig":{"inferenceTemperature":3.5},"#
            + #""synthesisConfig":{"synthesisConfig":{"datasetDistribution":{"train":0.9,"validation":0.1,"test":0.1}}}}"#
        let response = try post(test, "/api/recipes", oumi)
        #expect(response.status == 422)
        let error = try #require(try TestApp.object(response)["error"] as? [String: Any])
        #expect(error["code"] as? String == "invalid")
        let fields = try #require(error["fields"] as? [String: String])
        #expect(fields == [
            "inferenceConfig.inferenceTemperature": "must be between 0 and 2; got 3.5",
            "synthesisConfig.synthesisConfig.datasetDistribution": "train + validation + test must be 1; got 1.1",
        ])
        #expect((error["message"] as? String)?.contains("inferenceConfig.inferenceTemperature: must be between 0 and 2; got 3.5") == true)

        let own = try post(test, "/api/recipes", #"{"name":"x","teacher":{"provider":"nope","model":"m"},"candidates":9,"pacing":{"maxInFlight":"many"}}"#)
        #expect(own.status == 422)
        let ownFields = try #require((try TestApp.object(own)["error"] as? [String: Any])?["fields"] as? [String: String])
        #expect(ownFields["pacing.maxInFlight"] == "must be a whole number")
        #expect(try post(test, "/api/recipes", #"{"name":"x","teacher":{"provider":"nope","model":"m"},"candidates":9}"#).status == 422)
        let rangeFields = try #require(
            (try TestApp.object(try post(test, "/api/recipes", #"{"name":"x","teacher":{"provider":"nope","model":"m"},"candidates":9}"#))["error"]
                as? [String: Any])?["fields"] as? [String: String])
        #expect(rangeFields["candidates"] == "must be between 1 and 5; got 9")
        #expect(rangeFields["teacher.provider"]?.hasPrefix("must be one of deepseek") == true)

        // PUT validates the same way and leaves the stored recipe alone.
        let created = try post(test, "/api/recipes", Self.distilleryRecipe)
        let id = try #require((try TestApp.object(created)["id"] as? NSNumber)?.int64Value)
        let put = try post(test, "/api/recipes/\(id)", #"{"name":"x","teacher":{"provider":"deepseek","model":"deepseek-chat"},"sampling":{"temperature":-1}}"#, method: "PUT")
        #expect(put.status == 422)
        #expect(try test.json("/api/recipes/\(id)")["name"] as? String == "Support answers")
        #expect(try test.json("/api/recipes").count == 1)
    }

    @Test func malformedJSONGets400NamingLineAndColumn() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let response = try post(test, "/api/recipes", "{\n  \"name\": \"x\",\n  \"teacher\": {\"provider\": \"deepseek\",, }\n}")
        #expect(response.status == 400)
        let error = try #require(try TestApp.object(response)["error"] as? [String: Any])
        #expect((error["message"] as? String)?.contains("at line 3, column 38") == true, "\(error)")
        #expect(try post(test, "/api/recipes", "").status == 400)
        #expect(try test.json("/api/recipes")["recipes"] as? [Any] != nil)
        #expect((try test.json("/api/recipes")["recipes"] as? [Any])?.isEmpty == true)
    }

    @Test func deleteIsRefusedWhileARunningJobUsesTheRecipe() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let created = try post(test, "/api/recipes", Self.distilleryRecipe)
        let id = try #require((try TestApp.object(created)["id"] as? NSNumber)?.int64Value)
        // Linked by hand to pin the store's rule on a job's status alone; RecipeRunTests proves it with a real job.
        let jobID = try test.app.services.database.write { connection in
            try connection.run("INSERT INTO jobs (kind, state, created_at) VALUES ('synthesis', 'running', 1)")
            let jobID = connection.lastInsertRowID
            try connection.run(
                "INSERT INTO synthesis_jobs (job_id, provider, model, settings, status, created_at, recipe_id) VALUES (?, 'deepseek', 'deepseek-chat', '{}', 'running', 1, ?)",
                .integer(jobID), .integer(id))
            return jobID
        }
        let refused = try test.request("DELETE", "/api/recipes/\(id)")
        #expect(refused.status == 409)
        let message = try #require((try TestApp.object(refused)["error"] as? [String: Any])?["message"] as? String)
        #expect(message.contains("used by 1 queued or running synthesis job"))
        #expect((try test.json("/api/recipes/\(id)")["usedByJobs"] as? NSNumber)?.intValue == 1)

        try test.app.services.database.write {
            try $0.run("UPDATE synthesis_jobs SET status = 'completed' WHERE job_id = ?", .integer(jobID))
        }
        #expect(try test.request("DELETE", "/api/recipes/\(id)").status == 204)
    }

    @Test func membersMayDeleteOnlyTheirOwnRecipes() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let created = try post(test, "/api/recipes", Self.distilleryRecipe)
        let id = try #require((try TestApp.object(created)["id"] as? NSNumber)?.int64Value)
        let member = try test.makeMember("bob")
        #expect(try test.request("DELETE", "/api/recipes/\(id)", token: member.token).status == 403)
        #expect(try test.request("GET", "/api/recipes/\(id)", token: member.token).status == 200)
        #expect(try test.request("GET", "/api/recipes", token: "").status == 401)
    }
}

/// The README's example recipe is one the API accepts as written.
struct RecipeReadmeTests {
    @Test func readmeExampleRecipeIsAccepted() throws {
        let readme = try String(contentsOf: DocumentationTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        let after = try #require(readme.range(of: "Distillery's recipe JSON:\n\n```json\n"))
        let end = try #require(readme.range(of: "\n```", range: after.upperBound..<readme.endIndex))
        let example = String(readme[after.upperBound..<end.lowerBound])
        let test = try TestApp()
        defer { test.removeFiles() }
        let response = try test.request(
            "POST", "/api/recipes", headers: [("Content-Type", "application/json")], body: .bytes(Array(example.utf8)))
        #expect(response.status == 201, "\(response.text)")
        #expect((try TestApp.object(response)["warnings"] as? [Any])?.isEmpty == true)
    }
}
