import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// kill -9 in the middle of a scoring job (the real binary): after a restart the job resumes from what was committed,
/// every row ends with exactly one score per dimension, and no row whose verdict was committed is sent to the judge again.
@Suite(.serialized)
struct JudgeScoringCrashTests {
    @Test func aKilledServerResumesTheJobAndNoScoredRowIsJudgedAgain() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let teacher = try FakeTeacherProcess(["--latency-ms", "30"])
        let token = try makeAdminWithToken(in: directory)
        var server: ServerProcess? = try ServerProcess(dataDirectory: directory)
        var send = ProcessTests.client(server!.base, token: token)
        let count = 300
        let lines = Fixtures.chatLines(count) { "Row \($0) asks: how do I close my account?" }
        let uploaded = try send("POST", "/api/datasets?name=crash&mode=chat", .bytes(Fixtures.jsonl(lines)), [("Content-Type", "application/jsonl")])
        let datasetID = try #require(((try TestApp.object(uploaded))["dataset"] as? [String: Any]).flatMap { ($0["id"] as? NSNumber)?.int64Value })
        let validated = Date().addingTimeInterval(60)
        while try ProcessTests.status(server!.base, datasetID, token: token) == "validating" && Date() < validated { Thread.sleep(forTimeInterval: 0.05) }
        let body = try JSONSerialization.data(withJSONObject: [
            "provider": "openai-compatible", "model": "fake-judge", "base_url": teacher.baseURL + "/v1", "max_in_flight": 8,
            "request_timeout_seconds": 5, "dimensions": ["answers_request", "safe"],
        ])
        let started = try send("POST", "/api/datasets/\(datasetID)/judge-scores", .bytes(Array(body)), [("Content-Type", "application/json")])
        let jobID = try #require(((try TestApp.object(started))["jobID"] as? NSNumber)?.int64Value, "\(started.text)")

        let observer = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
        defer { observer.close() }
        let scored = { try observer.read { try $0.scalar("SELECT scored FROM scoring_jobs WHERE job_id = ?", .integer(jobID))?.intValue ?? 0 } }
        let deadline = Date().addingTimeInterval(60)
        while try scored() < 60 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        server!.kill(SIGKILL)
        #expect(server!.waitForExit() != nil)
        server = nil
        let doneAtKill = Set(try observer.read {
            try $0.query("SELECT idx FROM scoring_rows WHERE job_id = ? AND status = 'done'", .integer(jobID)).compactMap { $0.int("idx") }
        })
        #expect(doneAtKill.count >= 60 && doneAtKill.count < count, "killed after \(doneAtKill.count) scored rows")
        Thread.sleep(forTimeInterval: 0.2)  // let the teacher log the answers to requests cut off by the kill
        let sentBeforeRestart = try teacher.logEntries().filter { $0["scoring"] as? Bool == true }.count

        let restarted = try ServerProcess(dataDirectory: directory)
        send = ProcessTests.client(restarted.base, token: token)
        var job: [String: Any] = [:]
        let finished = Date().addingTimeInterval(120)
        repeat {
            job = try TestApp.object(try send("GET", "/api/scoring/\(jobID)", .none, []))
            if job["isActive"] as? Bool == false { break }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < finished
        #expect(job["status"] as? String == "completed")
        #expect(job["scored"] as? Int == count)
        #expect(job["unscored"] as? Int == 0)
        #expect(try observer.read { try $0.scalar("SELECT COUNT(*) FROM row_scores WHERE dataset_id = ?", .integer(datasetID))?.intValue } == 2 * count)

        // No row whose verdict was committed before the kill went to the judge again.
        let resent = try teacher.logEntries().filter { $0["scoring"] as? Bool == true }.dropFirst(sentBeforeRestart).compactMap { $0["seed"] as? String }
        #expect(resent.count >= count - doneAtKill.count)
        for row in doneAtKill {
            #expect(!resent.contains { $0.contains("Row \(row) asks:") }, "row \(row) was scored before the kill and judged again")
        }
        restarted.kill(SIGTERM)
        #expect(restarted.waitForExit() == 0)
    }
}
