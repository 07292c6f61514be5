import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Testing

/// The HTML side: the form, the list and the detail page, with hostile input coming back escaped.
@Suite(.serialized)
struct DatasetPagesTests {
    static let scriptPayload = "<script>alert('x')</script>"
    static let attributePayload = "\"onmouseover=alert(1) x=\""

    /// The HTML form as a signed-in browser posts it: multipart, the CSRF token first.
    func formUpload(_ test: TestApp, fields: [(String, String)], file: [UInt8]?) throws -> HTTPClientResponse {
        let browser = BrowserSession(test)
        try browser.signIn()
        var form = MultipartFormData()
        form.addField(name: "_csrf", value: try browser.csrfToken(from: "/datasets/new"))
        for (name, value) in fields { form.addField(name: name, value: value) }
        if let file { form.addFile(name: "file", filename: "data.jsonl", contentType: "application/jsonl", contents: file) }
        return try browser.send("POST", "/datasets", headers: [("Content-Type", form.contentType)], body: .bytes(form.encoded()))
    }

    @Test func formUploadRedirectsToTheDetailPageWhichShowsTheReport() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let response = try formUpload(test, fields: [("name", "From the form"), ("mode", "chat"), ("base_model", "qwen2.5-7b-instruct")],
            file: Fixtures.jsonl(Fixtures.chatLines(130)))
        #expect(response.status == 303)
        let location = try #require(response.headers["Location"])
        #expect(location.hasPrefix("/datasets/"))
        let id = try #require(Int64(location.dropFirst("/datasets/".count)))
        _ = try test.waitUntilValidated(id)

        let page = try test.get(location)
        #expect(page.status == 200)
        #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
        let html = page.text
        #expect(html.contains("<h1>From the form</h1>"))
        #expect(html.contains("Valid with warnings"))
        #expect(html.contains("Qwen"))
        #expect(html.contains("<svg class=\"histogram\""))
        // The rows are read in the explorer; the page lists their prompts and links it (issue 11).
        #expect(html.contains("<a class=\"button\" href=\"/datasets/\(id)/rows\">Explore the rows</a>"))
        #expect(html.contains("<ol class=\"preview-rows\"><li title="))
        #expect(html.contains("href=\"/datasets/\(id)/download\""))
        #expect(!html.contains("<script>"), "no inline script on any page")
    }

    @Test func newDatasetPageOffersBothModesPresetsAndModels() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let html = try test.get("/datasets/new").text
        #expect(html.contains("value=\"chat\""))
        #expect(html.contains("value=\"seeds\""))
        for preset in SkillPromptPresets.all {
            #expect(html.contains(">\(preset.title)</button>"))
        }
        for model in BaseModelCatalog.all {
            #expect(html.contains("<option value=\"\(model.id)\""))
        }
        #expect(html.contains("enctype=\"multipart/form-data\""))
    }

    @Test func formErrorsRerenderWith422AndKeepTheInput() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let response = try formUpload(test, fields: [("name", "Keep me"), ("mode", "seeds"), ("skill_prompt", "")], file: nil)
        #expect(response.status == 422)
        let html = response.text
        #expect(html.contains("value=\"Keep me\""))
        #expect(html.contains("Attach a JSONL file"))
        #expect(html.contains("class=\"field-error\""))
        #expect(try test.json("/api/datasets")["count"] as? Int == 0)
    }

    @Test func hostileNamesPromptsAndContentComeBackEscapedEverywhere() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let name = Self.scriptPayload + Self.attributePayload
        let lines = Fixtures.chatLines(120) { index in
            index == 0 ? "Hi " + Self.scriptPayload + Self.attributePayload : "Question \(index)"
        }
        let chatID = try test.uploadRaw(Fixtures.jsonl(lines), name: name)
        let seedsID = try test.uploadRaw(
            Array("{\"input\":\"<img src=x onerror=alert(2)>\"}\n".utf8), name: name, mode: "seeds",
            skillPrompt: "Persona " + Self.scriptPayload + Self.attributePayload)
        _ = try test.waitUntilValidated(chatID)
        _ = try test.waitUntilValidated(seedsID)

        for path in ["/datasets", "/datasets/\(chatID)", "/datasets/\(seedsID)"] {
            let html = try test.get(path).text
            #expect(!html.contains(Self.scriptPayload), "raw script tag on \(path)")
            #expect(!html.contains(Self.attributePayload), "raw attribute breakout on \(path)")
            #expect(!html.contains("<img src=x"), "raw img tag on \(path)")
            #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "escaped payload missing on \(path)")
            #expect(html.contains("&quot;onmouseover=alert(1) x=&quot;"), "escaped attribute payload missing on \(path)")
        }
        // The JSON twin returns the same strings as data, with JSON's own escaping.
        let json = try test.get("/api/datasets/\(chatID)")
        #expect(json.headers["Content-Type"]?.hasPrefix("application/json") == true)
        let dataset = try #require(try TestApp.object(json)["dataset"] as? [String: Any])
        #expect(dataset["name"] as? String == name)
    }

    @Test func staticFilesAreEmbeddedAndCacheable() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let css = try test.get("/static/app.css")
        #expect(css.status == 200)
        #expect(css.headers["Content-Type"] == "text/css; charset=utf-8")
        #expect(css.text.contains(".status.ok"))
        let js = try test.get("/static/app.js")
        #expect(js.text.contains("data-status-url"))
        #expect(try test.get("/static/../Package.swift").status == 404)
    }
}
