import DistilleryPlatform
import DistilleryStorage
import Foundation
import Testing

/// `/api/templates` end to end on the real server: create, list, get, PUT back what GET returned, duplicate,
/// delete; 422 naming each field; 400 on malformed JSON; and the preview's prompts, rendered without a teacher.
@Suite(.serialized)
struct TemplateAPITests {
    /// 2026-03-04 05:06:07 UTC.
    static let fixedNow: Int64 = 1_772_600_767_000

    static let supportTemplate = #"""
        {"name": "Support questions", "description": "tickets by topic", "type": "qa",
         "system_prompt": "You write realistic support tickets.",
         "prompt": "Write {count} {difficulty} questions about {topic} ({topic.description}), numbered from {index}, on {current_date} at {current_time}. Keep {{braces}}.",
         "settings": {"temperature": 0.8, "items_per_call": 3}}
        """#

    static func send(_ test: TestApp, _ method: String, _ path: String, _ body: String) throws -> HTTPClientResponse {
        try test.request(method, path, headers: [("Content-Type", "application/json")], body: .bytes(Array(body.utf8)))
    }

    static func create(_ test: TestApp, _ body: String = supportTemplate) throws -> Int64 {
        let created = try send(test, "POST", "/api/templates", body)
        guard created.status == 201, let id = (try TestApp.object(created)["id"] as? NSNumber)?.int64Value else {
            throw TestFailure("POST /api/templates -> \(created.status): \(created.text)")
        }
        return id
    }

    static func fields(_ response: HTTPClientResponse) throws -> [String: String] {
        try #require((try TestApp.object(response)["error"] as? [String: Any])?["fields"] as? [String: String])
    }

    @Test func createListGetPutDuplicateDelete() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        #expect((try test.json("/api/templates")["templates"] as? [Any])?.isEmpty == true)

        let created = try Self.send(test, "POST", "/api/templates", Self.supportTemplate)
        #expect(created.status == 201, "\(created.text)")
        let body = try TestApp.object(created)
        let id = try #require((body["id"] as? NSNumber)?.int64Value)
        #expect(created.headers["Location"] == "/api/templates/\(id)")
        #expect(body["variables"] as? [String] == ["difficulty", "topic"])
        #expect(body["type"] as? String == "qa")
        #expect(body["type_title"] as? String == "Questions and answers")
        #expect(body["used_by_tasks"] as? NSNumber == 0)
        #expect(body["generate_url"] as? String == "/templates/\(id)/generate")
        let settings = try #require(body["settings"] as? [String: Any])
        #expect(settings["temperature"] as? NSNumber == 0.8)
        #expect(settings["items_per_call"] as? NSNumber == 3)
        #expect(settings["max_tokens"] as? NSNumber == 4096)

        let list = try #require(try test.json("/api/templates")["templates"] as? [[String: Any]])
        #expect(list.map { $0["name"] as? String } == ["Support questions"])

        // PUT takes back what GET returned, changed.
        var edited = try test.json("/api/templates/\(id)")
        edited["name"] = "Support questions v2"
        edited["prompt"] = "Write {count} questions about {product}."
        let putBody = String(decoding: try JSONSerialization.data(withJSONObject: edited), as: UTF8.self)
        let put = try Self.send(test, "PUT", "/api/templates/\(id)", putBody)
        #expect(put.status == 200, "\(put.text)")
        let again = try test.json("/api/templates/\(id)")
        #expect(again["name"] as? String == "Support questions v2")
        #expect(again["variables"] as? [String] == ["product"])

        let copy = try test.request("POST", "/api/templates/\(id)/duplicate")
        #expect(copy.status == 201)
        let copyID = try #require((try TestApp.object(copy)["id"] as? NSNumber)?.int64Value)
        #expect(copy.headers["Location"] == "/api/templates/\(copyID)")
        #expect(try test.json("/api/templates/\(copyID)")["name"] as? String == "Support questions v2 (copy)")

        #expect(try test.request("DELETE", "/api/templates/\(id)").status == 204)
        #expect(try test.get("/api/templates/\(id)").status == 404)
        #expect(try Self.send(test, "PUT", "/api/templates/\(id)", putBody).status == 404)
        #expect(try test.request("DELETE", "/api/templates/\(id)").status == 404)
        #expect(try test.request("POST", "/api/templates/\(id)/duplicate").status == 404)
        #expect(try test.get("/api/templates/abc").status == 404)
    }

    @Test func badTemplatesGet422NamingEachField() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let missingName = try Self.send(test, "POST", "/api/templates", #"{"type": "qa", "prompt": "Write about {topic}"}"#)
        #expect(missingName.status == 422)
        #expect(try Self.fields(missingName) == ["name": "is required (a string)"])

        let badType = try Self.send(test, "POST", "/api/templates", #"{"name": "x", "type": "essay", "prompt": "Write about {topic"}"#)
        #expect(badType.status == 422)
        #expect(try Self.fields(badType) == [
            "type": "must be one of prompts, qa, dialogue, transform; got \"essay\"",
            "prompt": "a `{` at character 13 is never closed (write `{{` for a literal brace)",
        ])
        let message = try #require((try TestApp.object(badType)["error"] as? [String: Any])?["message"] as? String)
        #expect(message.contains("prompt: a `{` at character 13 is never closed"))

        let unclosed = try Self.send(test, "POST", "/api/templates", #"{"name": "x", "type": "qa", "prompt": "Write about {topic"}"#)
        #expect(unclosed.status == 422)
        #expect(try Self.fields(unclosed) == ["prompt": "a `{` at character 13 is never closed (write `{{` for a literal brace)"])

        let badSettings = try Self.send(
            test, "POST", "/api/templates", #"{"name": "x", "type": "qa", "prompt": "p", "settings": {"temperature": 3, "items_per_call": 0}}"#)
        #expect(try Self.fields(badSettings) == [
            "settings.temperature": "must be a number between 0 and 2", "settings.items_per_call": "must be a whole number from 1 to 50",
        ])

        _ = try Self.create(test)
        let taken = try Self.send(test, "POST", "/api/templates", #"{"name": "SUPPORT questions", "type": "qa", "prompt": "p"}"#)
        #expect(taken.status == 422)
        #expect(try Self.fields(taken) == ["name": "another template is already named \"SUPPORT questions\""])

        let malformed = try Self.send(test, "POST", "/api/templates", "{\n\"name\": \"x\",\n\"type\" \"qa\"}")
        #expect(malformed.status == 400)
        #expect(malformed.text.contains("The body is not JSON: expected ':' at byte 22."), "\(malformed.text)")
        #expect((try test.json("/api/templates")["templates"] as? [Any])?.count == 1)
    }

    @Test func previewRendersTheFirstCallsPromptsWithoutATeacher() throws {
        let test = try TestApp { $0.clock = { Self.fixedNow } }
        defer { test.removeFiles() }
        let id = try Self.create(test)
        let variables = #"""
            {"topic": [{"value": "billing", "weight": 3, "description": "invoices and refunds"},
                       {"value": "outages", "weight": 1, "description": "the service is down"}],
             "difficulty": "hard"}
            """#
        let response = try Self.send(test, "POST", "/api/templates/\(id)/preview", #"{"variables": \#(variables), "count": 10}"#)
        #expect(response.status == 200, "\(response.text)")
        let preview = try TestApp.object(response)
        #expect(preview["system_prompt"] as? String == "You write realistic support tickets.")
        #expect(preview["items_per_call"] as? NSNumber == 3)
        // 10 × 3/4 = 7.5 and 10 × 1/4 = 2.5: the leftover item goes to the first of the tied remainders.
        let strata = try #require(preview["strata"] as? [[String: Any]])
        #expect(strata.map { $0["label"] as? String } == ["topic=billing", "topic=outages"])
        #expect(strata.map { ($0["quota"] as? NSNumber)?.intValue } == [8, 2])
        // Items are numbered stratum after stratum (billing 1–8, outages 9–10), 3 a call; the strata's calls in turn.
        let calls = try #require(preview["calls"] as? [[String: Any]])
        #expect(calls.map { $0["prompt"] as? String } == [
            "Write 3 hard questions about billing (invoices and refunds), numbered from 1, on 2026-03-04 at 05:06. Keep {braces}.",
            "Write 2 hard questions about outages (the service is down), numbered from 9, on 2026-03-04 at 05:06. Keep {braces}.",
            "Write 3 hard questions about billing (invoices and refunds), numbered from 4, on 2026-03-04 at 05:06. Keep {braces}.",
            "Write 2 hard questions about billing (invoices and refunds), numbered from 7, on 2026-03-04 at 05:06. Keep {braces}.",
        ])
        #expect(calls.map { $0["label"] as? String } == ["topic=billing", "topic=outages", "topic=billing", "topic=billing"])
        #expect(calls[1]["values"] as? [String: String] == ["topic": "outages", "difficulty": "hard"])
        #expect((calls[0]["format_instruction"] as? String)?.contains("3") == true)

        // The form's one-variable-a-line text works too; five calls at most.
        let text = try Self.send(
            test, "POST", "/api/templates/\(id)/preview",
            #"{"variables": "topic: billing, outages, onboarding, refunds, security, api\ndifficulty: easy", "count": 60, "items_per_call": 10}"#)
        // Without descriptions, {topic.description} cannot be rendered: the error names it.
        #expect(text.status == 422)
        #expect(try Self.fields(text) == ["variables": "{topic.description} is used but the value of topic has no description"])
    }

    @Test func previewNamesWhatIsMissingOrWrong() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.create(test)
        let missing = try Self.send(test, "POST", "/api/templates/\(id)/preview", #"{"variables": {"topic": ["billing"]}}"#)
        #expect(missing.status == 422)
        #expect(try Self.fields(missing) == ["variables": "the prompt uses {difficulty} but the task gives no value for difficulty"])

        let none = try Self.send(test, "POST", "/api/templates/\(id)/preview", #"{"count": 5}"#)
        #expect(try Self.fields(none) == [
            "variables": "the prompt uses {difficulty} but the task gives no value for difficulty; "
                + "the prompt uses {topic} but the task gives no value for topic",
        ])

        let bad = try Self.send(
            test, "POST", "/api/templates/\(id)/preview", #"{"variables": {"topic": ["a"], "difficulty": "x"}, "items_per_call": 0, "seed": -1, "colour": 1}"#)
        #expect(bad.status == 422)
        #expect(try Self.fields(bad) == [
            "items_per_call": "must be between 1 and 50; got 0", "seed": "must be 0 or more; got -1", "colour": "unknown field",
        ])
        let zero = try Self.send(test, "POST", "/api/templates/\(id)/preview", #"{"variables": {"topic": ["a"], "difficulty": "x"}, "count": 0}"#)
        #expect(zero.status == 422)
        #expect(try Self.fields(zero).keys.sorted() == ["count"])
        #expect(try test.request("POST", "/api/templates/999/preview").status == 404)
    }
}
