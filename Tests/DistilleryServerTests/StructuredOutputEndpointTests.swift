import DistilleryCore
import DistilleryServer
import DistilleryTestSupport
import Foundation
import Testing

/// A custom server that takes schemas as llama-cpp-python does (`json_object` with a `schema`, and nothing of type
/// `json_schema`): with `supports_structured_output: json_object_schema` a judge and a generation task get their
/// schema that way and the server answers; declared as `json_schema`, the same server refuses every such call.
@Suite(.serialized)
struct StructuredOutputEndpointTests {
    static func judgeCalls(_ teacher: FakeTeacherProcess) throws -> [[String: Any]] {
        try EvaluationTests.log(teacher).filter { $0["judge"] as? Bool == true }
    }

    @Test func aLlamaCppPythonJudgeGetsTheVerdictSchemaInsideJSONObject() throws {
        let teacher = try FakeTeacherProcess(["--models", "student-v1,judge-small", "--json-object-schema-only"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try EvaluationTests.dataset(test, EvaluationTests.lines(4))
        var judge = EvaluationTests.endpoint(teacher, model: "judge-small", key: "k")
        judge["supports_structured_output"] = "json_object_schema"
        let jobID = try EvaluationTests.jobID(try EvaluationTests.start(test, [
            "name": "llama judge", "dataset_id": dataset, "split": "all", "dimensions": ["correct"],
            "student": EvaluationTests.endpoint(teacher, model: "student-v1", key: "k"), "judge": judge,
        ]))
        let run = try EvaluationTests.waitForRun(test, jobID)
        #expect(run.judged == 4)
        let calls = try Self.judgeCalls(teacher)
        #expect(calls.count == 12, "a grade and two preferences per row")
        #expect(calls.allSatisfy { $0["response_format"] as? String == "json_object" && $0["response_schema"] as? Bool == true })
        #expect(calls.allSatisfy { $0["status"] as? Int == 200 })
    }

    @Test func theSameServerDeclaredAsJSONSchemaRefusesTheJudgesCalls() throws {
        let teacher = try FakeTeacherProcess(["--models", "student-v1,judge-small", "--json-object-schema-only"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try EvaluationTests.dataset(test, EvaluationTests.lines(4))
        var judge = EvaluationTests.endpoint(teacher, model: "judge-small", key: "k")
        judge["supports_structured_output"] = "json_schema"
        let jobID = try EvaluationTests.jobID(try EvaluationTests.start(test, [
            "name": "misdeclared judge", "dataset_id": dataset, "split": "all", "dimensions": ["correct"],
            "student": EvaluationTests.endpoint(teacher, model: "student-v1", key: "k"), "judge": judge,
        ]))
        let run = try EvaluationTests.waitForRun(test, jobID)
        #expect(run.judged == 0)
        let calls = try Self.judgeCalls(teacher)
        #expect(!calls.isEmpty)
        #expect(calls.allSatisfy { $0["response_format"] as? String == "json_schema" && $0["status"] as? Int == 422 })
    }

    @Test func anUnknownStyleIsRefusedNamingTheField() throws {
        let teacher = try FakeTeacherProcess(["--models", "student-v1,judge-small"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try EvaluationTests.dataset(test, EvaluationTests.lines(2))
        var judge = EvaluationTests.endpoint(teacher, model: "judge-small", key: "k")
        judge["supports_structured_output"] = "grammar"
        let response = try EvaluationTests.start(test, [
            "name": "bad style", "dataset_id": dataset, "split": "all", "dimensions": ["correct"],
            "student": EvaluationTests.endpoint(teacher, model: "student-v1", key: "k"), "judge": judge,
        ])
        #expect(response.status == 422)
        #expect(response.text.contains("supports_structured_output"))
        #expect(response.text.contains("json_object_schema"))
    }

    @Test func aGenerationTaskOnALlamaCppPythonServerSendsTheItemsSchemaNotTheFormatInThePrompt() throws {
        let teacher = try FakeTeacherProcess(["--json-object-schema-only"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try GenerationTests.template(test)
        var body = GenerationTests.body(template: template, teacher: teacher, count: 6, variables: ["topic": "billing", "difficulty": "hard"])
        var teacherFields = try #require(body["teacher"] as? [String: Any])
        teacherFields["supports_structured_output"] = "json_object_schema"
        body["teacher"] = teacherFields
        let jobID = try GenerationTests.jobID(try GenerationTests.start(test, body))
        let task = try GenerationTests.waitForTask(test, jobID)
        #expect(task["status"] as? String == "completed")
        let datasetID = try #require((task["datasetID"] as? NSNumber)?.int64Value)
        #expect(try GenerationTests.rows(test, dataset: datasetID).count == 6)
        let calls = try teacher.logEntries().filter { $0["gen_items"] != nil }
        #expect(calls.count == 2, "6 items in calls of 5")
        #expect(calls.allSatisfy { $0["response_format"] as? String == "json_object" && $0["response_schema"] as? Bool == true })
        #expect(calls.allSatisfy { !($0["seed"] as? String ?? "").contains("holding exactly") })
    }
}
