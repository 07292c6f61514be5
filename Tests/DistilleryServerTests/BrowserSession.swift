import DistilleryPlatform
import Foundation

/// A browser's view of the app: cookies only (no bearer token), and the CSRF token its forms carry.
final class BrowserSession: @unchecked Sendable {
    let app: TestApp
    private(set) var cookies: [String: String] = [:]
    /// Every response this browser received, for checks on what was ever shown.
    private(set) var responses: [HTTPClientResponse] = []

    init(_ app: TestApp) {
        self.app = app
    }

    @discardableResult
    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: HTTPClientRequest.Body = .none) throws -> HTTPClientResponse {
        var allHeaders = headers
        if !cookies.isEmpty {
            allHeaders.append(("Cookie", cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")))
        }
        let response = try app.request(method, path, headers: allHeaders, body: body, token: "")
        responses.append(response)
        for header in response.headers.values("Set-Cookie") {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty || header.contains("Max-Age=0") { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] }
        }
        return response
    }

    func get(_ path: String) throws -> HTTPClientResponse {
        try send("GET", path)
    }

    /// The `_csrf` value in the forms of `path`.
    func csrfToken(from path: String) throws -> String {
        let html = try get(path).text
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { throw TestFailure("no CSRF field on \(path)") }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Posts a URL-encoded form with the page's CSRF token (unless `csrf` overrides it).
    @discardableResult
    func submit(_ path: String, fields: [(String, String)], csrfFrom page: String, csrf: String? = nil) throws -> HTTPClientResponse {
        let token = try csrf ?? csrfToken(from: page)
        let body = ([("_csrf", token)] + fields).map { "\($0.0)=\(FormEncoding.encode($0.1))" }.joined(separator: "&")
        return try send("POST", path, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: .bytes(Array(body.utf8)))
    }

    func signIn(name: String = TestApp.adminName, password: String = TestApp.adminPassword) throws {
        // Signed in already, /login redirects away; the session's own token then comes from a form page.
        let csrf = try (try? csrfToken(from: "/login")) ?? csrfToken(from: "/settings")
        let response = try submit("/login", fields: [("name", name), ("password", password)], csrfFrom: "", csrf: csrf)
        guard response.status == 303, cookies["distillery_session"] != nil else {
            throw TestFailure("sign-in failed: \(response.status) \(response.text.prefix(300))")
        }
    }
}

enum FormEncoding {
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}

extension HTTPClientResponse {
    /// The id in a redirect's `Location`, such as 12 in "/recipes/12?notice=created" after "/recipes/".
    func locationID(after prefix: String) throws -> Int64 {
        guard let location = headers["Location"], location.hasPrefix(prefix),
            let id = Int64(location.dropFirst(prefix.count).prefix { $0 != "?" })
        else { throw TestFailure("unexpected Location \(headers["Location"] ?? "nil")") }
        return id
    }
}

extension [(String, String)] {
    /// A form's fields in their order, with the values in `changes` in place of theirs.
    func changing(_ changes: [String: String]) -> [(String, String)] {
        map { ($0.0, changes[$0.0] ?? $0.1) }
    }
}
