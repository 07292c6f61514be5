import DistilleryCore
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// A template's default model settings reach its tasks: what the fake teacher logged shows the items asked per call and
/// the sampling sent, in the precedence request > recipe > template > global default, from the API, the form and the CLI.
@Suite(.serialized)
struct GenerationTemplateSettingsTests {
    static let settings = #"{"temperature": 0.3, "top_p": 0.8, "max_tokens": 700, "items_per_call": 3}"#

    static func template(_ test: TestApp) throws -> Int64 {
        try test.app.services.templates.create(
            TemplateDraft(
                name: "tuned \(UUID().uuidString.prefix(8))", type: .qa, systemPrompt: "You write support questions and answers.",
                prompt: "Write {count} questions about {topic}.", settingsJSON: settings),
            by: nil
        ).id
    }

    /// A task of `count` items without `items_per_call` (the template's applies unless `extra` gives one), run to its end.
    static func run(_ test: TestApp, template: Int64, teacher: FakeTeacherProcess, count: Int, extra: [String: Any]) throws -> [String: Any] {
        var body = GenerationTests.body(template: template, teacher: teacher, count: count, variables: ["topic": "billing"], extra: extra)
        if extra["items_per_call"] == nil { body["items_per_call"] = nil }
        let jobID = try GenerationTests.jobID(try GenerationTests.start(test, body))
        let task = try GenerationTests.waitForTask(test, jobID)
        #expect(task["status"] as? String == "completed", "\(task)")
        return task
    }

    /// The generation calls the teacher logged (not the pre-flight's model list).
    static func generationCalls(_ teacher: FakeTeacherProcess) throws -> [[String: Any]] {
        try teacher.logEntries().filter { $0["path"] as? String == "/v1/chat/completions" && $0["gen_items"] != nil }
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    @Test func theTemplatesSettingsAreSentWhenTheRequestGivesNone() throws {
        let teacher = try FakeTeacherProcess()
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        let task = try Self.run(test, template: template, teacher: teacher, count: 6, extra: [:])

        let calls = try Self.generationCalls(teacher)
        #expect(calls.map { $0["gen_items"] as? Int } == [3, 3], "6 items asked 3 per call: \(calls)")
        #expect(calls.allSatisfy { Self.number($0["temperature"]) == 0.3 && Self.number($0["top_p"]) == 0.8 && $0["max_tokens"] as? Int == 700 }, "\(calls)")
        // The task's snapshot records what was used, and its page says so.
        #expect(task["itemsPerCall"] as? Int == 3)
        #expect(Self.number(task["temperature"]) == 0.3)
        #expect(Self.number(task["topP"]) == 0.8)
        #expect(task["maxNewTokens"] as? Int == 700)
        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.get("/generations/\(try #require((task["jobID"] as? NSNumber)?.int64Value))")
        #expect(page.text.contains("(3 items per call,"))
        #expect(page.text.contains("<span id=\"sampling\">temperature 0.3, top p 0.8, at most 700 new tokens</span>"), "\(page.text)")
    }

    @Test func aValueInTheRequestWinsAndOnlyThatValue() throws {
        let teacher = try FakeTeacherProcess()
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        var teacherFields = try #require(GenerationTests.body(template: template, teacher: teacher, count: 1, variables: [:])["teacher"] as? [String: Any])
        teacherFields["temperature"] = 1.1
        _ = try Self.run(test, template: template, teacher: teacher, count: 4, extra: ["items_per_call": 2, "teacher": teacherFields])

        let calls = try Self.generationCalls(teacher)
        #expect(calls.map { $0["gen_items"] as? Int } == [2, 2], "\(calls)")
        #expect(calls.allSatisfy { Self.number($0["temperature"]) == 1.1 }, "the request's temperature: \(calls)")
        #expect(calls.allSatisfy { Self.number($0["top_p"]) == 0.8 && $0["max_tokens"] as? Int == 700 }, "the template's others: \(calls)")
    }

    @Test func aRecipesSamplingWinsOverTheTemplatesAndTheTemplateStillSetsItemsPerCall() throws {
        let teacher = try FakeTeacherProcess()
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        let recipe = try RecipeRunTests.createRecipe(
            test,
            #"""
            {"name": "tuned recipe", "teacher": {"provider": "openai-compatible", "model": "fake-teacher", "baseURL": "\#(teacher.baseURL)/v1"},
             "sampling": {"temperature": 0.45, "topP": 0.95, "maxNewTokens": 900}, "pacing": {"maxInFlight": 4, "requestTimeoutSeconds": 5}}
            """#)
        let body: [String: Any] = ["template_id": template, "name": "from a recipe", "count": 6, "variables": ["topic": "billing"], "recipe_id": recipe]
        let jobID = try GenerationTests.jobID(try GenerationTests.start(test, body))
        #expect(try GenerationTests.waitForTask(test, jobID)["status"] as? String == "completed")

        let calls = try Self.generationCalls(teacher)
        #expect(calls.map { $0["gen_items"] as? Int } == [3, 3], "the template's items per call: \(calls)")
        #expect(
            calls.allSatisfy { Self.number($0["temperature"]) == 0.45 && Self.number($0["top_p"]) == 0.95 && $0["max_tokens"] as? Int == 900 },
            "the recipe's sampling: \(calls)")
    }

    @Test func theFormIsPrefilledWithTheTemplatesSettings() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let template = try Self.template(test)
        let browser = BrowserSession(test)
        try browser.signIn()
        let form = try browser.get("/templates/\(template)/generate")
        #expect(form.status == 200)
        for (name, value) in [("items_per_call", "3"), ("temperature", "0.3"), ("top_p", "0.8"), ("max_new_tokens", "700")] {
            let field = try #require(form.text.range(of: "name=\"\(name)\""), "no \(name) field")
            let rest = form.text[field.upperBound...].prefix(while: { $0 != ">" })
            #expect(rest.contains("value=\"\(value)\""), "\(name): \(rest)")
        }
    }

    @Test func theCommandLinesTemplateFileCarriesSettings() throws {
        let directory = TestApp.makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let teacher = try FakeTeacherProcess()
        let template = directory + "/template.json"
        try #"{"name": "qa", "type": "qa", "system_prompt": "You are a support agent.", "prompt": "Write {count} questions about {topic}.", "settings": \#(Self.settings)}"#
            .write(toFile: template, atomically: true, encoding: .utf8)
        let variables = directory + "/variables.json"
        try #"{"topic": "billing"}"#.write(toFile: variables, atomically: true, encoding: .utf8)
        let teacherFlags = ["--provider", "openai-compatible", "--model", "fake-teacher", "--base-url", teacher.baseURL + "/v1"]
        let ok = try DistilleryBinary.run(["generate", "--template", template, "--variables", variables, "--count", "6", "--out", directory + "/qa.jsonl"] + teacherFlags)
        #expect(ok.status == 0, "\(ok.err)")
        let calls = try Self.generationCalls(teacher)
        #expect(calls.map { $0["gen_items"] as? Int } == [3, 3], "\(calls)")
        #expect(calls.allSatisfy { Self.number($0["temperature"]) == 0.3 && Self.number($0["top_p"]) == 0.8 && $0["max_tokens"] as? Int == 700 }, "\(calls)")

        // A bad setting in the file is named, exit 2.
        try #"{"type": "qa", "prompt": "Write {count} questions about {topic}.", "settings": {"top_p": 3}}"#.write(toFile: template, atomically: true, encoding: .utf8)
        let bad = try DistilleryBinary.run(["generate", "--template", template, "--variables", variables, "--count", "6", "--out", directory + "/never.jsonl"] + teacherFlags)
        #expect(bad.status == 2)
        #expect(bad.err.contains("settings.top_p: must be a number between 0 and 1"), "\(bad.err)")
    }
}
