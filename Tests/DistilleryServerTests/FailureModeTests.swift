import DistilleryCore
import DistilleryPlatform
import DistilleryTestSupport
import Foundation
import Testing

/// Failure modes and the failure-mode dataset end to end: a fake student scripted to fail four of six prompts with
/// given phrases, a fake judge scripted to grade them so, and a third fake teacher for the expansion whose very first
/// variation is a near duplicate of a prompt the student passed (a held-out prompt that is not a failing one).
@Suite(.serialized)
struct FailureModeTests {
    static let skill = "You answer questions about writing and software clearly and briefly."
    /// (prompt, the student's scripted answer key or nil to pass); every prompt is at least 14 words.
    static let prompts: [(String, String?)] = [
        ("Summarize the history of the printing press in at most fifty words for a school newsletter.", "WORDY-ONE"),
        ("Describe the water cycle in no more than three sentences for a class of ten year olds.", "WORDY-TWO"),
        ("Show how to upload a file to an S3 bucket with the official AWS SDK for Python.", "INVENTED-ONE"),
        ("Explain how to list the open pull requests of a GitHub repository with the official command line tool.", "INVENTED-TWO"),
        ("Explain how a bloom filter answers membership queries and why it can give false positives.", nil),
        ("Write a polite two line reply declining a meeting invitation because of a scheduling conflict today.", nil),
    ]
    /// The judge's phrase for each failing answer: two spellings of one mode, and two of another.
    static let phrases = [
        "WORDY-ONE": "ignores the word limit", "WORDY-TWO": "Ignores the word-limit.", "INVENTED-ONE": "invents an API",
        "INVENTED-TWO": "invented API call",
    ]
    /// A near duplicate of prompt 4 (passed by the student, so not a seed of the expansion): one word added.
    static let leak = "Explain how a bloom filter answers membership queries and why it can give false positives quickly."

    static func script() throws -> String {
        var student: [String: String] = [:]
        for (prompt, key) in prompts { if let key { student[String(prompt.prefix(40))] = "\(key): a scripted answer that fails." } }
        let judge = phrases.mapValues { ["fail": ["correct"], "phrase": $0] as [String: Any] }
        let path = TestApp.makeTemporaryDirectory() + "/eval-script.json"
        try JSONSerialization.data(withJSONObject: ["student": student, "judge": judge]).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The six prompts, then filler rows the student passes up to the 100 examples a chat dataset needs.
    static func dataset(_ test: TestApp) throws -> Int64 {
        let lines = Fixtures.chatLines(100) { $0 < prompts.count ? prompts[$0].0 : "Filler question \($0): how do I export my data?" }
        let id = try test.uploadRaw(Fixtures.jsonl(lines), name: "held-out questions")
        _ = try test.waitUntilValidated(id)
        return id
    }

    static func post(_ test: TestApp, _ path: String, _ body: [String: Any]) throws -> HTTPClientResponse {
        try test.request("POST", path, headers: [("Content-Type", "application/json")], body: .bytes(Array(try JSONSerialization.data(withJSONObject: body))))
    }

    static func endpoint(_ teacher: FakeTeacherProcess, model: String) -> [String: Any] {
        ["provider": "openai-compatible", "model": model, "base_url": teacher.baseURL + "/v1", "max_in_flight": 4, "request_timeout_seconds": 5]
    }

    /// Runs an evaluation of every row and waits until its failure modes are readable with the run ended.
    static func evaluate(_ test: TestApp, dataset: Int64, student: FakeTeacherProcess, judge: FakeTeacherProcess) throws -> (Int64, [String: Any]) {
        let response = try post(test, "/api/evaluations", [
            "name": "student v1", "dataset_id": dataset, "split": "all", "dimensions": ["correct"],
            "student": endpoint(student, model: "fake-teacher"), "judge": endpoint(judge, model: "fake-judge"),
        ])
        guard response.status == 201, let id = ((try TestApp.object(response))["jobID"] as? NSNumber)?.int64Value else {
            throw TestFailure("evaluation -> \(response.status): \(response.text)")
        }
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let modes = try test.json("/api/evaluations/\(id)/failure-modes")
            if let status = modes["status"] as? String, !["queued", "running"].contains(status) { return (id, modes) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("evaluation \(id) still running")
    }

    static func modes(_ report: [String: Any]) -> [(id: Int64, name: String, count: Int, mergedInto: Int64?)] {
        (report["modes"] as? [[String: Any]] ?? []).map {
            (($0["id"] as? NSNumber)?.int64Value ?? 0, $0["name"] as? String ?? "", $0["count"] as? Int ?? -1, ($0["mergedInto"] as? NSNumber)?.int64Value)
        }
    }

    @Test func modesAreClusteredAsScriptedAndCanBeRenamedAndMerged() throws {
        let script = try Self.script()
        let student = try FakeTeacherProcess(["--eval-script", script])
        let judge = try FakeTeacherProcess(["--eval-script", script])
        let test = try TestApp()
        defer { test.removeFiles() }
        let (run, report) = try Self.evaluate(test, dataset: try Self.dataset(test), student: student, judge: judge)
        #expect(report["status"] as? String == "completed")
        let modes = Self.modes(report)
        #expect(modes.map(\.name) == ["ignores the word limit", "invents an API"])
        #expect(modes.map(\.count) == [2, 2])
        let examples = try #require((report["modes"] as? [[String: Any]])?.first?["examples"] as? [[String: Any]])
        #expect(examples.map { $0["prompt"] as? String } == [Self.prompts[0].0, Self.prompts[1].0])
        #expect(examples.map { $0["phrase"] as? String } == ["ignores the word limit", "Ignores the word-limit."])
        #expect(examples.first?["studentAnswer"] as? String == "WORDY-ONE: a scripted answer that fails.")

        let page = try test.get("/evaluations/\(run)/failure-modes")
        #expect(page.status == 200)
        #expect(page.text.contains("ignores the word limit") && page.text.contains("Create failure-mode dataset"))

        let renamed = try Self.post(test, "/api/evaluations/\(run)/failure-modes/\(modes[1].id)", ["name": "  hallucinates APIs "])
        #expect(renamed.status == 200)
        #expect(Self.modes(try TestApp.object(renamed)).map(\.name) == ["ignores the word limit", "hallucinates APIs"])
        let blank = try Self.post(test, "/api/evaluations/\(run)/failure-modes/\(modes[1].id)", ["name": ""])
        #expect(blank.status == 422 && blank.text.contains("\"name\""))

        let merged = try Self.post(test, "/api/evaluations/\(run)/failure-modes/merge", ["modes": [modes[0].id, modes[1].id], "name": "misreads the task"])
        #expect(merged.status == 201)
        let after = Self.modes(try TestApp.object(merged))
        #expect(after.map(\.name) == ["misreads the task", "ignores the word limit", "hallucinates APIs"])
        #expect(after.map(\.count) == [4, 0, 0])
        #expect(after.map(\.mergedInto) == [nil, after[0].id, after[0].id])
        let again = try Self.post(test, "/api/evaluations/\(run)/failure-modes/merge", ["modes": [after[0].id, modes[0].id]])
        #expect(again.status == 422 && again.text.contains("merged already"))
    }

    @Test func thePagesFormsRenameMergeAndRefuseATestRowsOnlyDataset() throws {
        let script = try Self.script()
        let student = try FakeTeacherProcess(["--eval-script", script])
        let judge = try FakeTeacherProcess(["--eval-script", script])
        let test = try TestApp()
        defer { test.removeFiles() }
        let (run, report) = try Self.evaluate(test, dataset: try Self.dataset(test), student: student, judge: judge)
        let modes = Self.modes(report)
        let browser = BrowserSession(test)
        try browser.signIn()
        let page = "/evaluations/\(run)/failure-modes"

        let renamed = try browser.submit("\(page)/\(modes[0].id)", fields: [("name", "too long")], csrfFrom: page)
        #expect(renamed.status == 303 && renamed.headers["Location"] == page)
        let merged = try browser.submit(
            "\(page)/merge", fields: [("merge_\(modes[0].id)", "on"), ("merge_\(modes[1].id)", "on"), ("name", "")], csrfFrom: page)
        #expect(merged.status == 303)
        let after = Self.modes(try test.json("/api/evaluations/\(run)/failure-modes"))
        // No name given: the largest mode's (a tie: the first listed, renamed "too long").
        #expect(after.map(\.name) == ["too long", "too long", "invents an API"])
        #expect(after.map(\.count) == [4, 0, 0])

        let refused = try browser.submit(
            "/evaluations/\(run)/failure-dataset", fields: [("mode_\(after[0].id)", "on"), ("variations", "0"), ("name", "x"), ("provider", "openai-compatible")],
            csrfFrom: page)
        #expect(refused.status == 422)
        #expect(refused.text.contains("never built from test rows alone"))
        let withoutToken = try browser.send("POST", "\(page)/\(after[0].id)", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: .bytes(Array("name=x".utf8)))
        #expect(withoutToken.status == 403)
    }

    @Test func theFailureDatasetHoldsVariationsOfTheFailingPromptsAndNoNearDuplicateOfATestPrompt() throws {
        let script = try Self.script()
        let student = try FakeTeacherProcess(["--eval-script", script])
        let judge = try FakeTeacherProcess(["--eval-script", script])
        let expander = try FakeTeacherProcess(["--expand-first", Self.leak])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try Self.dataset(test)
        let (run, report) = try Self.evaluate(test, dataset: dataset, student: student, judge: judge)
        let modes = Self.modes(report)
        try #require(modes.count == 2)
        let base: [String: Any] = [
            "modes": modes.map(\.id), "variations": 2, "skill_prompt": Self.skill,
            "teacher": ["provider": "openai-compatible", "model": "fake-teacher", "base_url": expander.baseURL + "/v1", "max_in_flight": 4],
        ]

        // Never test rows alone unless asked (include_failing_prompts), and only the run's modes.
        let none = try Self.post(test, "/api/evaluations/\(run)/failure-dataset", base.merging(["variations": 0]) { $1 })
        #expect(none.status == 422 && none.text.contains("never built from test rows alone"))
        let unknown = try Self.post(test, "/api/evaluations/\(run)/failure-dataset", base.merging(["modes": [999]]) { $1 })
        #expect(unknown.status == 422 && unknown.text.contains("modes[0]"))

        let created = try Self.post(test, "/api/evaluations/\(run)/failure-dataset", base)
        guard created.status == 201, let jobID = ((try TestApp.object(created))["jobID"] as? NSNumber)?.int64Value else {
            throw TestFailure("failure dataset -> \(created.status): \(created.text)")
        }
        let task = try GenerationTests.waitForTask(test, jobID)
        #expect(task["status"] as? String == "completed", "\(task["shortfall"] ?? "")")
        #expect(task["templateName"] as? String == "Failure-mode expansion")
        #expect(task["sourceDatasetID"] as? Int64 == dataset)
        // Four failing prompts × 2 variations; the leak was dropped and counted, its stratum topped up.
        #expect(task["accepted"] as? Int == 8)
        let byReason = try #require(task["rejectedByReason"] as? [[String: Any]])
        #expect(byReason.map { $0["reason"] as? String } == ["near_duplicate_of_held_out"])
        #expect(byReason.map { $0["count"] as? Int } == [1])
        let dropped = try #require(task["dropped"] as? [[String: Any]])
        #expect(dropped.filter { $0["status"] as? String == "rejected" }.map { $0["text"] as? String } == [Self.leak])

        // The teacher was told each failing prompt's mode.
        let asked = try expander.logEntries().compactMap { $0["seed"] as? String }
        #expect(asked.contains { $0.contains("What it got wrong: ignores the word limit") && $0.contains(Self.prompts[0].0) })
        #expect(asked.contains { $0.contains("What it got wrong: invents an API") && $0.contains(Self.prompts[3].0) })

        let output = try #require(task["datasetID"] as? Int64)
        let rows = try GenerationTests.rows(test, dataset: output)
        #expect(rows.count == 8)
        let testPrompts = Self.prompts.map(\.0)
        var index = NearDuplicateIndex()
        for prompt in testPrompts { index.insert(prompt) }
        for row in rows {
            let input = try #require((row["row"] as? [String: Any])?["input"] as? String)
            #expect(index.match(input) == nil, "\(input) is a near duplicate of a test prompt")
            let values = try #require(((row["metadata"] as? [String: Any])?["generation"] as? [String: Any])?["values"] as? [String: Any])
            let seed = try #require(values["seed"] as? String)
            let mode = Self.prompts.firstIndex { $0.0 == seed }.map { $0 < 2 ? "ignores the word limit" : "invents an API" }
            #expect(values["failure_mode"] as? String == mode)
        }
        #expect(Set(rows.compactMap { (((($0["metadata"] as? [String: Any])?["generation"] as? [String: Any])?["values"] as? [String: Any])?["seed"] as? String) })
            == Set(testPrompts.prefix(4)))

        // The run links to the dataset made from it.
        let linked = try #require(try test.json("/api/evaluations/\(run)/failure-modes")["failureDatasets"] as? [[String: Any]])
        #expect(linked.map { ($0["generationID"] as? NSNumber)?.int64Value } == [jobID])
        #expect(linked.map { ($0["datasetID"] as? NSNumber)?.int64Value } == [output])
    }

    @Test func failingPromptsAreCopiedOnlyWhenAsked() throws {
        let script = try Self.script()
        let student = try FakeTeacherProcess(["--eval-script", script])
        let judge = try FakeTeacherProcess(["--eval-script", script])
        let expander = try FakeTeacherProcess([])
        let test = try TestApp()
        defer { test.removeFiles() }
        let (run, report) = try Self.evaluate(test, dataset: try Self.dataset(test), student: student, judge: judge)
        let wordLimit = try #require(Self.modes(report).first)
        let created = try Self.post(test, "/api/evaluations/\(run)/failure-dataset", [
            "modes": [wordLimit.id], "variations": 1, "include_failing_prompts": true, "skill_prompt": Self.skill,
            "teacher": ["provider": "openai-compatible", "model": "fake-teacher", "base_url": expander.baseURL + "/v1"],
        ])
        let jobID = try #require(((try TestApp.object(created))["jobID"] as? NSNumber)?.int64Value)
        let task = try GenerationTests.waitForTask(test, jobID)
        let rows = try GenerationTests.rows(test, dataset: try #require(task["datasetID"] as? Int64))
        let inputs = rows.compactMap { ($0["row"] as? [String: Any])?["input"] as? String }
        #expect(inputs.count == 4)
        #expect(Array(inputs.prefix(2)) == [Self.prompts[0].0, Self.prompts[1].0])
        #expect(rows.prefix(2).allSatisfy { (($0["metadata"] as? [String: Any])?["failing_prompt"] as? [String: Any])?["evaluation"] as? Int64 == run })
    }

    @Test func askedForTheFailingPromptsAloneTheTaskCopiesThemWithoutCallingTheTeacher() throws {
        let script = try Self.script()
        let student = try FakeTeacherProcess(["--eval-script", script])
        let judge = try FakeTeacherProcess(["--eval-script", script])
        let expander = try FakeTeacherProcess([])
        let test = try TestApp()
        defer { test.removeFiles() }
        let (run, report) = try Self.evaluate(test, dataset: try Self.dataset(test), student: student, judge: judge)
        let modes = Self.modes(report)
        let teacher: [String: Any] = ["provider": "openai-compatible", "model": "fake-teacher", "base_url": expander.baseURL + "/v1"]
        let notAsked = try Self.post(test, "/api/evaluations/\(run)/failure-dataset", [
            "modes": modes.map(\.id), "variations": 0, "skill_prompt": Self.skill, "teacher": teacher,
        ])
        #expect(notAsked.status == 422)
        #expect(notAsked.text.contains("never built from test rows alone"))
        #expect(notAsked.text.contains("include_failing_prompts"))

        let created = try Self.post(test, "/api/evaluations/\(run)/failure-dataset", [
            "modes": modes.map(\.id), "variations": 0, "include_failing_prompts": true, "skill_prompt": Self.skill, "teacher": teacher,
        ])
        guard created.status == 201, let jobID = ((try TestApp.object(created))["jobID"] as? NSNumber)?.int64Value else {
            throw TestFailure("failure dataset -> \(created.status): \(created.text)")
        }
        let task = try GenerationTests.waitForTask(test, jobID)
        #expect(task["status"] as? String == "completed")
        let rows = try GenerationTests.rows(test, dataset: try #require(task["datasetID"] as? Int64))
        let inputs = rows.compactMap { ($0["row"] as? [String: Any])?["input"] as? String }
        #expect(inputs.sorted() == Self.prompts.prefix(4).map(\.0).sorted(), "the four failing prompts, nothing else")
        #expect(rows.allSatisfy { (($0["metadata"] as? [String: Any])?["failing_prompt"] as? [String: Any])?["evaluation"] as? Int64 == run })
        #expect(try expander.logEntries().filter { $0["path"] as? String == "/v1/chat/completions" }.isEmpty)
        let listed = try test.json("/api/evaluations/\(run)/failure-modes")
        #expect(((listed["failureDatasets"] as? [[String: Any]]) ?? []).contains { ($0["datasetID"] as? NSNumber)?.int64Value == task["datasetID"] as? Int64 })
    }
}
