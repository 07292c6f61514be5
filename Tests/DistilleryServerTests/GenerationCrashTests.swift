import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// kill -9 in the middle of a generation task (the real binary): after a restart the task resumes from what was
/// committed, every stratum still ends exactly at its quota, no item is counted twice and no answered call is sent again.
@Suite(.serialized)
struct GenerationCrashTests {
    @Test func aKilledServerResumesTheTaskWithQuotasExactAndNothingCountedTwice() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let teacher = try FakeTeacherProcess(["--latency-ms", "30", "--gen-duplicate-rate", "0.2", "--gen-malformed-rate", "0.05", "--seed", "5"])
        let token = try makeAdminWithToken(in: directory)
        let templateID: Int64 = try {
            let database = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
            defer { database.close() }
            return try TemplateStore(database: database).create(
                TemplateDraft(
                    name: "crash", description: "", type: .prompts, systemPrompt: "You are a support agent for a phone company.",
                    prompt: "Write {count} customer questions about {topic} (items {index} to come).", settingsJSON: "{}"),
                by: nil
            ).id
        }()
        var server: ServerProcess? = try ServerProcess(dataDirectory: directory)
        var send = ProcessTests.client(server!.base, token: token)
        let count = 400
        let body = try JSONSerialization.data(withJSONObject: [
            "template_id": templateID, "name": "crash output", "count": count, "items_per_call": 5,
            "variables": ["topic": [["value": "billing", "weight": 4], ["value": "outages", "weight": 3], ["value": "roaming", "weight": 2], ["value": "sim cards", "weight": 1]]],
            "teacher": ["provider": "openai-compatible", "custom_model": "fake-teacher", "base_url": teacher.baseURL + "/v1", "max_in_flight": 8],
        ])
        let started = try send("POST", "/api/generations", .bytes(Array(body)), [("Content-Type", "application/json")])
        let jobID = try #require(((try TestApp.object(started))["jobID"] as? NSNumber)?.int64Value, "\(started.text)")

        let observer = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
        let accepted = { try observer.read { try $0.scalar("SELECT accepted FROM generation_jobs WHERE job_id = ?", .integer(jobID))?.intValue ?? 0 } }
        let deadline = Date().addingTimeInterval(60)
        while try accepted() < 100 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        server!.kill(SIGKILL)
        #expect(server!.waitForExit() != nil)
        server = nil
        let acceptedAtKill = try observer.read {
            try $0.query("SELECT seq, text FROM generation_items WHERE job_id = ? AND status = 'accepted' ORDER BY seq", .integer(jobID))
                .map { ($0.int("seq") ?? 0, $0.string("text") ?? "") }
        }
        let answeredAtKill = Set(try observer.read {
            try $0.query("SELECT first_index FROM generation_calls WHERE job_id = ? AND status = 'done'", .integer(jobID)).compactMap { $0.int("first_index") }
        })
        #expect(acceptedAtKill.count >= 100 && acceptedAtKill.count < count, "killed after \(acceptedAtKill.count) accepted items")
        Thread.sleep(forTimeInterval: 0.2)  // let the teacher log the answers to requests cut off by the kill
        let sentBeforeRestart = try teacher.logEntries().filter { ($0["path"] as? String) == "/v1/chat/completions" }.count

        let restarted = try ServerProcess(dataDirectory: directory)
        send = ProcessTests.client(restarted.base, token: token)
        var task: [String: Any] = [:]
        let deadline2 = Date().addingTimeInterval(120)
        repeat {
            task = try TestApp.object(try send("GET", "/api/generations/\(jobID)", .none, []))
            if task["isActive"] as? Bool == false { break }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline2
        #expect(task["status"] as? String == "completed")
        let strata = try #require(task["strata"] as? [[String: Any]])
        #expect(strata.map { $0["target"] as? Int } == [160, 120, 80, 40])
        #expect(strata.map { $0["accepted"] as? Int } == [160, 120, 80, 40])

        // Every item accepted before the kill is still accepted under its number; none is stored twice.
        let final = try observer.read {
            try $0.query("SELECT seq, text FROM generation_items WHERE job_id = ? AND status = 'accepted' ORDER BY seq", .integer(jobID))
                .map { ($0.int("seq") ?? 0, $0.string("text") ?? "") }
        }
        observer.close()
        #expect(final.count == count)
        #expect(Set(final.map { NearDuplicateText.normalized($0.1) }).count == count, "an accepted text appears twice")
        let finalBySeq = Dictionary(uniqueKeysWithValues: final.map { ($0.0, $0.1) })
        #expect(acceptedAtKill.allSatisfy { finalBySeq[$0.0] == $0.1 })

        // The output: a seeds dataset ready to synthesize, one row per accepted item.
        let datasetID = try #require((task["datasetID"] as? NSNumber)?.int64Value)
        let dataset = try TestApp.object(try send("GET", "/api/datasets/\(datasetID)", .none, []))
        #expect((dataset["dataset"] as? [String: Any])?["status"] as? String == "valid_seeds")
        #expect((dataset["dataset"] as? [String: Any])?["rows"] as? Int == count)

        // No call whose answer was committed before the kill was sent again ({index} makes each call's prompt its own).
        let log = try teacher.logEntries().filter { ($0["path"] as? String) == "/v1/chat/completions" }
        let resent = log.dropFirst(sentBeforeRestart).compactMap { $0["seed"] as? String }
        for first in answeredAtKill {
            #expect(!resent.contains { $0.contains("(items \(first) to come)") }, "call \(first) was answered before the kill and sent again")
        }
        restarted.kill(SIGTERM)
        #expect(restarted.waitForExit() == 0)
    }
}
