import DistilleryCore
import DistilleryResources
import DistilleryServer
import Foundation
import Testing

/// The parts every page shares: the layout (menu, favicon), error pages, and what the
/// Content-Security-Policy forbids in templates.
@Suite(.serialized)
struct PageShellTests {
    static let templates = Dictionary(uniqueKeysWithValues: Template.allCases.map { ($0.rawValue, String(decoding: $0.source, as: UTF8.self)) })

    @Test func errorPagesKeepTheMenuAndTheSignedInUser() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        _ = try test.makeMember("mia")
        let admin = BrowserSession(test)
        try admin.signIn()
        let member = BrowserSession(test)
        try member.signIn(name: "mia", password: "member password 1")

        let cases: [(BrowserSession, String, Int, String)] = [
            (admin, "/no/such/page", 404, TestApp.adminName),
            (admin, "/datasets/987654", 404, TestApp.adminName),
            (member, "/admin/users", 403, "mia"),
            (member, "/no/such/page", 404, "mia"),
        ]
        for (browser, path, status, user) in cases {
            let page = try browser.get(path)
            #expect(page.status == status, "\(path)")
            #expect(page.text.contains("<span class=\"whoami\">\(user)</span>"), "\(path) shows who is signed in")
            #expect(page.text.contains("href=\"/settings\""), "\(path) keeps the menu")
            #expect(page.text.contains("action=\"/logout\""), "\(path) keeps the sign-out button")
        }
        // The menu of an error page carries the session's CSRF token: signing out from it works.
        let errorPage = try member.get("/no/such/page")
        #expect(try member.submit("/logout", fields: [], csrfFrom: "", csrf: Self.csrf(in: errorPage.text)).status == 303)

        // Anonymous visitors get no menu.
        let anonymous = try test.request("GET", "/no/such/page", token: "")
        #expect(anonymous.status == 404)
        #expect(!anonymous.text.contains("action=\"/logout\""))
    }

    @Test func theFaviconIsEmbeddedServedAndLinkedFromEveryPage() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let icon = try test.request("GET", "/static/favicon.svg", token: "")
        #expect(icon.status == 200)
        #expect(icon.headers["Content-Type"] == "image/svg+xml")
        #expect(icon.text.hasPrefix("<svg"))
        let layout = try #require(Self.templates["layout"])
        #expect(layout.contains("<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">"))
        #expect(try test.request("GET", "/login", token: "").text.contains("/static/favicon.svg"))
    }

    /// The CSP (`script-src 'self'; style-src 'self'`) blocks inline styles, inline scripts and
    /// event-handler attributes, so none may appear in a template.
    @Test func noTemplateHasInlineStyleScriptOrEventHandlers() throws {
        #expect(!Self.templates.isEmpty)
        let handler = try Regex(#"\son[a-z]+\s*="#).ignoresCase()
        let inlineScript = try Regex(#"<script(?![^>]*\ssrc=)[^>]*>"#).ignoresCase()
        for (name, text) in Self.templates.sorted(by: { $0.key < $1.key }) {
            #expect(!text.lowercased().contains("style="), "\(name).mustache has an inline style= attribute")
            #expect(!text.lowercased().contains("<style"), "\(name).mustache has a <style> element")
            #expect(text.firstMatch(of: inlineScript) == nil, "\(name).mustache has an inline <script>")
            #expect(text.firstMatch(of: handler) == nil, "\(name).mustache has an on…= event handler")
            #expect(!text.lowercased().contains("javascript:"), "\(name).mustache has a javascript: URL")
            #expect(!text.contains("{{{") && !text.contains("{{&"), "\(name).mustache renders a value unescaped")
        }
    }

    static func csrf(in html: String) throws -> String {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { throw TestFailure("no CSRF field") }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}
