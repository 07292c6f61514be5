import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import Foundation
import Testing

/// End to end through the real server: upload over HTTP, poll to the final status, read the JSON.
@Suite(.serialized)
struct DatasetAPITests {
    @Test func chatUploadValidatesAndServesRowsAndDownload() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(150)), name: "support v1")
        let body = try test.waitUntilValidated(id)
        let dataset = try #require(body["dataset"] as? [String: Any])
        #expect(dataset["status"] as? String == "valid_with_warnings")
        #expect(dataset["rows"] as? Int == 150)
        let summary = try #require(body["summary"] as? [String: Any])
        #expect(summary["examples"] as? Int == 150)
        #expect(summary["invalidLines"] as? Int == 0)
        let warningCodes = (summary["warnings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(warningCodes.count == 1)

        let rows = try test.json("/api/datasets/\(id)/rows?page=2&per_page=100")
        let items = try #require(rows["items"] as? [[String: Any]])
        #expect(items.count == 50)
        #expect(rows["total"] as? Int == 150)
        #expect(items.first?["line"] as? Int == 101)
        let firstRow = try #require(items.first?["row"] as? [String: Any])
        #expect((firstRow["messages"] as? [[String: Any]])?.count == 3)

        let download = try test.get("/datasets/\(id)/download")
        #expect(download.status == 200)
        #expect(download.headers["Content-Disposition"]?.contains("support-v1-\(id).jsonl") == true)
        let lines = download.text.split(separator: "\n")
        #expect(lines.count == 150)
        #expect(lines.allSatisfy { $0.hasPrefix("{\"messages\":[") })

        let list = try test.json("/api/datasets")
        let listed = try #require(list["datasets"] as? [[String: Any]])
        #expect(listed.map { $0["name"] as? String } == ["support v1"])
        #expect(listed.first?["usedInJobs"] as? Int == 0)
    }

    @Test func legacyCompletionRowsDownloadInThePreferredShape() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let legacy = (0..<120).map {
            "{\"messages\":[{\"role\":\"system\",\"content\":\"Translate.\"},{\"role\":\"user\",\"content\":\"Line \($0)\"}],\"completion\":\"Ligne \($0)\"}"
        }
        let id = try test.uploadRaw(Fixtures.jsonl(legacy), name: "legacy")
        _ = try test.waitUntilValidated(id)
        let first = try #require(try test.get("/datasets/\(id)/download").text.split(separator: "\n").first)
        #expect(String(first) == "{\"messages\":[{\"role\":\"system\",\"content\":\"Translate.\"},{\"role\":\"user\",\"content\":\"Line 0\"},{\"role\":\"assistant\",\"content\":\"Ligne 0\"}]}")
    }

    @Test func invalidFileReportsEveryErrorInPagesAndExports() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        var lines = Fixtures.chatLines(120)
        for index in stride(from: 0, to: 120, by: 2) { lines[index] = "{\"messages\": [}" }
        let id = try test.uploadRaw(Fixtures.jsonl(lines), name: "broken")
        let body = try test.waitUntilValidated(id)
        let dataset = try #require(body["dataset"] as? [String: Any])
        #expect(dataset["status"] as? String == "invalid")
        let summary = try #require(body["summary"] as? [String: Any])
        #expect(summary["errorCount"] as? Int == 60)
        #expect((summary["errors"] as? [Any])?.count == 50)
        #expect((summary["datasetErrors"] as? [[String: Any]])?.isEmpty == false, "60 valid examples is under the 100 floor")

        let page = try test.json("/api/datasets/\(id)/errors?page=2&per_page=25")
        let items = try #require(page["items"] as? [[String: Any]])
        #expect(items.count == 25)
        #expect(items.first?["line"] as? Int == 51)
        #expect(page["total"] as? Int == 60)

        let csv = try test.get("/datasets/\(id)/errors.csv")
        #expect(csv.status == 200)
        #expect(csv.headers["Content-Type"]?.hasPrefix("text/csv") == true)
        let csvLines = csv.text.split(separator: "\r\n")
        #expect(csvLines.first == "line,field,code,message")
        #expect(csvLines.count == 61)
        let jsonl = try test.get("/datasets/\(id)/errors.jsonl")
        let records = jsonl.text.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(records.count == 60)
        #expect(records.last??["line"] as? Int == 119)
    }

    @Test func seedsNeedASkillPromptAndValidateToValidSeeds() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let missing = try test.request(
            "POST", "/api/datasets?name=seeds&mode=seeds", headers: [("Content-Type", "application/jsonl")],
            body: .bytes(Fixtures.jsonl(Fixtures.seedLines(5))))
        #expect(missing.status == 422)
        let error = try #require(try TestApp.object(missing)["error"] as? [String: Any])
        #expect((error["fields"] as? [String: String])?["skill_prompt"] != nil)
        #expect(try test.json("/api/datasets")["count"] as? Int == 0, "a refused upload stores nothing")

        let id = try test.uploadRaw(
            Fixtures.jsonl(Fixtures.seedLines(5)), name: "seeds", mode: "seeds", skillPrompt: "You are a copywriter.")
        let body = try test.waitUntilValidated(id)
        #expect((body["dataset"] as? [String: Any])?["status"] as? String == "valid_seeds")
        #expect(body["skillPrompt"] as? String == "You are a copywriter.")
    }

    @Test func badFieldsAreNamed() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let response = try test.request(
            "POST", "/api/datasets?name=x&mode=nope&base_model=gpt-99", headers: [("Content-Type", "application/jsonl")],
            body: .bytes([]))
        #expect(response.status == 422)
        let fields = try #require((try TestApp.object(response)["error"] as? [String: Any])?["fields"] as? [String: String])
        #expect(Set(fields.keys) == ["mode", "base_model", "file"])
        #expect(fields["base_model"]?.contains("gpt-99") == true)
    }

    @Test func uploadsOverTheLimitGet413AndLeaveNothing() throws {
        let test = try TestApp(maxUploadBytes: 1024 * 1024)
        defer { test.removeFiles() }
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 2 * 1024 * 1024)
        let declared = try test.request(
            "POST", "/api/datasets?name=big", headers: [("Content-Type", "application/jsonl")], body: .bytes(big))
        #expect(declared.status == 413)
        #expect((try TestApp.object(declared)["error"] as? [String: Any])?["code"] as? String == "too_large")

        let chunks = (0..<32).map { _ in [UInt8](repeating: UInt8(ascii: "y"), count: 64 * 1024) }
        let chunked = try test.request(
            "POST", "/api/datasets?name=big", headers: [("Content-Type", "application/jsonl")], body: .chunked(chunks))
        #expect(chunked.status == 413)
        #expect(try test.json("/api/datasets")["count"] as? Int == 0)
        let spooled = try FileManager.default.contentsOfDirectory(atPath: test.directory + "/tmp")
        #expect(spooled.isEmpty, "spool folder holds \(spooled)")
        let uploads = try FileManager.default.contentsOfDirectory(atPath: test.directory + "/uploads")
        #expect(uploads.isEmpty)
    }

    @Test func deleteIsRefusedWhileAJobUsesTheDatasetThenRemovesEverything() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(110)), name: "in use")
        _ = try test.waitUntilValidated(id)
        // A queued job of a kind no worker runs (a future training job) holds the dataset.
        let jobID = try test.app.services.jobs.enqueue(kind: "train", datasetID: id)

        let refused = try test.request("DELETE", "/api/datasets/\(id)")
        #expect(refused.status == 409)
        #expect(((try TestApp.object(refused)["error"] as? [String: Any])?["message"] as? String)?.contains("1 active job") == true)
        let page = try test.get("/datasets/\(id)").text
        #expect(page.contains("disabled title=\"Used by 1 active job"))
        #expect((try test.json("/api/datasets")["datasets"] as? [[String: Any]])?.first?["usedInJobs"] as? Int == 1)
        #expect(try test.get("/api/datasets/\(id)").status == 200)

        #expect(try test.app.services.jobs.cancel(jobID: jobID))
        let deleted = try test.request("DELETE", "/api/datasets/\(id)")
        #expect(deleted.status == 204)
        #expect(try test.get("/api/datasets/\(id)").status == 404)
        #expect(!FileManager.default.fileExists(atPath: test.directory + "/uploads/\(id).jsonl"))
        let leftoverRows = try test.app.services.database.read {
            try $0.scalar("SELECT COUNT(*) FROM dataset_rows WHERE dataset_id = ?", .integer(id))?.intValue
        }
        #expect(leftoverRows == 0)
    }

    @Test func unknownThingsAre404InTheirOwnFormat() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let json = try test.get("/api/datasets/9999")
        #expect(json.status == 404)
        #expect(json.headers["Content-Type"]?.hasPrefix("application/json") == true)
        let html = try test.get("/datasets/abc")
        #expect(html.status == 404)
        #expect(html.text.contains("<h1>Not found</h1>"))
        #expect(try test.get("/no/such/page").status == 404)
        let wrongMethod = try test.request("PUT", "/api/datasets")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["Allow"]?.contains("GET") == true)
        #expect(try test.get("/api/datasets/1/rows?per_page=0").status == 400)
    }

    @Test func everyResponseCarriesTheSecurityHeaders() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        for path in ["/datasets", "/api/datasets", "/static/app.css", "/nope", "/datasets/new"] {
            let response = try test.get(path)
            #expect(response.headers["Content-Security-Policy"]?.contains("frame-ancestors 'none'") == true, "\(path)")
            #expect(response.headers["Content-Security-Policy"]?.contains("script-src 'self'") == true, "\(path)")
            #expect(response.headers["X-Content-Type-Options"] == "nosniff", "\(path)")
            #expect(response.headers["X-Frame-Options"] == "DENY", "\(path)")
            #expect(response.headers["Referrer-Policy"] == "same-origin", "\(path)")
        }
    }
}
