import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// Synthesis end to end: seeds uploaded over HTTP, a job started through the JSON API against the
/// fake teacher (a real HTTP server), polled to the end, the child dataset checked row by row.
@Suite(.serialized)
struct SynthesisTests {
    static let teacherKey = "sk-fake-teacher-key-1234567890"
    static let skill = "You are a marketing copywriter. Answer in one sentence."

    static func seeds(_ count: Int, marker: (Int) -> String = { _ in "" }) -> [UInt8] {
        Array((0..<count).map { "{\"input\":\"Seed number \($0)\(marker($0))\"}" }.joined(separator: "\n").utf8) + [10]
    }

    static func start(_ test: TestApp, dataset: Int64, teacher: FakeTeacherProcess, extra: [String: Any] = [:]) throws -> HTTPClientResponse {
        var fields: [String: Any] = [
            "provider": "openai-compatible", "model": "fake-teacher", "base_url": teacher.baseURL + "/v1", "api_key": teacherKey,
            "max_in_flight": "16", "request_timeout_seconds": "5",
        ]
        fields.merge(extra) { $1 }
        return try test.request(
            "POST", "/api/datasets/\(dataset)/synthesis", headers: [("Content-Type", "application/json")],
            body: .bytes(Array(try JSONSerialization.data(withJSONObject: fields))))
    }

    static func waitForJob(_ test: TestApp, _ jobID: Int64, timeoutSeconds: Double = 120) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            let job = try test.json("/api/synthesis/\(jobID)")
            if job["isActive"] as? Bool == false { return job }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("job \(jobID) still running after \(timeoutSeconds) s")
    }

    static func jobID(_ response: HTTPClientResponse) throws -> Int64 {
        guard response.status == 201, let id = ((try TestApp.object(response))["jobID"] as? NSNumber)?.int64Value else {
            throw TestFailure("start -> \(response.status): \(response.text)")
        }
        return id
    }

    @Test func seedsBecomeAReadyChildDatasetLinkedToItsParent() throws {
        let teacher = try FakeTeacherProcess(["--api-key", Self.teacherKey, "--latency-ms", "20"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(Self.seeds(120), name: "taglines", mode: "seeds", skillPrompt: Self.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try Self.jobID(try Self.start(test, dataset: parent, teacher: teacher))
        #expect((try test.json("/api/datasets/\(parent)")["dataset"] as? [String: Any])?["status"] as? String == "synthesizing")

        let job = try Self.waitForJob(test, jobID)
        #expect(job["status"] as? String == "completed")
        #expect(job["written"] as? Int == 120)
        #expect(job["skipped"] as? Int == 0)
        #expect((job["tokensIn"] as? Int ?? 0) > 0)
        let childID = try #require((job["childDatasetID"] as? NSNumber)?.int64Value)
        let child = try test.json("/api/datasets/\(childID)")
        #expect((child["dataset"] as? [String: Any])?["status"] as? String == "ready_for_training")
        #expect((child["dataset"] as? [String: Any])?["parentID"] as? Int64 == parent)
        let parentView = try test.json("/api/datasets/\(parent)")
        #expect((parentView["dataset"] as? [String: Any])?["status"] as? String == "valid_seeds")
        #expect((parentView["children"] as? [[String: Any]])?.first?["id"] as? Int64 == childID)
        #expect((parentView["dataset"] as? [String: Any])?["usedInJobs"] as? Int == 1)

        let rows = try #require(try test.json("/api/datasets/\(childID)/rows?per_page=500")["items"] as? [[String: Any]])
        #expect(rows.count == 120)
        for (index, item) in rows.enumerated() {
            let messages = try #require((item["row"] as? [String: Any])?["messages"] as? [[String: String]])
            #expect(messages.map { $0["role"] } == ["system", "user", "assistant"])
            #expect(messages[0]["content"] == Self.skill)
            #expect(messages[1]["content"] == "Seed number \(index)")
            #expect(messages[2]["content"] == "Answer to: Seed number \(index)")
            let metadata = try #require(item["metadata"] as? [String: Any])
            #expect(metadata["provider"] as? String == "openai-compatible")
            #expect(metadata["model"] as? String == "fake-teacher")
        }
        // The metadata export carries each row with its metadata; the plain download is the clean shape.
        let exported = try test.get("/datasets/\(childID)/metadata.jsonl").text.split(separator: "\n")
        #expect(exported.count == 120)
        let firstExport = try #require(try JSONSerialization.jsonObject(with: Data(exported[0].utf8)) as? [String: Any])
        #expect((firstExport["metadata"] as? [String: Any])?["model"] as? String == "fake-teacher")
        let plain = try test.get("/datasets/\(childID)/download").text.split(separator: "\n")
        #expect(plain.count == 120)
        #expect(plain.allSatisfy { !$0.contains("metadata") && $0.hasPrefix("{\"messages\":[") })
        // The pasted key was only the job's: gone with the job.
        let keys = try test.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM teacher_keys")?.intValue }
        #expect(keys == 0)
        let audit = try test.json("/api/admin/audit")["items"] as? [[String: Any]] ?? []
        #expect(audit.contains { $0["action"] as? String == "key_saved" && ($0["detail"] as? String ?? "").contains("for openai-compatible") })
        #expect(audit.contains { $0["action"] as? String == "key_used" && ($0["detail"] as? String ?? "").contains("synthesis job #\(jobID)") })
        #expect(audit.contains { $0["action"] as? String == "key_deleted" && ($0["userName"] as? String) == "synthesis job #\(jobID)" })
        // Each seed was sent exactly once.
        let sent = try SynthesisEngineTests.chatRequests(teacher).compactMap { $0["seed"] as? String }
        #expect(sent.count == 120)
        #expect(Set(sent).count == 120)
    }

    @Test func aWrongKeyFailsAtPreflightAndSendsNothing() throws {
        let teacher = try FakeTeacherProcess(["--api-key", Self.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(Self.seeds(5), name: "seeds", mode: "seeds", skillPrompt: Self.skill)
        _ = try test.waitUntilValidated(parent)
        let refused = try Self.start(test, dataset: parent, teacher: teacher, extra: ["api_key": "sk-wrong-key-000000"])
        #expect(refused.status == 422)
        let error = try #require(try TestApp.object(refused)["error"] as? [String: Any])
        #expect((error["fields"] as? [String: String])?["api_key"]?.contains("401") == true)
        #expect(!refused.text.contains("sk-wrong-key-000000"))
        #expect(try teacher.logEntries().allSatisfy { ($0["path"] as? String) != "/v1/chat/completions" })
        #expect(try test.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM synthesis_jobs")?.intValue } == 0)
        #expect(try test.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM teacher_keys")?.intValue } == 0)

        // A custom server's model list is checked too: llama.cpp would answer any name with its one model.
        let typo = try Self.start(test, dataset: parent, teacher: teacher, extra: ["custom_model": "fake-teachr"])
        #expect(typo.status == 422)
        #expect((try TestApp.object(typo)["error"] as? [String: Any]).flatMap { $0["fields"] as? [String: String] }?["custom_model"]?.contains("fake-teacher") == true)

        let unreachable = try Self.start(test, dataset: parent, teacher: teacher, extra: ["base_url": "http://127.0.0.1:9/v1"])
        #expect(unreachable.status == 422)
        #expect((try TestApp.object(unreachable)["error"] as? [String: Any]).flatMap { $0["fields"] as? [String: String] }?["base_url"] != nil)
    }
}

/// The synthesis dialog and job page, as a browser uses them.
@Suite(.serialized)
struct SynthesisPagesTests {
    typealias S = SynthesisTests

    @Test func theDialogEstimatesStartsAndTheJobPageFollowsToTheChild() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "10"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(110), name: "Dialog seeds", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let browser = BrowserSession(test)
        try browser.signIn()
        let list = try browser.get("/datasets").text
        #expect(list.contains("href=\"/datasets/\(parent)/synthesize\">Generate Synthetic Data</a>"))
        let dialog = try browser.get("/datasets/\(parent)/synthesize")
        #expect(dialog.status == 200)
        for provider in ["DeepSeek", "Qwen", "GLM", "Kimi", "OpenAI-compatible"] {
            #expect(dialog.text.contains(provider), "the dialog lacks \(provider)")
        }
        #expect(dialog.text.contains("Teacher cost (estimated)"))
        #expect(dialog.text.contains("Start Synthesis"))
        // The estimate grows ~3× (plus judge calls) with rejection sampling.
        let plain = try test.json("/api/datasets/\(parent)/synthesis/estimate?provider=deepseek&model=deepseek-chat")
        let sampled = try test.json("/api/datasets/\(parent)/synthesis/estimate?provider=deepseek&model=deepseek-chat&rejection_sampling=true")
        let plainCost = try #require((plain["estimate"] as? [String: Any])?["costUSD"] as? Double)
        let sampledCost = try #require((sampled["estimate"] as? [String: Any])?["costUSD"] as? Double)
        #expect(plainCost > 0)
        #expect(sampledCost > plainCost * 2.5)

        let started = try browser.submit(
            "/datasets/\(parent)/synthesize",
            fields: [
                ("provider", "openai-compatible"), ("custom_model", "fake-teacher"), ("base_url", teacher.baseURL + "/v1"),
                ("api_key", S.teacherKey), ("max_in_flight", "8"), ("temperature", "0.5"), ("max_new_tokens", "256"),
            ], csrfFrom: "/datasets/\(parent)/synthesize")
        #expect(started.status == 303)
        let location = try #require(started.headers["Location"])
        #expect(location.hasPrefix("/synthesis/"))
        let jobID = try #require(Int64(location.dropFirst("/synthesis/".count)))
        _ = try S.waitForJob(test, jobID)
        let page = try browser.get(location).text
        #expect(page.contains("Completed"))
        #expect(page.contains("Open child dataset"))
        let parentPage = try browser.get("/datasets/\(parent)").text
        #expect(parentPage.contains("href=\"/synthesis/\(jobID)\""))
        #expect(!parentPage.contains(S.teacherKey))
        #expect(!page.contains(S.teacherKey))

        // A bad key re-renders the dialog with the reason, and never echoes the key.
        let refused = try browser.submit(
            "/datasets/\(parent)/synthesize",
            fields: [("provider", "openai-compatible"), ("custom_model", "fake-teacher"), ("base_url", teacher.baseURL + "/v1"),
                ("api_key", "sk-not-the-key-999")], csrfFrom: "/datasets/\(parent)/synthesize")
        #expect(refused.status == 422)
        #expect(refused.text.contains("401"))
        #expect(!refused.text.contains("sk-not-the-key-999"))
    }
}
