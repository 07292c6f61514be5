import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// Evaluation end to end: a run started through `POST /api/evaluations` against two fake teachers on loopback, one
/// scripted as the student (wrong answers to given prompts), one as the judge (scripted verdicts and preferences per
/// answer), run by the real worker; what the store holds is checked against the script and the teachers' request logs.
@Suite(.serialized)
struct EvaluationTests {
    static let studentKey = "sk-student-7f3a-secret-value"
    static let judgeKey = "sk-judge-91bc-secret-value"

    /// Rows whose prompt names a marker (ROW1…): the student echoes the prompt ("Answer to: …"), so the judge's script
    /// finds the marker in the student's answer; the references never carry one.
    static func lines(_ count: Int, extra: (Int) -> String = { _ in "" }) -> [String] {
        (1...count).map { index in
            let object: [String: Any] = [
                "messages": [
                    ["role": "system", "content": "You are a concise support agent."],
                    ["role": "user", "content": "Question ROW\(index)X: how do I export my data?\(extra(index))"],
                    ["role": "assistant", "content": "Open Settings, choose Export, pick a format (reference \(index))."],
                ]
            ]
            return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    static func script(_ judge: [String: Any], student: [String: String] = [:]) throws -> String {
        let path = NSTemporaryDirectory() + "eval-script-\(UUID().uuidString).json"
        try JSONSerialization.data(withJSONObject: ["judge": judge, "student": student]).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func endpoint(_ teacher: FakeTeacherProcess, model: String, key: String) -> [String: Any] {
        ["provider": "openai-compatible", "model": model, "base_url": teacher.baseURL + "/v1", "api_key": key, "max_in_flight": 8,
         "request_timeout_seconds": 10]
    }

    static func start(_ test: TestApp, _ body: [String: Any]) throws -> HTTPClientResponse {
        try test.request(
            "POST", "/api/evaluations", headers: [("Content-Type", "application/json")],
            body: .bytes(Array(try JSONSerialization.data(withJSONObject: body))))
    }

    static func jobID(_ response: HTTPClientResponse) throws -> Int64 {
        guard response.status == 201, let id = ((try TestApp.object(response))["jobID"] as? NSNumber)?.int64Value else {
            throw TestFailure("start -> \(response.status): \(response.text)")
        }
        return id
    }

    static func waitForRun(_ test: TestApp, _ jobID: Int64, timeoutSeconds: Double = 120) throws -> EvaluationRunRecord {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if let run = try test.app.services.evaluations.run(jobID: jobID), !run.status.isActive { return run }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("run \(jobID) still active after \(timeoutSeconds) s")
    }

    static func dataset(_ test: TestApp, _ lines: [String]) throws -> Int64 {
        let id = try test.uploadRaw(Fixtures.jsonl(lines), name: "held out \(UUID().uuidString.prefix(6))")
        _ = try test.waitUntilValidated(id)
        return id
    }

    /// The request log's chat completions, as JSON objects.
    static func log(_ teacher: FakeTeacherProcess) throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: teacher.logPath, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").compactMap { line in
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return entry["path"] as? String == "/v1/chat/completions" ? entry : nil
        }
    }

    /// How many requests' last user message names the row's marker (ROWnX).
    static func calls(_ entries: [[String: Any]], row: Int, containing: String = "") -> Int {
        entries.filter { entry in
            let seed = entry["seed"] as? String ?? ""
            return seed.contains("ROW\(row)X") && (containing.isEmpty || seed.contains(containing))
        }.count
    }

    @Test func passRatesAndWinRateFollowTheScriptAndEachRowIsJudgedOnce() throws {
        let script = try Self.script(
            [
                "ROW1X": ["prefers": "student"],
                "ROW2X": ["fail": ["correct"], "phrase": "invents a menu", "prefers": "reference"],
                // Picks whichever answer comes first: the two orders disagree, an order flip, a tie.
                "ROW3X": ["prefers": "first"],
                "ROW4X": ["fail": ["correct", "safe"], "phrase": "unsafe advice", "prefers": "tie"],
                "ROW5X": ["prefers": "student"],
            ],
            student: ["ROW2X": "Use the Export menu in Tools (ROW2X)."])
        let student = try FakeTeacherProcess(["--api-key", Self.studentKey, "--eval-script", script, "--models", "student-v1"])
        let judge = try FakeTeacherProcess(["--api-key", Self.judgeKey, "--eval-script", script, "--models", "judge-large"])
        let test = try TestApp()
        defer { test.removeFiles() }
        // Row 6's prompt makes the judge answer prose to every request about it: retried, then the row is skipped. Rows 7–100
        // (a chat dataset passes validation from 100 rows) have no script: every dimension passes, the preference is a tie.
        let dataset = try Self.dataset(test, Self.lines(100) { $0 == 6 ? " [fail:badjudgex20]" : "" })
        // Categories come from generation's metadata; an upload has none, so the rows get theirs here.
        try test.app.services.database.write { connection in
            try connection.run(
                """
                UPDATE dataset_rows SET meta = CASE WHEN line % 2 = 0 THEN '{"category": "billing"}'
                    ELSE '{"generation": {"stratum": "topic=export"}}' END WHERE dataset_id = ?
                """, .integer(dataset))
        }
        let response = try Self.start(test, [
            "name": "student v1", "dataset_id": dataset, "split": "all", "dimensions": ["correct", "safe"],
            "student": Self.endpoint(student, model: "student-v1", key: Self.studentKey),
            "judge": Self.endpoint(judge, model: "judge-large", key: Self.judgeKey),
        ])
        let jobID = try Self.jobID(response)
        let run = try Self.waitForRun(test, jobID)
        #expect(run.status == .completed)
        #expect(run.total == 100)
        #expect(run.judged == 99)
        #expect(run.skipped == 1)

        let all = try test.app.services.evaluations.evaluatedRows(jobID: jobID)
        #expect(all.map(\.line) == [1, 2, 3, 4, 5] + Array(7...100))
        // Pass rates and the win rate, exactly as scripted: (wins + ties / 2) / n.
        #expect(all.filter { $0.verdicts[0].pass }.count == 3 + 94)
        #expect(all.filter { $0.verdicts[1].pass }.count == 4 + 94)
        let wins = Double(all.filter { $0.outcome == .win }.count)
        let ties = Double(all.filter { $0.outcome == .tie }.count)
        #expect((wins, ties) == (2, 2 + 94))
        #expect((wins + 0.5 * ties) / Double(all.count) == 50.0 / 99.0)
        let rows = Array(all.prefix(5))
        #expect(rows.map(\.outcome) == [.win, .loss, .tie, .tie, .win])
        // ROW3's order flip: the student's answer won when shown first, lost when shown second.
        #expect(rows[2].forward == .student && rows[2].reverse == .reference)
        #expect(rows.map(\.passed) == [true, false, true, false, true])
        #expect(rows.map { $0.verdicts.map(\.dimension) } == Array(repeating: ["correct", "safe"], count: 5))
        #expect(rows.map(\.failurePhrase) == [nil, "invents a menu", nil, "unsafe advice", nil])
        #expect(rows[1].studentAnswer == "Use the Export menu in Tools (ROW2X).")
        #expect(rows[0].reference == "Open Settings, choose Export, pick a format (reference 1).")
        #expect(rows.map(\.category) == ["topic=export", "billing", "topic=export", "billing", "topic=export"])
        #expect(all.allSatisfy { $0.studentTokensIn > 0 && $0.studentTokensOut > 0 && ($0.studentLatencyMs ?? -1) >= 0 })

        // Each judged row: one student call, three judge calls (grade, both orders); the skipped row's verdicts were retried.
        let studentLog = try Self.log(student)
        let judgeLog = try Self.log(judge)
        for row in [1, 2, 3, 4, 5, 7, 100] {
            #expect(Self.calls(studentLog, row: row) == 1, "student calls for row \(row)")
            #expect(Self.calls(judgeLog, row: row, containing: "<student_answer>") == 1, "grades for row \(row)")
            #expect(Self.calls(judgeLog, row: row, containing: "<answer_a>") == 2, "preferences for row \(row)")
        }
        #expect(Self.calls(judgeLog, row: 6) > 3)
        let reasons = try test.app.services.evaluations.skipReasons(jobID: jobID)
        #expect(reasons.map(\.code) == ["judge_unparseable"])
        // Usage per endpoint: every call counted, the student's and the judge's apart.
        let usage = try test.app.services.evaluations.endpointUsage(jobID: jobID)
        #expect(usage["student"]?.answered == studentLog.count)
        #expect(usage["judge"]?.answered == judgeLog.count)
        #expect(Set(usage.keys) == ["student", "judge"])

        // The jobs page lists the run with its progress in rows.
        let listed = try #require((try test.json("/api/jobs?kind=evaluation")["items"] as? [[String: Any]])?.first)
        #expect((listed["id"] as? NSNumber)?.int64Value == jobID)
        #expect(listed["url"] as? String == "/evaluations/\(jobID)")
        #expect(listed["progressText"] as? String == "100 of 100 rows (100%)")
        #expect(listed["rowsProduced"] as? Int == 99)
        #expect(listed["costText"] as? String == SelfHostedCost.unknownText)

        // The keys: sealed for the run and deleted when it ended; never in plaintext in the database, a log or a response.
        let keys = try test.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM teacher_keys")?.intValue }
        #expect(keys == 0)
        test.stop()
        for file in try FileManager.default.contentsOfDirectory(atPath: test.directory) {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: test.directory + "/" + file))) ?? Data()
            for key in [Self.studentKey, Self.judgeKey] {
                #expect(bytes.range(of: Data(key.utf8)) == nil, "\(file) holds a key")
            }
        }
        for key in [Self.studentKey, Self.judgeKey] {
            #expect(!test.logs.text.contains(key))
            #expect(!response.text.contains(key))
        }
    }

    @Test func badInputIsRefusedNamingTheField() throws {
        let teacher = try FakeTeacherProcess(["--models", "student-v1,judge-large"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try Self.dataset(test, Self.lines(100))
        let student = Self.endpoint(teacher, model: "student-v1", key: "k")
        let judge = Self.endpoint(teacher, model: "judge-large", key: "k")
        func problems(_ body: [String: Any]) throws -> [String: String] {
            let response = try Self.start(test, body)
            #expect(response.status == 422, "\(response.text)")
            return ((try TestApp.object(response))["error"] as? [String: Any])?["fields"] as? [String: String] ?? [:]
        }
        let base: [String: Any] = ["name": "v1", "dataset_id": dataset, "student": student, "judge": judge]
        var fields = try problems(["dataset_id": dataset, "split": "holdout", "student": 3, "dimensions": ["correct", ["id": "Bad Id", "description": "x"]]])
        #expect(fields["name"] != nil)
        #expect(fields["split"] == "Must be one of train, validation, test, or \"all\" (every row).")
        #expect(fields["student"] == "Must be an object of endpoint settings.")
        #expect(fields["judge"] != nil)
        #expect(fields["dimensions[1].id"] != nil)
        // Not split, and no split named: the test split cannot be the default.
        fields = try problems(base)
        #expect(fields["split"]?.contains("Split the dataset first") == true)
        fields = try problems(base.merging(["split": "all", "dimensions": ["correct", "tone"]]) { $1 })
        #expect(fields["dimensions[1]"]?.contains("not a built-in dimension") == true)
        var missingURL = student
        missingURL["base_url"] = nil
        fields = try problems(base.merging(["split": "all", "student": missingURL]) { $1 })
        #expect(fields["student.base_url"] != nil)
        let seeds = try test.uploadRaw(Fixtures.jsonl(Fixtures.seedLines(10)), name: "seeds", mode: "seeds", skillPrompt: "You write taglines.")
        _ = try test.waitUntilValidated(seeds)
        fields = try problems(base.merging(["split": "all", "dataset_id": seeds]) { $1 })
        #expect(fields["dataset_id"]?.contains("seeds dataset") == true)
        let notJSON = try test.request("POST", "/api/evaluations", headers: [("Content-Type", "application/json")], body: .bytes(Array("{".utf8)))
        #expect(notJSON.status == 400)
    }

    @Test func theTestSplitIsTheDefaultHeldOutSet() throws {
        let teacher = try FakeTeacherProcess(["--models", "student-v1,judge-large"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try Self.dataset(test, Self.lines(100))
        let split = try test.request(
            "PUT", "/api/datasets/\(dataset)/split", headers: [("Content-Type", "application/json")],
            body: .bytes(Array(#"{"train":0.8,"validation":0.1,"test":0.1,"seed":7}"#.utf8)))
        #expect(split.status == 200)
        let testRows = try test.app.services.evaluations.heldOutRows(datasetID: dataset, split: "test").map(\.idx)
        #expect(!testRows.isEmpty)
        let jobID = try Self.jobID(try Self.start(test, [
            "name": "default split", "dataset_id": dataset, "dimensions": ["correct"],
            "student": Self.endpoint(teacher, model: "student-v1", key: "k"), "judge": Self.endpoint(teacher, model: "judge-large", key: "k"),
        ]))
        let run = try Self.waitForRun(test, jobID)
        #expect(run.split == "test")
        #expect(run.total == testRows.count)
        #expect(try test.app.services.evaluations.evaluatedRows(jobID: jobID).map(\.idx) == testRows)
        #expect(try test.app.services.evaluations.runs(datasetID: dataset, split: "test").map(\.jobID) == [jobID])
        #expect(try test.app.services.evaluations.runs(datasetID: dataset, split: nil).isEmpty)
    }

    @Test func cancelKeepsWhatWasJudged() throws {
        let teacher = try FakeTeacherProcess(["--models", "student-v1,judge-large", "--latency-ms", "100"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try Self.dataset(test, Self.lines(200))
        var studentEndpoint = Self.endpoint(teacher, model: "student-v1", key: "k")
        studentEndpoint["max_in_flight"] = 2
        let jobID = try Self.jobID(try Self.start(test, [
            "name": "cancel me", "dataset_id": dataset, "split": "all", "dimensions": ["correct"],
            "student": studentEndpoint, "judge": Self.endpoint(teacher, model: "judge-large", key: "k"),
        ]))
        let deadline = Date().addingTimeInterval(60)
        while (try test.app.services.evaluations.run(jobID: jobID)?.judged ?? 0) < 3 {
            guard Date() < deadline else { throw TestFailure("nothing judged") }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let cancel = try test.request("POST", "/api/evaluations/\(jobID)/cancel")
        #expect(cancel.status == 202)
        let run = try Self.waitForRun(test, jobID)
        #expect(run.status == .cancelled)
        #expect(run.judged >= 3 && run.judged < 200)
        #expect(try test.app.services.evaluations.evaluatedRows(jobID: jobID).count == run.judged)
        let again = try test.request("POST", "/api/evaluations/\(jobID)/cancel")
        #expect(again.status == 409)
    }
}
