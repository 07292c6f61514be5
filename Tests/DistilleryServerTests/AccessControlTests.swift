import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Testing

/// Every route is guarded; CSRF; roles.
@Suite(.serialized)
struct AccessControlTests {
    static func concretePath(_ pattern: String) -> String {
        pattern.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{job}", with: "1").replacingOccurrences(of: "{file...}", with: "app.css")
    }

    @Test func everyRouteOutsideTheFewPublicOnesNeedsASignedInUser() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let publicRoutes = DistilleryApp.routes.filter { $0.access == .publicRoute }.map { "\($0.method) \($0.pattern)" }
        #expect(Set(publicRoutes) == ["GET /healthz", "GET /static/{file...}", "GET /login", "POST /login", "GET /setup", "POST /setup"])
        #expect(DistilleryApp.routes.count > 30)
        for route in DistilleryApp.routes where route.access != .publicRoute {
            let path = Self.concretePath(route.pattern)
            let response = try test.request(route.method, path, token: "")
            let isAPI = path.hasPrefix("/api/")
            if isAPI {
                #expect(response.status == 401, "\(route.method) \(path) answered \(response.status) without credentials")
                #expect(response.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true, "\(route.method) \(path)")
                #expect((try? TestApp.object(response)["error"]) != nil, "\(route.method) \(path) 401 is not JSON")
            } else {
                #expect(response.status == 303, "\(route.method) \(path) answered \(response.status) without credentials")
                #expect(response.headers["Location"]?.hasPrefix("/login") == true, "\(route.method) \(path)")
            }
        }
        // With a token that is not valid, the API still answers 401.
        #expect(try test.request("GET", "/api/datasets", token: "dst_not-a-real-token").status == 401)
        // Public routes answer without credentials.
        #expect(try test.request("GET", "/healthz", token: "").status == 200)
        #expect(try test.request("GET", "/static/app.css", token: "").status == 200)
        #expect(try test.request("GET", "/login", token: "").status == 200)
    }

    @Test func adminRoutesRefuseMembers() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let member = try test.makeMember("mia")
        for route in DistilleryApp.routes where route.access == .admin {
            let response = try test.request(route.method, Self.concretePath(route.pattern), token: member.token)
            #expect(response.status == 403, "\(route.method) \(route.pattern) let a member in (\(response.status))")
        }
        #expect(try test.request("GET", "/api/admin/users").status == 200)
    }

    @Test func postsWithoutTheRightCSRFTokenAre403AndChangeNothing() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(110)), name: "keep me")
        _ = try test.waitUntilValidated(id)
        let browser = BrowserSession(test)
        try browser.signIn()
        let tokensBefore = try test.json("/api/tokens")["tokens"] as? [Any]

        for csrf in ["", "wrong-token"] {
            let deletion = try browser.submit("/datasets/\(id)/delete", fields: [], csrfFrom: "/datasets/\(id)", csrf: csrf)
            #expect(deletion.status == 403)
            #expect(deletion.text.contains("CSRF"))
            let token = try browser.submit("/settings/tokens", fields: [("name", "sneaky")], csrfFrom: "/settings", csrf: csrf)
            #expect(token.status == 403)
        }
        let noField = try browser.send(
            "POST", "/datasets/\(id)/delete", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: .bytes([]))
        #expect(noField.status == 403)
        // A cookie alone never writes through the JSON API either.
        #expect(try browser.send("DELETE", "/api/datasets/\(id)").status == 403)
        #expect(try test.get("/api/datasets/\(id)").status == 200)
        #expect((try test.json("/api/tokens")["tokens"] as? [Any])?.count == tokensBefore?.count)

        // The same requests with the right token go through.
        let accepted = try browser.submit("/datasets/\(id)/delete", fields: [], csrfFrom: "/datasets/\(id)")
        #expect(accepted.status == 303)
        #expect(try test.get("/api/datasets/\(id)").status == 404)
        // Sign-in itself is CSRF-protected.
        let anonymous = BrowserSession(test)
        #expect(try anonymous.submit("/login", fields: [("name", "admin"), ("password", TestApp.adminPassword)], csrfFrom: "/login", csrf: "x").status == 403)
    }

    @Test func membersDeleteOnlyWhatTheyCreatedAdminsAnything() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let mia = try test.makeMember("mia")
        let noah = try test.makeMember("noah")
        let upload = try test.request(
            "POST", "/api/datasets?name=mias", headers: [("Content-Type", "application/jsonl")],
            body: .bytes(Fixtures.jsonl(Fixtures.chatLines(105))), token: mia.token)
        let id = try #require(((try TestApp.object(upload)["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value)
        _ = try test.waitUntilValidated(id)
        #expect((try TestApp.object(try test.request("GET", "/api/datasets/\(id)", token: noah.token))["dataset"] as? [String: Any])?["createdBy"] as? String == "mia")
        let refused = try test.request("DELETE", "/api/datasets/\(id)", token: noah.token)
        #expect(refused.status == 403)
        let page = try test.request("GET", "/datasets/\(id)", token: noah.token).text
        #expect(page.contains("Only its creator (mia) or an admin can delete this dataset."))
        #expect(try test.request("DELETE", "/api/datasets/\(id)", token: mia.token).status == 204)

        let second = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(105)), name: "admins can")
        _ = try test.waitUntilValidated(second)
        let third = try test.request(
            "POST", "/api/datasets?name=noahs", headers: [("Content-Type", "application/jsonl")],
            body: .bytes(Fixtures.jsonl(Fixtures.chatLines(105))), token: noah.token)
        let thirdID = try #require(((try TestApp.object(third)["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value)
        _ = try test.waitUntilValidated(thirdID)
        #expect(try test.request("DELETE", "/api/datasets/\(thirdID)").status == 204, "admin deletes a member's dataset")
        let audit = try test.json("/api/admin/audit")["items"] as? [[String: Any]] ?? []
        #expect(audit.filter { $0["action"] as? String == "dataset_deleted" }.count == 2)
    }
}
