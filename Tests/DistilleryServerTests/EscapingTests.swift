import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Testing

/// Hostile text in every user-controlled field comes back escaped on every page that shows it.
@Suite(.serialized)
struct EscapingTests {
    static let script = "<script>alert('x')</script>"
    static let attribute = "\"onmouseover=alert(1) x=\""
    static let payload = script + attribute
    static let escapedScript = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    static let escapedAttribute = "&quot;onmouseover=alert(1) x=&quot;"

    static func expectEscaped(_ html: String, on page: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!html.contains(script), "raw <script> payload on \(page)", sourceLocation: sourceLocation)
        #expect(!html.contains(attribute), "raw attribute payload on \(page)", sourceLocation: sourceLocation)
        #expect(html.contains(escapedScript), "escaped payload missing on \(page)", sourceLocation: sourceLocation)
        #expect(html.contains(escapedAttribute), "escaped attribute payload missing on \(page)", sourceLocation: sourceLocation)
    }

    @Test func tokenNamesKeyLabelsAndUserNamesAreEscapedOnEveryPageThatShowsThem() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()

        #expect(try browser.submit("/settings/tokens", fields: [("name", Self.payload)], csrfFrom: "/settings").status == 303)
        let tokenPage = try browser.get("/settings")
        #expect(tokenPage.text.contains("secret-once"))
        Self.expectEscaped(tokenPage.text, on: "settings after token creation")
        #expect(try browser.submit(
            "/settings/keys", fields: [("provider", "kimi"), ("label", Self.payload), ("key", "sk-abcdefghijklmnop")], csrfFrom: "/settings"
        ).status == 303)
        Self.expectEscaped(try browser.get("/settings").text, on: "/settings")

        // A user name with markup is refused, and the refusal page escapes what was typed.
        let refusedUser = try browser.submit(
            "/admin/users", fields: [("name", Self.payload), ("password", "long enough password"), ("role", "member")], csrfFrom: "/admin/users")
        #expect(refusedUser.status == 422)
        Self.expectEscaped(refusedUser.text, on: "/admin/users (422)")
        // A sign-in attempt under that name is audited with the name it tried.
        let attacker = BrowserSession(test)
        let failed = try attacker.submit("/login", fields: [("name", Self.payload), ("password", "whatever at all")], csrfFrom: "/login")
        #expect(failed.status == 401)
        Self.expectEscaped(failed.text, on: "/login (401)")
        Self.expectEscaped(try browser.get("/admin/audit").text, on: "/admin/audit")
    }

    @Test func datasetNameSkillPromptAndContentAreEscaped() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let lines = Fixtures.chatLines(110) { index in index == 0 ? "Hi " + Self.payload : "Question \(index)" }
        let chat = try test.uploadRaw(Fixtures.jsonl(lines), name: Self.payload)
        let seeds = try test.uploadRaw(
            Array("{\"input\":\"seed\"}\n".utf8), name: "seeds", mode: "seeds", skillPrompt: "Persona " + Self.payload)
        _ = try test.waitUntilValidated(chat)
        _ = try test.waitUntilValidated(seeds)
        let browser = BrowserSession(test)
        try browser.signIn()
        Self.expectEscaped(try browser.get("/datasets").text, on: "/datasets")
        Self.expectEscaped(try browser.get("/datasets/\(chat)").text, on: "/datasets/\(chat)")
        Self.expectEscaped(try browser.get("/datasets/\(seeds)").text, on: "/datasets/\(seeds)")
        // Deleting it puts the name in the audit log, which escapes it too.
        #expect(try browser.submit("/datasets/\(chat)/delete", fields: [], csrfFrom: "/datasets/\(chat)").status == 303)
        Self.expectEscaped(try browser.get("/admin/audit").text, on: "/admin/audit")
    }
}
