import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// Generation end to end: a template stored, a task started through `POST /api/generations` against the fake teacher
/// (duplicates and malformed answers), polled to its end through `GET /api/generations/{job}`, the output dataset read
/// back row by row and the report's figures checked against the fake teacher's request log.
@Suite(.serialized)
struct GenerationTests {
    static func template(_ test: TestApp, type: TemplateType = .qa, system: String = "You write support questions and answers.",
                         prompt: String = "Write {count} {difficulty} questions about {topic}, items {index} onwards.") throws -> Int64 {
        try test.app.services.templates.create(
            TemplateDraft(name: "support \(UUID().uuidString.prefix(8))", description: "", type: type, systemPrompt: system, prompt: prompt, settingsJSON: "{}"),
            by: nil
        ).id
    }

    static func start(_ test: TestApp, _ body: [String: Any]) throws -> HTTPClientResponse {
        try test.request(
            "POST", "/api/generations", headers: [("Content-Type", "application/json")],
            body: .bytes(Array(try JSONSerialization.data(withJSONObject: body))))
    }

    static func body(template: Int64, teacher: FakeTeacherProcess, count: Int, variables: [String: Any], extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = [
            "template_id": template, "name": "generated support", "count": count, "items_per_call": 5, "variables": variables,
            "teacher": ["provider": "openai-compatible", "model": "fake-teacher", "base_url": teacher.baseURL + "/v1", "max_in_flight": 8,
                        "request_timeout_seconds": 5],
        ]
        body.merge(extra) { $1 }
        return body
    }

    static func jobID(_ response: HTTPClientResponse) throws -> Int64 {
        guard response.status == 201, let id = ((try TestApp.object(response))["jobID"] as? NSNumber)?.int64Value else {
            throw TestFailure("start -> \(response.status): \(response.text)")
        }
        return id
    }

    static func waitForTask(_ test: TestApp, _ jobID: Int64, timeoutSeconds: Double = 120) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            let task = try test.json("/api/generations/\(jobID)")
            if task["isActive"] as? Bool == false { return task }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("task \(jobID) still running after \(timeoutSeconds) s")
    }

    static func rows(_ test: TestApp, dataset: Int64) throws -> [[String: Any]] {
        try #require(try test.json("/api/datasets/\(dataset)/rows?per_page=500")["items"] as? [[String: Any]])
    }

    @Test func everyStratumEndsExactlyAtItsQuotaWithoutDuplicatesAndTheReportMatchesTheTeachersLog() throws {
        let teacher = try FakeTeacherProcess(["--gen-duplicate-rate", "0.15", "--gen-malformed-rate", "0.1", "--seed", "3"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        let variables: [String: Any] = [
            "topic": [["value": "billing", "weight": 0.5], ["value": "outages", "weight": 0.3], ["value": "onboarding", "weight": 0.2]],
            "difficulty": "medium",
        ]
        let jobID = try Self.jobID(try Self.start(test, Self.body(template: template, teacher: teacher, count: 103, variables: variables)))
        let task = try Self.waitForTask(test, jobID)
        #expect(task["status"] as? String == "completed")
        let strata = try #require(task["strata"] as? [[String: Any]])
        // 103 × 0.5 / 0.3 / 0.2 = 51.5 / 30.9 / 20.6 → 51 + 30 + 20 = 101; the 2 left go to the largest remainders (.9, .6).
        #expect(strata.map { $0["label"] as? String } == ["topic=billing", "topic=outages", "topic=onboarding"])
        #expect(strata.map { $0["target"] as? Int } == [51, 31, 21])
        #expect(strata.map { $0["accepted"] as? Int } == [51, 31, 21])
        #expect(strata.allSatisfy { $0["shortfall"] as? Int == 0 })
        #expect(task["accepted"] as? Int == 103)

        // What the teacher logged, per stratum (its topic is in the prompt): the answers that could not be used are
        // exactly what the report counted; every item of a usable answer has one verdict; and the duplicates it sent
        // are the report's duplicates, except those that reached a stratum already full (their verdict is surplus,
        // which comes first), so the teacher's count lies between duplicates and duplicates + surplus.
        let answers = try teacher.logEntries().filter { $0["path"] as? String == "/v1/chat/completions" && $0["gen_items"] != nil }
        for (stratum, topic) in zip(strata, ["billing", "outages", "onboarding"]) {
            let mine = answers.filter { ($0["seed"] as? String ?? "").contains("questions about \(topic),") }
            let duplicates = mine.filter { $0["gen_malformed"] is NSNull }.reduce(0) { $0 + ($1["gen_duplicates"] as? Int ?? 0) }
            let malformed = mine.filter { !($0["gen_malformed"] is NSNull) }.count
            let reportedDuplicates = try #require(stratum["duplicates"] as? Int)
            let surplus = try #require(stratum["surplus"] as? Int)
            let returned = mine.filter { $0["gen_malformed"] is NSNull }.reduce(0) { $0 + ($1["gen_items"] as? Int ?? 0) }
            #expect(reportedDuplicates <= duplicates && duplicates <= reportedDuplicates + surplus, "stratum \(topic)")
            #expect(stratum["unparseable"] as? Int == malformed, "stratum \(topic)")
            #expect(stratum["itemsAsked"] as? Int == returned)
            #expect((stratum["accepted"] as? Int ?? 0) + reportedDuplicates + surplus + (stratum["rejected"] as? Int ?? 0) == returned, "stratum \(topic)")
        }
        #expect(answers.contains { !($0["gen_malformed"] is NSNull) }, "the run must include malformed answers to prove anything")
        #expect((task["totals"] as? [String: Any])?["duplicates"] as? Int ?? 0 > 0, "the run must include duplicates")
        // Dropped: the duplicates, each naming what it duplicated, and the surplus of top-ups (a top-up asks a whole call
        // of 5, so a stratum ends with fewer than 5 items beyond its quota).
        let dropped = try #require(task["dropped"] as? [[String: Any]])
        #expect(dropped.allSatisfy { ($0["status"] as? String == "duplicate" && $0["duplicateOf"] is String) || $0["status"] as? String == "surplus" })
        #expect(strata.allSatisfy { ($0["surplus"] as? Int ?? 99) < 5 })
        #expect(dropped.count == strata.reduce(0) { $0 + ($1["duplicates"] as? Int ?? 0) + ($1["surplus"] as? Int ?? 0) })

        // The output: a chat dataset with exactly the accepted items, no two questions alike, each row's metadata
        // naming its stratum's values, the template and the teacher.
        let datasetID = try #require((task["datasetID"] as? NSNumber)?.int64Value)
        let dataset = try test.json("/api/datasets/\(datasetID)")
        #expect((dataset["dataset"] as? [String: Any])?["status"] as? String == "ready_for_training")
        let rows = try Self.rows(test, dataset: datasetID)
        #expect(rows.count == 103)
        var questions: [String] = []
        var perTopic: [String: Int] = [:]
        for row in rows {
            let messages = try #require((row["row"] as? [String: Any])?["messages"] as? [[String: String]])
            #expect(messages.map { $0["role"] } == ["system", "user", "assistant"])
            questions.append(messages[1]["content"] ?? "")
            let generation = try #require((row["metadata"] as? [String: Any])?["generation"] as? [String: Any])
            let values = try #require(generation["values"] as? [String: String])
            #expect(values["difficulty"] == "medium")
            perTopic[values["topic"] ?? "", default: 0] += 1
            #expect(generation["template_id"] as? Int64 == template)
            #expect(generation["model"] as? String == "fake-teacher")
            #expect(generation["job"] as? Int64 == jobID)
        }
        #expect(perTopic == ["billing": 51, "outages": 31, "onboarding": 21])
        #expect(Set(questions.map(NearDuplicateText.normalized)).count == 103)
        let grouping = NearDuplicateGrouping(texts: questions)
        #expect(grouping.groupCount == 103, "no near duplicates in the output")
    }

    @Test func aStratumThatOnlyGetsDuplicatesEndsShortAndSaysWhy() throws {
        let teacher = try FakeTeacherProcess(["--gen-duplicates-for", "outages"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        let variables: [String: Any] = ["topic": ["billing", "outages"], "difficulty": "easy"]
        let jobID = try Self.jobID(try Self.start(test, Self.body(template: template, teacher: teacher, count: 20, variables: variables)))
        let task = try Self.waitForTask(test, jobID)
        #expect(task["status"] as? String == "completed_with_shortfall")
        let strata = try #require(task["strata"] as? [[String: Any]])
        #expect(strata.map { $0["accepted"] as? Int } == [10, 1])
        #expect(strata[1]["itemsAsked"] as? Int == 30)
        #expect(strata[1]["shortfall"] as? Int == 9)
        #expect(task["shortfall"] as? [String] == ["topic=outages: 1 of 10 accepted after 30 items asked (3× cap): 29 duplicates"])
        let datasetID = try #require((task["datasetID"] as? NSNumber)?.int64Value)
        #expect(try Self.rows(test, dataset: datasetID).count == 11)
        let jobs = try test.json("/api/jobs")
        let listed = try #require((jobs["items"] as? [[String: Any]])?.first { ($0["id"] as? NSNumber)?.int64Value == jobID })
        #expect(listed["kind"] as? String == "generation")
        #expect(listed["url"] as? String == "/generations/\(jobID)")
        #expect(listed["outcome"] as? String == "Completed with shortfall")
    }

    @Test func aCustomServerMarkedForStructuredOutputGetsJSONSchemaTheOthersTheFormatInTheirPrompt() throws {
        let teacher = try FakeTeacherProcess()
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        let variables: [String: Any] = ["topic": "billing", "difficulty": "hard"]
        for structured in [true, false] {
            var body = Self.body(template: template, teacher: teacher, count: 6, variables: variables)
            var teacherFields = try #require(body["teacher"] as? [String: Any])
            teacherFields["supports_structured_output"] = structured
            body["teacher"] = teacherFields
            let jobID = try Self.jobID(try Self.start(test, body))
            #expect(try Self.waitForTask(test, jobID)["status"] as? String == "completed")
        }
        let answers = try teacher.logEntries().filter { $0["gen_items"] != nil }
        let structured = answers.filter { $0["response_format"] as? String == "json_schema" }
        let instructed = answers.filter { ($0["seed"] as? String ?? "").contains("holding exactly") }
        #expect(structured.count == 2, "6 items in calls of 5: two calls with json_schema")
        #expect(instructed.count == 2, "and two with the format in the prompt")
        #expect(Set(structured.compactMap { $0["seed"] as? String }).isDisjoint(with: Set(instructed.compactMap { $0["seed"] as? String })))
    }

    @Test func aTransformGivesEveryInputRowExactlyOneOutputLinkedToItsDataset() throws {
        let teacher = try FakeTeacherProcess(["--gen-malformed-rate", "0.2", "--seed", "9"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let inputs = (0..<12).map { "Seed question number \($0) about invoices" }
        let source = try test.uploadRaw(
            Array(inputs.map { #"{"input":"\#($0)"}"# }.joined(separator: "\n").utf8) + [10], name: "questions", mode: "seeds",
            skillPrompt: "Be brief.")
        _ = try test.waitUntilValidated(source)
        let template = try Self.template(test, type: .transform, system: "You rewrite support questions.", prompt: "Rewrite in a {tone} tone: {input}")
        var body = Self.body(template: template, teacher: teacher, count: 1, variables: ["tone": ["friendly", "formal"]])
        body["count"] = nil
        body["input_dataset_id"] = source
        let jobID = try Self.jobID(try Self.start(test, body))
        let task = try Self.waitForTask(test, jobID)
        #expect(task["status"] as? String == "completed")
        #expect((task["strata"] as? [[String: Any]])?.map { $0["accepted"] as? Int } == [6, 6])
        #expect(task["sourceDatasetID"] as? Int64 == source)
        let datasetID = try #require((task["datasetID"] as? NSNumber)?.int64Value)
        let dataset = try #require(try test.json("/api/datasets/\(datasetID)")["dataset"] as? [String: Any])
        #expect(dataset["parentID"] as? Int64 == source)
        let rows = try Self.rows(test, dataset: datasetID)
        let users = try rows.map { row -> String in
            let messages = try #require((row["row"] as? [String: Any])?["messages"] as? [[String: String]])
            #expect(messages.map { $0["role"] } == ["system", "user", "assistant"])
            return messages[1]["content"] ?? ""
        }
        #expect(users.sorted() == inputs.sorted(), "every input row once")
        let tones = try rows.map { try #require(((($0["metadata"] as? [String: Any])?["generation"] as? [String: Any])?["values"] as? [String: String])?["tone"]) }
        #expect(tones.filter { $0 == "friendly" }.count == 6)
        let missing = try Self.start(test, body.merging(["input_dataset_id": 987654]) { $1 })
        #expect(missing.status == 422)
        #expect(missing.text.contains("input_dataset_id"))
    }

    @Test func aCancelledTaskStopsAndKeepsWhatWasAccepted() throws {
        let teacher = try FakeTeacherProcess(["--latency-ms", "150"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        var body = Self.body(template: template, teacher: teacher, count: 400, variables: ["topic": "billing", "difficulty": "easy"])
        body["teacher"] = (body["teacher"] as? [String: Any] ?? [:]).merging(["max_in_flight": 2]) { $1 }
        let jobID = try Self.jobID(try Self.start(test, body))
        let deadline = Date().addingTimeInterval(30)
        while (try test.json("/api/generations/\(jobID)")["accepted"] as? Int ?? 0) < 5 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let cancelled = try test.request("POST", "/api/generations/\(jobID)/cancel")
        #expect(cancelled.status == 202)
        let task = try Self.waitForTask(test, jobID)
        #expect(task["status"] as? String == "cancelled")
        let accepted = try #require(task["accepted"] as? Int)
        #expect(accepted >= 5 && accepted < 400)
        let datasetID = try #require((task["datasetID"] as? NSNumber)?.int64Value)
        _ = try test.waitUntilValidated(datasetID)
        #expect(try Self.rows(test, dataset: datasetID).count == accepted)
        #expect(try test.request("POST", "/api/generations/\(jobID)/cancel").status == 409)
    }

    @Test(arguments: [
        (#"{"count": 0}"#, "count"),
        (#"{"count": "ten"}"#, "count"),
        (#"{"items_per_call": 500}"#, "items_per_call"),
        (#"{"template_id": 987654}"#, "template_id"),
        (#"{"variables": {"topic": [{"value": "a", "weight": -1}]}}"#, "variables.topic[0].weight"),
        (#"{"variables": {"topic": 3}}"#, "variables.topic"),
        (#"{"variables": {"difficulty": "easy"}}"#, "variables"),
        (#"{"name": ""}"#, "name"),
        (#"{"colour": "blue"}"#, "colour"),
        (#"{"attempt_cap_factor": 0.5}"#, "attempt_cap_factor"),
        (#"{"teacher": {"provider": "no-such-provider"}}"#, "teacher.provider"),
    ])
    func badRequestsAreRefusedNamingTheirJSONPath(change: String, path: String) throws {
        let teacher = try FakeTeacherProcess()
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        var body = Self.body(template: template, teacher: teacher, count: 10, variables: ["topic": ["a", "b"], "difficulty": "easy"])
        for (key, value) in try #require(try JSONSerialization.jsonObject(with: Data(change.utf8)) as? [String: Any]) { body[key] = value }
        let response = try Self.start(test, body)
        #expect(response.status == 422, "\(response.text)")
        let fields = try #require((try TestApp.object(response)["error"] as? [String: Any])?["fields"] as? [String: String], "\(response.text)")
        #expect(fields[path] != nil, "\(response.text)")
        #expect(try test.json("/api/jobs")["total"] as? Int == 0)
    }
}
