import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Testing

/// A clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Int64 = 1_795_000_000_000

    var now: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func advance(minutes: Int64) {
        lock.lock()
        current += minutes * 60_000
        lock.unlock()
    }
}

@Suite(.serialized)
struct SessionTests {
    /// The `<input …>` tag whose name is `name`.
    static func inputTag(named name: String, in html: String) -> String? {
        guard let attribute = html.range(of: "name=\"\(name)\""),
            let start = html[..<attribute.lowerBound].range(of: "<input", options: .backwards),
            let end = html[attribute.upperBound...].firstIndex(of: ">")
        else { return nil }
        return String(html[start.lowerBound...end])
    }

    @Test func firstRunSetupCreatesTheAdminOnceAndSignsIn() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = AppConfiguration()
        configuration.port = 0
        configuration.dataDirectory = directory
        let app = try DistilleryApp(configuration: configuration, logger: .init(label: "setup-test"))
        try app.start()
        defer { app.stop() }
        let get = { (path: String) in try HTTPClient.send(HTTPClientRequest(url: app.url + path)) }
        // No users: pages lead to setup, and login redirects there too.
        #expect(try get("/datasets").headers["Location"] == "/setup")
        #expect(try get("/login").headers["Location"] == "/setup")
        let setupPage = try get("/setup")
        #expect(setupPage.status == 200)
        let csrfCookie = try #require(setupPage.headers.values("Set-Cookie").first { $0.hasPrefix("distillery_csrf=") })
        let csrf = String(csrfCookie.dropFirst("distillery_csrf=".count).prefix { $0 != ";" })
        #expect(setupPage.text.contains("value=\"\(csrf)\""))

        let post = { (fields: String) in
            try HTTPClient.send(HTTPClientRequest(
                method: "POST", url: app.url + "/setup",
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", "distillery_csrf=\(csrf)")],
                body: .bytes(Array("_csrf=\(csrf)&\(fields)".utf8))))
        }
        let short = try post("name=boss&password=short&password_again=short")
        #expect(short.status == 422)
        #expect(short.text.contains("at least 10 characters"))
        let created = try post("name=boss&password=a+good+long+password&password_again=a+good+long+password")
        #expect(created.status == 303)
        #expect(created.headers.values("Set-Cookie").contains { $0.hasPrefix("distillery_session=") })
        #expect(try app.services.users.list().map(\.name) == ["boss"])
        #expect(try app.services.users.list().first?.role == .admin)
        // Setup is gone once a user exists: the page sends visitors to sign in, and a signed-in admin to the datasets.
        let afterSetup = try get("/setup")
        #expect(afterSetup.status == 303)
        #expect(afterSetup.headers["Location"] == "/login")
        let sessionCookie = try #require(created.headers.values("Set-Cookie").first { $0.hasPrefix("distillery_session=") })
        let signedInSetup = try HTTPClient.send(HTTPClientRequest(
            url: app.url + "/setup", headers: [("Cookie", String(sessionCookie.prefix { $0 != ";" }))]))
        #expect(signedInSetup.status == 303)
        #expect(signedInSetup.headers["Location"] == "/datasets")
        #expect(try post("name=intruder&password=a+good+long+password&password_again=a+good+long+password").status == 404)
        #expect(try app.services.users.count() == 1)
    }

    @Test func sessionCookieFlagsAndANewIdAtEverySignIn() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()
        let login = try #require(browser.responses.last)
        let cookie = try #require(login.headers.values("Set-Cookie").first { $0.hasPrefix("distillery_session=") })
        #expect(cookie.contains("; HttpOnly"))
        #expect(cookie.contains("; SameSite=Lax"))
        #expect(cookie.contains("; Path=/"))
        #expect(!cookie.contains("Secure"), "not Secure unless --secure-cookies")
        let first = try #require(browser.cookies["distillery_session"])
        try browser.signIn()
        let second = try #require(browser.cookies["distillery_session"])
        #expect(first != second)
        // The session the browser brought to the second sign-in was ended.
        let stale = try test.request("GET", "/settings", headers: [("Cookie", "distillery_session=\(first)")], token: "")
        #expect(stale.status == 303)
        // Only a hash of the token is stored.
        let stored = try test.app.services.database.read { try $0.query("SELECT token_hash FROM sessions").compactMap { $0.string("token_hash") } }
        #expect(!stored.contains(second))
        #expect(stored.contains(SecretDigest.sha256Hex(second)))

        let secure = try TestApp { $0.secureCookies = true }
        defer { secure.removeFiles() }
        let secureBrowser = BrowserSession(secure)
        try secureBrowser.signIn()
        #expect(secureBrowser.responses.last?.headers.values("Set-Cookie").first { $0.hasPrefix("distillery_session=") }?.contains("; Secure") == true)
    }

    @Test func sessionsExpireWhenIdleAndAfterTheirMaximumAge() throws {
        let clock = TestClock()
        let test = try TestApp {
            $0.clock = { clock.now }
            $0.sessionIdleMinutes = 30
            $0.sessionMaximumHours = 2
        }
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()
        #expect(try browser.get("/settings").status == 200)
        clock.advance(minutes: 29)
        #expect(try browser.get("/settings").status == 200, "29 idle minutes is within the 30-minute limit")
        clock.advance(minutes: 31)
        let idle = try browser.get("/settings")
        #expect(idle.status == 303)
        #expect(idle.headers["Location"] == "/login?next=%2Fsettings")

        try browser.signIn()
        for _ in 0..<5 {  // active every 25 minutes: never idle, but 125 minutes old in the end
            clock.advance(minutes: 25)
            _ = try browser.get("/settings")
        }
        #expect(try browser.get("/settings").status == 303, "sessions end 2 hours after sign-in however active")
    }

    @Test func logoutEndsTheSessionOnTheServer() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()
        let token = try #require(browser.cookies["distillery_session"])
        let logout = try browser.submit("/logout", fields: [], csrfFrom: "/settings")
        #expect(logout.status == 303)
        #expect(logout.headers.values("Set-Cookie").contains { $0.hasPrefix("distillery_session=;") && $0.contains("Max-Age=0") })
        // The sign-in page it leads to says the sign-out worked.
        let location = try #require(logout.headers["Location"])
        #expect(location.hasPrefix("/login"))
        let after = try browser.get(location)
        #expect(after.status == 200)
        #expect(after.text.contains("You have signed out."))
        #expect(!(try browser.get("/login").text.contains("You have signed out.")), "only after signing out")
        // Replaying the old cookie does not work: the session is gone server-side, not just in the browser.
        let replay = try test.request("GET", "/settings", headers: [("Cookie", "distillery_session=\(token)")], token: "")
        #expect(replay.status == 303)
    }

    @Test func failedSignInsAreSlowedAndNeverSayWhetherTheUserExists() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        let unknown = try browser.submit("/login", fields: [("name", "nobody"), ("password", "whatever-it-is")], csrfFrom: "/login")
        let wrong = try browser.submit("/login", fields: [("name", "admin"), ("password", "not the password")], csrfFrom: "/login")
        #expect(unknown.status == 401)
        #expect(wrong.status == 401)
        #expect(unknown.text.contains("Wrong user name or password."))
        #expect(wrong.text.contains("Wrong user name or password."))
        // The name is kept, so the cursor waits in the password field (autofocus: no script needed).
        #expect(Self.inputTag(named: "password", in: wrong.text)?.contains(" autofocus") == true)
        #expect(Self.inputTag(named: "name", in: wrong.text)?.contains(" autofocus") == false)
        // A fresh sign-in page starts in the name field.
        let fresh = try browser.get("/login").text
        #expect(Self.inputTag(named: "name", in: fresh)?.contains(" autofocus") == true)
        #expect(Self.inputTag(named: "password", in: fresh)?.contains(" autofocus") == false)
        for _ in 0..<3 {
            #expect(try browser.submit("/login", fields: [("name", "admin"), ("password", "still wrong")], csrfFrom: "/login").status == 401)
        }
        // Five failures: now even the right password waits.
        let throttled = try browser.submit("/login", fields: [("name", "admin"), ("password", TestApp.adminPassword)], csrfFrom: "/login")
        #expect(throttled.status == 429)
        #expect(throttled.headers["Retry-After"].flatMap(Int.init).map { $0 >= 1 } == true)
        #expect(throttled.text.contains("Too many failed sign-ins"))
        #expect(browser.cookies["distillery_session"] == nil)
        let audit = try test.json("/api/admin/audit?per_page=50")["items"] as? [[String: Any]] ?? []
        #expect(audit.filter { $0["action"] as? String == "sign_in_failed" }.count == 5)
        #expect(!audit.contains { ($0["detail"] as? String ?? "").contains("still wrong") })
    }

    @Test func changingThePasswordEndsEverySession() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let first = BrowserSession(test)
        try first.signIn()
        let second = BrowserSession(test)
        try second.signIn()
        let changed = try first.submit(
            "/settings/password", fields: [("current", TestApp.adminPassword), ("password", "a brand new password")], csrfFrom: "/settings")
        #expect(changed.status == 303)
        #expect(try second.get("/settings").status == 303)
        #expect(try first.get("/settings").status == 303)
        try first.signIn(password: "a brand new password")
        #expect(try first.get("/settings").status == 200)
        let wrongCurrent = try first.submit(
            "/settings/password", fields: [("current", "nope nope nope"), ("password", "another new password")], csrfFrom: "/settings")
        #expect(wrongCurrent.status == 422)
        #expect(wrongCurrent.text.contains("The current password is wrong."))
    }

    /// The new token waits for the redirected page view only briefly: one not shown within ten
    /// minutes is dropped from memory (the token itself keeps working).
    @Test func aNewTokenNotShownWithinTenMinutesIsDropped() throws {
        let clock = TestClock()
        let test = try TestApp { $0.clock = { clock.now } }
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()
        #expect(try browser.submit("/settings/tokens", fields: [("name", "late")], csrfFrom: "/settings").status == 303)
        clock.advance(minutes: 11)
        #expect(!(try browser.get("/settings").text.contains("secret-once")))
        #expect(try browser.submit("/settings/tokens", fields: [("name", "prompt")], csrfFrom: "/settings").status == 303)
        clock.advance(minutes: 9)
        #expect(try browser.get("/settings").text.contains("secret-once"))
    }

    /// The README's way to the first API token from the shell: the session cookie plus its CSRF
    /// token in an `X-CSRF-Token` header (without the header, the cookie alone is refused).
    @Test func aSignedInSessionMakesTheFirstAPITokenWithTheCSRFHeader() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()
        let body = HTTPClientRequest.Body.bytes(Array(#"{"name": "ci"}"#.utf8))
        let json = ("Content-Type", "application/json")
        #expect(try browser.send("POST", "/api/tokens", headers: [json], body: body).status == 403)
        let csrf = try browser.csrfToken(from: "/settings")
        let created = try browser.send("POST", "/api/tokens", headers: [json, ("X-CSRF-Token", csrf)], body: body)
        #expect(created.status == 201)
        let token = try #require(try TestApp.object(created)["token"] as? String)
        #expect(try test.request("GET", "/api/me", token: token).status == 200)
    }

    @Test func apiTokensAreShownOnceStoredHashedAndRevocable() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let browser = BrowserSession(test)
        try browser.signIn()
        // Post/Redirect/Get: the form answers 303 to /settings (a reload cannot make a second token),
        // and the token is in neither the redirect nor any cookie, only on the next page view.
        let created = try browser.submit("/settings/tokens", fields: [("name", "pipeline")], csrfFrom: "/settings")
        #expect(created.status == 303)
        #expect(created.headers["Location"] == "/settings")
        #expect(created.headers.values("Set-Cookie").isEmpty)
        let page = try browser.get("/settings")
        #expect(page.status == 200)
        #expect(page.headers["Cache-Control"] == "no-store")
        let html = page.text
        let start = try #require(html.range(of: "<pre class=\"prompt secret-once\">"))
        let token = String(html[start.upperBound...].prefix { $0 != "<" })
        #expect(token.hasPrefix("dst_"))
        #expect(token.count > 40)
        #expect(!created.text.contains(token))
        // Another browser session of the same user never sees it.
        let other = BrowserSession(test)
        try other.signIn()
        #expect(!(try other.get("/settings").text.contains(token)))
        // It works, and shows up as used.
        #expect(try test.request("GET", "/api/me", token: token).status == 200)
        let settings = try browser.get("/settings").text
        #expect(!settings.contains(token), "the token is shown only once")
        #expect(!settings.contains("never</td>\n      <td><form method=\"post\" action=\"/settings/tokens/2/revoke\""))
        let listed = try #require((try TestApp.object(try test.request("GET", "/api/me", token: token)))["name"] as? String)
        #expect(listed == "admin")
        let tokens = try #require(try test.json("/api/tokens")["tokens"] as? [[String: Any]])
        let pipeline = try #require(tokens.first { $0["name"] as? String == "pipeline" })
        #expect(pipeline["lastUsedAt"] != nil)
        let id = try #require((pipeline["id"] as? NSNumber)?.int64Value)
        let stored = try test.app.services.database.read { try $0.query("SELECT token_hash FROM api_tokens").compactMap { $0.string("token_hash") } }
        #expect(!stored.contains(token))

        #expect(try browser.submit("/settings/tokens/\(id)/revoke", fields: [], csrfFrom: "/settings").status == 303)
        let revoked = try test.request("GET", "/api/me", token: token)
        #expect(revoked.status == 401)
        #expect(revoked.text.contains("not valid"))
        let audit = try test.json("/api/admin/audit")["items"] as? [[String: Any]] ?? []
        #expect(audit.contains { $0["action"] as? String == "token_created" && ($0["detail"] as? String)?.contains("pipeline") == true })
        #expect(audit.contains { $0["action"] as? String == "token_revoked" })
    }
}
