import DistilleryPlatform
import DistilleryStorage
import Foundation
import Testing

/// The template pages as a browser uses them: the list and its empty state, New, the edit form with field errors
/// (422) and Post/Redirect/Get, Duplicate, Delete, and the Preview form; every form with its CSRF token.
@Suite(.serialized)
struct TemplatePagesTests {
    static let validFields: [(String, String)] = [
        ("name", "Support questions"), ("description", "tickets by <topic>"), ("type", "qa"),
        ("system_prompt", "You write realistic support tickets."),
        ("prompt", "Write {count} {difficulty} questions about {topic}, dated {current_date}."),
        ("temperature", "0.8"), ("top_p", "1"), ("max_tokens", "2048"), ("items_per_call", "4"),
    ]

    static func fields(_ changes: [String: String]) -> [(String, String)] { validFields.changing(changes) }

    @Test func createShowEditDuplicateAndDeleteInTheBrowser() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()

        let empty = try browser.get("/templates")
        #expect(empty.status == 200)
        #expect(empty.text.contains("No templates yet"))
        #expect(empty.text.contains("href=\"/templates/new\""))
        #expect(empty.text.contains("<a href=\"/templates\" aria-current=\"page\">Templates</a>"))
        #expect(empty.text.contains(
            "<strong>Dialogue</strong> (<code>dialogue</code>): each item is <code>{&quot;turns&quot;: [{&quot;role&quot;, &quot;content&quot;}, …]}</code>: "
                + "user and assistant turns alternating, the assistant last; it becomes a multi-turn chat row.</li>"))

        let newPage = try browser.get("/templates/new")
        #expect(newPage.status == 200)
        #expect(newPage.text.contains("name=\"type\" value=\"qa\" checked"))
        #expect(newPage.text.contains("name=\"items_per_call\" min=\"1\" max=\"50\" value=\"5\""))
        #expect(newPage.text.contains("<code>{current_date}</code>"))
        #expect(newPage.text.contains("<code>{{ and }}</code>"))

        // Without the session's CSRF token nothing is created.
        #expect(try browser.submit("/templates", fields: Self.validFields, csrfFrom: "", csrf: "forged").status == 403)

        let created = try browser.submit("/templates", fields: Self.validFields, csrfFrom: "/templates/new")
        #expect(created.status == 303)
        let id = try created.locationID(after: "/templates/")
        #expect(created.headers["Location"] == "/templates/\(id)?notice=created")
        let shown = try browser.get("/templates/\(id)?notice=created")
        #expect(shown.status == 200)
        #expect(shown.text.contains("Template created."))
        #expect(shown.text.contains("value=\"Support questions\""))
        #expect(shown.text.contains("value=\"tickets by &lt;topic&gt;\""))
        #expect(shown.text.contains("Variables found in the prompt: <code>{difficulty}, {topic}</code>"))
        #expect(shown.text.contains("<a class=\"button primary\" href=\"/templates/\(id)/generate\">New generation task</a>"))
        #expect(shown.text.contains("action=\"/templates/\(id)/delete\" data-confirm="))
        #expect(shown.text.contains("name=\"items_per_call\" min=\"1\" max=\"50\" value=\"4\""))

        let list = try browser.get("/templates")
        #expect(list.text.contains("<a href=\"/templates/\(id)\">Support questions</a>"))
        #expect(list.text.contains("<td>Questions and answers</td>"))
        #expect(list.text.contains("<code>{difficulty}, {topic}</code>"))
        #expect(list.text.contains("<td>tickets by &lt;topic&gt;</td>"))
        #expect(list.text.contains("<td class=\"num\">0 tasks</td>"))

        // A refused edit: 422, the submitted values kept, each error beside its field, nothing saved.
        let refused = try browser.submit(
            "/templates/\(id)", fields: Self.fields(["name": "Renamed", "prompt": "Write about {topic", "temperature": "5", "type": "essay"]),
            csrfFrom: "/templates/\(id)")
        #expect(refused.status == 422)
        #expect(refused.text.contains("value=\"Renamed\""))
        #expect(refused.text.contains(
            "Write about {topic</textarea>\n    <span class=\"field-error\">a `{` at character 13 is never closed (write `{{` for a literal brace)</span>"))
        #expect(refused.text.contains("value=\"5\"><span class=\"field-error\">must be a number between 0 and 2</span>"))
        #expect(refused.text.contains("<span class=\"field-error\">must be one of prompts, qa, dialogue, transform; got &quot;essay&quot;</span>"))
        #expect(try test.json("/api/templates/\(id)")["name"] as? String == "Support questions")

        // A good edit: Post/Redirect/Get back to the template, its variables found again.
        let saved = try browser.submit(
            "/templates/\(id)", fields: Self.fields(["name": "Renamed", "prompt": "Ask about {product}"]), csrfFrom: "/templates/\(id)")
        #expect(saved.status == 303)
        #expect(saved.headers["Location"] == "/templates/\(id)?notice=saved")
        let after = try test.json("/api/templates/\(id)")
        #expect(after["name"] as? String == "Renamed")
        #expect(after["variables"] as? [String] == ["product"])

        let duplicated = try browser.submit("/templates/\(id)/duplicate", fields: [], csrfFrom: "/templates/\(id)")
        #expect(duplicated.status == 303)
        let copyID = try duplicated.locationID(after: "/templates/")
        #expect(copyID != id)
        let copy = try browser.get("/templates/\(copyID)?notice=duplicated")
        #expect(copy.text.contains("value=\"Renamed (copy)\""))
        #expect(copy.text.contains("This is a copy"))

        // A name another template has is refused beside the name field.
        let taken = try browser.submit("/templates/\(copyID)", fields: Self.fields(["name": "renamed"]), csrfFrom: "/templates/\(copyID)")
        #expect(taken.status == 422)
        #expect(taken.text.contains("<span class=\"field-error\">another template is already named &quot;renamed&quot;</span>"))

        let deleted = try browser.submit("/templates/\(copyID)/delete", fields: [], csrfFrom: "/templates/\(id)")
        #expect(deleted.status == 303)
        #expect(deleted.headers["Location"] == "/templates")
        #expect(try browser.get("/templates/\(copyID)").status == 404)
        #expect(try browser.get("/templates").text.contains("Renamed (copy)") == false)
    }

    @Test func newTemplateWithProblemsIsNotCreated() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()
        let refused = try browser.submit(
            "/templates", fields: Self.fields(["name": "", "prompt": "Tell me about topic}", "items_per_call": "lots"]), csrfFrom: "/templates/new")
        #expect(refused.status == 422)
        #expect(refused.text.contains("The template was not saved"))
        #expect(refused.text.contains("<span class=\"field-error\">is required</span>"))
        #expect(refused.text.contains("a `}` at character 20 closes nothing (write `}}` for a literal brace)"))
        #expect(refused.text.contains("value=\"lots\"><span class=\"field-error\">must be a number; got &quot;lots&quot;</span>"))
        #expect((try test.json("/api/templates")["templates"] as? [Any])?.isEmpty == true)
    }

    @Test func thePreviewFormShowsTheFirstCallsPrompts() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()
        let created = try browser.submit(
            "/templates", fields: Self.fields(["prompt": "Write {count} questions about {topic} for a <{tone}> reader, from {index}."]),
            csrfFrom: "/templates/new")
        let id = try created.locationID(after: "/templates/")
        let page = try browser.get("/templates/\(id)")
        #expect(page.text.contains("action=\"/templates/\(id)/preview#preview\""))
        #expect(page.text.contains("name=\"count\" min=\"1\" value=\"100\""))

        let preview = try browser.submit(
            "/templates/\(id)/preview", fields: [("variables", "topic: billing 0.5, outages 0.5\ntone: calm"), ("count", "4"), ("items_per_call", "2")],
            csrfFrom: "/templates/\(id)")
        #expect(preview.status == 200, "\(preview.text.prefix(2000))")
        #expect(preview.text.contains("<h3>2 strata for 4 items</h3>"))
        #expect(preview.text.contains("<tr><td>topic=billing</td><td class=\"num\">2</td></tr>"))
        #expect(preview.text.contains("<pre class=\"prompt\">You write realistic support tickets.</pre>"))
        #expect(preview.text.contains("<pre class=\"prompt\">Write 2 questions about billing for a &lt;calm&gt; reader, from 1.</pre>"))
        #expect(preview.text.contains("<pre class=\"prompt\">Write 2 questions about outages for a &lt;calm&gt; reader, from 3.</pre>"))
        #expect(preview.text.contains("<h3>topic=outages · items 3–4</h3>"))
        #expect(preview.text.contains("topic: billing 0.5, outages 0.5\ntone: calm</textarea>"))

        let missing = try browser.submit(
            "/templates/\(id)/preview", fields: [("variables", "topic: billing"), ("count", "4")], csrfFrom: "/templates/\(id)")
        #expect(missing.status == 422)
        #expect(missing.text.contains(
            "<span class=\"field-error\">the prompt uses {tone} but the task gives no value for tone</span>"))
        #expect(!missing.text.contains("<pre class=\"prompt\">Write"))
    }

    @Test func theListCountsTasksAndDeleteIsRefusedWhileOneRuns() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()
        let created = try browser.submit("/templates", fields: Self.validFields, csrfFrom: "/templates/new")
        let id = try created.locationID(after: "/templates/")
        var tasks: [Int64] = []
        for (state, status) in [("running", "running"), ("completed", "completed_with_shortfall")] {
            tasks.append(try test.app.services.database.write { connection in
                try connection.run("INSERT INTO jobs (kind, state, created_at) VALUES ('generate', ?, 1)", .text(state))
                let job = connection.lastInsertRowID
                try connection.run(
                    """
                    INSERT INTO generation_jobs (job_id, template_id, template_name, template_type, system_prompt, prompt, output_name,
                        provider, model, settings, status, target, created_at)
                    VALUES (?, ?, 'Support questions', 'qa', '', 'p', 'out', 'deepseek', 'deepseek-chat', '{}', ?, 10, 1)
                    """,
                    .integer(job), .integer(id), .text(status))
                return job
            })
        }
        #expect(try browser.get("/templates").text.contains("<td class=\"num\">2 tasks</td>"))
        #expect(try browser.get("/templates/\(id)").text.contains("Questions and answers · used by 2 tasks"))
        let summary = try test.json("/api/templates/\(id)")
        #expect(summary["used_by_tasks"] as? NSNumber == 2)
        #expect(summary["active_tasks"] as? NSNumber == 1)

        let refused = try browser.submit("/templates/\(id)/delete", fields: [], csrfFrom: "/templates/\(id)")
        #expect(refused.status == 409)
        #expect(refused.text.contains(
            "<div class=\"alert bad\" role=\"alert\">&quot;Support questions&quot; is used by 1 queued or running generation task; "
                + "delete it when that task has finished or been cancelled.</div>"))
        #expect(try test.request("DELETE", "/api/templates/\(id)").status == 409)
        #expect(try browser.get("/templates/\(id)").status == 200)

        // Once the task has ended the template goes; the tasks keep their own copy of it.
        try test.app.services.database.write { connection in
            try connection.run("UPDATE generation_jobs SET status = 'completed' WHERE job_id = ?", .integer(tasks[0]))
        }
        let deleted = try browser.submit("/templates/\(id)/delete", fields: [], csrfFrom: "/templates/\(id)")
        #expect(deleted.status == 303)
        #expect(try browser.get("/templates/\(id)").status == 404)
        let names = try test.app.services.database.read { connection in
            try connection.query("SELECT template_id, template_name FROM generation_jobs ORDER BY job_id")
        }
        #expect(names.map { $0.int64("template_id") } == [nil, nil])
        #expect(names.map { $0.string("template_name") } == ["Support questions", "Support questions"])
    }

    @Test func onlyTheCreatorOrAnAdminDeletesATemplate() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try TemplateAPITests.create(test)
        let member = try test.makeMember("writer")
        #expect(try test.request("DELETE", "/api/templates/\(id)", token: member.token).status == 403)
        #expect(try test.get("/api/templates/\(id)").status == 200)
        #expect(try test.request("DELETE", "/api/templates/\(id)").status == 204)
    }
}
