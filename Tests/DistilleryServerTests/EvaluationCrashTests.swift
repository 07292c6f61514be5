import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// kill -9 in the middle of an evaluation run (the real binary): after a restart the run resumes from what was committed;
/// no row is judged twice and no stored student answer is asked for again (counted in the fake teachers' request logs).
@Suite(.serialized)
struct EvaluationCrashTests {
    /// Which parts each row had stored: its student answer, its grade, its preference in each order.
    struct Stored {
        var answered: Set<Int> = []
        var graded: Set<Int> = []
        var forward: Set<Int> = []
        var reverse: Set<Int> = []
        var done: Set<Int> = []
    }

    static func stored(_ database: Database, jobID: Int64) throws -> Stored {
        var stored = Stored()
        for row in try database.read({
            try $0.query(
                """
                SELECT line, status, student_answer IS NOT NULL AS answered, verdicts IS NOT NULL AS graded,
                    preference_forward IS NOT NULL AS forward, preference_reverse IS NOT NULL AS reverse
                FROM evaluation_rows WHERE job_id = ?
                """, .integer(jobID))
        }) {
            let line = row.int("line") ?? 0
            if row.int("answered") == 1 { stored.answered.insert(line) }
            if row.int("graded") == 1 { stored.graded.insert(line) }
            if row.int("forward") == 1 { stored.forward.insert(line) }
            if row.int("reverse") == 1 { stored.reverse.insert(line) }
            if row.string("status") == "done" { stored.done.insert(line) }
        }
        return stored
    }

    /// The row a logged request is about (its prompt names ROW<line>X), and which part it is.
    static func requests(_ entries: [[String: Any]]) -> [(line: Int, part: String)] {
        entries.compactMap { entry in
            guard entry["path"] as? String == "/v1/chat/completions", let seed = entry["seed"] as? String,
                let range = seed.range(of: #"ROW(\d+)X"#, options: .regularExpression)
            else { return nil }
            let line = Int(seed[range].dropFirst(3).dropLast()) ?? 0
            let part: String
            if seed.contains("<student_answer>") {
                part = "grade"
            } else if seed.contains("<answer_a>\nAnswer to:") {
                part = "forward"
            } else if seed.contains("<answer_a>") {
                part = "reverse"
            } else {
                part = "student"
            }
            return (line, part)
        }
    }

    @Test func aKilledServerResumesTheRunJudgingNoRowTwice() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let student = try FakeTeacherProcess(["--latency-ms", "40", "--models", "student-v1"])
        let judge = try FakeTeacherProcess(["--latency-ms", "25", "--models", "judge-large"])
        let token = try makeAdminWithToken(in: directory)
        var server: ServerProcess? = try ServerProcess(dataDirectory: directory)
        var send = ProcessTests.client(server!.base, token: token)
        let count = 300
        // Every tenth row's student answers "": judged on the spot (all fail, lost), never by the judge, before or after the kill.
        let empty = Set(stride(from: 10, through: count, by: 10))
        let lines = EvaluationTests.lines(count) { empty.contains($0) ? " [fail:emptyx99]" : "" }
        let uploaded = try send(
            "POST", "/api/datasets?name=held%20out&mode=chat", .bytes(Fixtures.jsonl(lines)),
            [("Content-Type", "application/jsonl")])
        let datasetID = try #require((((try TestApp.object(uploaded))["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value)
        let observer = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
        defer { observer.close() }
        let validated = Date().addingTimeInterval(60)
        while try observer.read({ try $0.scalar("SELECT status FROM datasets WHERE id = ?", .integer(datasetID))?.stringValue }) == "validating",
            Date() < validated
        {
            Thread.sleep(forTimeInterval: 0.02)
        }
        func endpoint(_ teacher: FakeTeacherProcess, _ model: String) -> [String: Any] {
            ["provider": "openai-compatible", "model": model, "base_url": teacher.baseURL + "/v1", "max_in_flight": 8]
        }
        let body = try JSONSerialization.data(withJSONObject: [
            "name": "crash", "dataset_id": datasetID, "split": "all", "dimensions": ["correct", "safe"],
            "student": endpoint(student, "student-v1"), "judge": endpoint(judge, "judge-large"),
        ])
        let started = try send("POST", "/api/evaluations", .bytes(Array(body)), [("Content-Type", "application/json")])
        let jobID = try #require(((try TestApp.object(started))["jobID"] as? NSNumber)?.int64Value, "\(started.text)")

        let judged = { try observer.read { try $0.scalar("SELECT judged FROM evaluation_runs WHERE job_id = ?", .integer(jobID))?.intValue ?? 0 } }
        let deadline = Date().addingTimeInterval(60)
        while try judged() < 60 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        server!.kill(SIGKILL)
        #expect(server!.waitForExit() != nil)
        server = nil
        let atKill = try Self.stored(observer, jobID: jobID)
        #expect(atKill.done.count >= 60 && atKill.done.count < count, "killed after \(atKill.done.count) judged rows")
        // Parts stored on their own: some rows had an answer but not yet every verdict when the server died.
        #expect(atKill.answered.count > atKill.done.count)
        Thread.sleep(forTimeInterval: 0.2)  // let the teachers log the answers to requests cut off by the kill
        let studentBefore = try student.logEntries().count
        let judgeBefore = try judge.logEntries().count

        let restarted = try ServerProcess(dataDirectory: directory)
        send = ProcessTests.client(restarted.base, token: token)
        let deadline2 = Date().addingTimeInterval(120)
        var status = ""
        repeat {
            status = try observer.read { try $0.scalar("SELECT status FROM evaluation_runs WHERE job_id = ?", .integer(jobID))?.stringValue } ?? ""
            if status == "completed" || status == "failed" { break }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline2
        #expect(status == "completed")
        let final = try Self.stored(observer, jobID: jobID)
        #expect(final.done.count == count)
        #expect(try judged() == count)

        // After the restart, nothing stored before the kill was asked again.
        let resent = Self.requests(Array(try student.logEntries().dropFirst(studentBefore)) + Array(try judge.logEntries().dropFirst(judgeBefore)))
        #expect(!resent.isEmpty)
        for request in resent {
            switch request.part {
            case "student": #expect(!atKill.answered.contains(request.line), "row \(request.line)'s stored answer was asked for again")
            case "grade": #expect(!atKill.graded.contains(request.line), "row \(request.line) was graded twice")
            case "forward": #expect(!atKill.forward.contains(request.line), "row \(request.line)'s forward preference was asked twice")
            default: #expect(!atKill.reverse.contains(request.line), "row \(request.line)'s reverse preference was asked twice")
            }
            #expect(!atKill.done.contains(request.line), "row \(request.line) was judged before the kill")
        }
        // In all, each row judged before the kill has exactly one grade and one preference per order in the judge's log; an
        // empty answer's row none.
        let everything = Self.requests(try judge.logEntries())
        for line in atKill.done {
            #expect(everything.filter { $0.line == line }.count == (empty.contains(line) ? 0 : 3), "row \(line)")
        }
        #expect(everything.allSatisfy { !empty.contains($0.line) })
        let failedEmpty = try observer.read {
            try $0.scalar(
                "SELECT COUNT(*) FROM evaluation_rows WHERE job_id = ? AND student_answer = '' AND passed = 0 AND outcome = 'loss'", .integer(jobID))?.intValue
        }
        #expect(failedEmpty == empty.count)
        restarted.kill(SIGTERM)
        #expect(restarted.waitForExit() == 0)
    }
}
