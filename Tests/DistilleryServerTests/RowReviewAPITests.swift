import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Testing

/// The row page, review and edit (README "Reviewing rows") through the real server and a real SQLite file.
@Suite(.serialized)
struct RowReviewAPITests {
    static func review(_ verdict: String, rating: Int? = nil) -> HTTPClientRequest.Body {
        .bytes(Array((rating.map { #"{"verdict":"\#(verdict)","rating":\#($0)}"# } ?? #"{"verdict":"\#(verdict)"}"#).utf8))
    }

    static func edit(_ answer: String, user: String = "How do I export?") -> HTTPClientRequest.Body {
        let object: [String: Any] = ["messages": [
            ["role": "system", "content": "You are a concise support agent."], ["role": "user", "content": user],
            ["role": "assistant", "content": answer],
        ]]
        return .bytes(Array(try! JSONSerialization.data(withJSONObject: object)))
    }

    static let json = [("Content-Type", "application/json")]

    static func chatDataset(_ test: TestApp, rows: Int = 5) throws -> Int64 {
        let id = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(rows)), name: "review me")
        _ = try test.waitUntilValidated(id)
        return id
    }

    @Test func aPageFormWithoutItsCSRFTokenIs403AndWithItTheReviewIsKeptAndTheNextRowOpens() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.chatDataset(test)
        let browser = BrowserSession(test)
        try browser.signIn()

        let forged = try browser.send(
            "POST", "/datasets/\(id)/rows/2/review", headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: .bytes(Array("verdict=rejected".utf8)))
        #expect(forged.status == 403)
        let forgedJSON = try browser.send("POST", "/api/datasets/\(id)/rows/2/review", headers: Self.json, body: Self.review("rejected"))
        #expect(forgedJSON.status == 403)
        #expect(try test.json("/api/datasets/\(id)/rows/2")["review"] == nil)

        let page = try browser.get("/datasets/\(id)/rows/2")
        #expect(page.status == 200)
        #expect(page.text.contains("action=\"/datasets/\(id)/rows/2/review\""))
        let reviewed = try browser.submit(
            "/datasets/\(id)/rows/2/review", fields: [("verdict", "rejected"), ("rating", "2")], csrfFrom: "/datasets/\(id)/rows/2")
        #expect(reviewed.status == 303)
        #expect(reviewed.headers["Location"] == "/datasets/\(id)/rows/3")

        let review = try #require(try test.json("/api/datasets/\(id)/rows/2")["review"] as? [String: Any])
        #expect(review["verdict"] as? String == "rejected")
        #expect(review["rating"] as? Int == 2)
        #expect(review["reviewedBy"] as? String == TestApp.adminName)
        #expect((review["reviewedAt"] as? String)?.hasSuffix("Z") == true)
        #expect(try browser.get("/datasets/\(id)/rows/2").text.contains("rejected · 2/5"))
    }

    @Test func anAPITokenReviewsWithoutCSRFAndTheAuditLogSaysWhoDidWhat() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.chatDataset(test)
        let member = try test.makeMember("rita")

        let accepted = try test.request("POST", "/api/datasets/\(id)/rows/0/review", headers: Self.json, body: Self.review("accepted", rating: 5), token: member.token)
        #expect(accepted.status == 200)
        let review = try #require(try TestApp.object(accepted)["review"] as? [String: Any])
        #expect(review["verdict"] as? String == "accepted")
        #expect(review["rating"] as? Int == 5)
        #expect(review["reviewedBy"] as? String == "rita")

        // A second verdict replaces the first: one review per row.
        let changed = try test.request("POST", "/api/datasets/\(id)/rows/0/review", headers: Self.json, body: Self.review("rejected"))
        let replaced = try #require(try TestApp.object(changed)["review"] as? [String: Any])
        #expect(replaced["verdict"] as? String == "rejected")
        #expect(replaced["rating"] == nil)
        #expect(replaced["reviewedBy"] as? String == TestApp.adminName)

        let bad = try test.request("POST", "/api/datasets/\(id)/rows/0/review", headers: Self.json, body: Self.review("accepted", rating: 9))
        #expect(bad.status == 422)
        #expect((try TestApp.object(bad)["error"] as? [String: Any])?["fields"] as? [String: String]
            == ["rating": "must be a whole number from 1 to 5, or left out"])

        let audit = try #require(try test.json("/api/admin/audit?per_page=10")["items"] as? [[String: Any]])
        let entries = audit.filter { $0["action"] as? String == "row_reviewed" }.compactMap { "\($0["userName"] ?? "") \($0["detail"] ?? "")" }
        #expect(entries == ["admin dataset #\(id) row 0 rejected", "rita dataset #\(id) row 0 accepted, rating 5"])
    }

    @Test func twoEditsKeepEachVersionInTheHistoryAcceptTheRowAndLeaveTheStoredRowAlone() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.chatDataset(test)
        let original = try #require((try test.json("/api/datasets/\(id)/rows?page=2&per_page=1")["items"] as? [[String: Any]])?.first?["row"] as? [String: Any])
        let originalAnswer = try #require((original["messages"] as? [[String: String]])?.last?["content"])

        let first = try test.request("POST", "/api/datasets/\(id)/rows/1/edit", headers: Self.json, body: Self.edit("First fix."))
        #expect(first.status == 200)
        let second = try test.request("POST", "/api/datasets/\(id)/rows/1/edit", headers: Self.json, body: Self.edit("Second fix."))
        #expect(second.status == 200)

        let row = try TestApp.object(second)
        func answer(_ messages: Any?) -> String? { (messages as? [[String: Any]])?.last?["content"] as? String }
        #expect(answer(row["messages"]) == "Second fix.")
        #expect(row["edited"] as? Bool == true)
        let edits = try #require(row["edits"] as? [[String: Any]])
        #expect(edits.compactMap { $0["seq"] as? Int } == [2, 1])
        #expect(edits.map { answer($0["previousMessages"]) } == ["First fix.", originalAnswer])
        #expect(edits.map { answer($0["messages"]) } == ["Second fix.", "First fix."])
        #expect(edits.allSatisfy { $0["editedBy"] as? String == TestApp.adminName })
        #expect((row["review"] as? [String: Any])?["verdict"] as? String == "accepted")

        // Reviews and edits never change the stored row: the rows API still serves the original.
        let stored = try #require((try test.json("/api/datasets/\(id)/rows?page=2&per_page=1")["items"] as? [[String: Any]])?.first)
        #expect(stored["row"] as? NSDictionary == original as NSDictionary)

        let page = try test.get("/datasets/\(id)/rows/1")
        #expect(page.text.contains("Edit 2"))
        #expect(page.text.contains("Second fix."))
        #expect(page.text.contains(originalAnswer))
    }

    @Test func anInvalidEditIs422NamingTheJSONPathAndTheFormKeepsWhatWasTyped() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.chatDataset(test)

        let refused = try test.request("POST", "/api/datasets/\(id)/rows/1/edit", headers: Self.json, body: Self.edit(""))
        #expect(refused.status == 422)
        let error = try #require(try TestApp.object(refused)["error"] as? [String: Any])
        #expect(error["fields"] as? [String: String] == ["messages[2].content": "messages[2].content is an empty string"])
        #expect((try test.json("/api/datasets/\(id)/rows/1")["edits"] as? [Any])?.isEmpty == true)

        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.submit(
            "/datasets/\(id)/rows/1/edit",
            fields: [("role_0", "system"), ("content_0", "Be kind."), ("role_1", "user"), ("content_1", "Typed question"), ("role_2", "assistant"), ("content_2", "")],
            csrfFrom: "/datasets/\(id)/rows/1")
        #expect(page.status == 422)
        #expect(page.text.contains("<code>messages[2].content</code> messages[2].content is an empty string"))
        #expect(page.text.contains(">Typed question</textarea>"))
        #expect(page.text.contains("<details id=\"edit\" open>"))

        let saved = try browser.submit(
            "/datasets/\(id)/rows/1/edit",
            fields: [("role_0", "system"), ("content_0", "Be kind."), ("role_1", "user"), ("content_1", "Typed question"), ("role_2", "assistant"), ("content_2", "Typed answer")],
            csrfFrom: "/datasets/\(id)/rows/1")
        #expect(saved.status == 303)
        #expect(saved.headers["Location"] == "/datasets/\(id)/rows/1#history")
        let row = try test.json("/api/datasets/\(id)/rows/1")
        #expect((row["messages"] as? [[String: String]])?.map { $0["content"] ?? "" } == ["Be kind.", "Typed question", "Typed answer"])
        // The explorer's search finds the row by its edited text (the search index follows edits).
        let found = try #require(try test.json("/api/datasets/\(id)/rows?q=Typed%20answer")["items"] as? [[String: Any]])
        #expect(found.compactMap { $0["index"] as? Int } == [1])
    }

    @Test func unknownRowsAre404AndSeedsOrValidatingDatasetsAre409WithTheReason() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.chatDataset(test)
        #expect(try test.get("/api/datasets/\(id)/rows/99").status == 404)
        #expect(try test.get("/datasets/\(id)/rows/nope").status == 404)
        #expect(try test.request("POST", "/api/datasets/\(id)/rows/99/review", headers: Self.json, body: Self.review("accepted")).status == 404)
        #expect(try test.request("POST", "/api/datasets/999/rows/0/edit", headers: Self.json, body: Self.edit("x")).status == 404)

        let seeds = try test.uploadRaw(Fixtures.jsonl(Fixtures.seedLines(5)), name: "seeds", mode: "seeds", skillPrompt: "Be brief.")
        _ = try test.waitUntilValidated(seeds)
        let refused = try test.request("POST", "/api/datasets/\(seeds)/rows/0/review", headers: Self.json, body: Self.review("accepted"))
        #expect(refused.status == 409)
        #expect(refused.text.contains("holds seeds"))
        #expect(try test.get("/datasets/\(seeds)/rows/0").status == 409)

        try test.app.services.database.write { try $0.run("UPDATE datasets SET status = 'validating' WHERE id = ?", .integer(id)) }
        let validating = try test.request("POST", "/api/datasets/\(id)/rows/0/review", headers: Self.json, body: Self.review("accepted"))
        #expect(validating.status == 409)
        #expect(validating.text.contains("still validating"))
        #expect(try test.request("POST", "/api/datasets/\(id)/rows/0/edit", headers: Self.json, body: Self.edit("x")).status == 409)
    }

    @Test func jAndKLeadToTheNextAndPreviousRowInRowOrderAndTheKeysAreWiredByAStaticScript() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.chatDataset(test, rows: 3)
        let first = try test.json("/api/datasets/\(id)/rows/0")
        #expect(first["previousURL"] == nil)
        #expect(first["nextURL"] as? String == "/datasets/\(id)/rows/1")
        let middle = try test.json("/api/datasets/\(id)/rows/1")
        #expect(middle["previousURL"] as? String == "/datasets/\(id)/rows/0")
        #expect(middle["nextURL"] as? String == "/datasets/\(id)/rows/2")
        #expect(try test.json("/api/datasets/\(id)/rows/2")["nextURL"] == nil)

        let page = try test.get("/datasets/\(id)/rows/1").text
        #expect(page.contains("href=\"/datasets/\(id)/rows/2\" data-row-key=\"j\""))
        #expect(page.contains("href=\"/datasets/\(id)/rows/0\" data-row-key=\"k\""))
        #expect(page.contains("value=\"accepted\" data-row-key=\"a\""))
        #expect(page.contains("value=\"rejected\" data-row-key=\"r\""))
        #expect(page.contains("<script src=\"/static/row_review.js\" defer></script>"))
        // The system prompt is folded away; the turns are shown.
        #expect(page.contains("<details class=\"system-prompt\"><summary>System prompt</summary>"))
        let script = try test.get("/static/row_review.js")
        #expect(script.status == 200)
        #expect(script.text.contains("data-row-key"))
    }

    @Test func jAndKStayWithinTheExplorersFilterAndAReviewMovesOnToTheNextRowThatStillMatches() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.chatDataset(test, rows: 6)
        #expect(try test.request("POST", "/api/datasets/\(id)/rows/2/review", headers: Self.json, body: Self.review("rejected")).status == 200)

        let row = try test.json("/api/datasets/\(id)/rows/1?review=unreviewed")
        #expect(row["previousURL"] as? String == "/datasets/\(id)/rows/0?review=unreviewed")
        #expect(row["nextURL"] as? String == "/datasets/\(id)/rows/3?review=unreviewed")
        #expect(row["filterSummary"] as? String == "unreviewed")
        // The explorer's rows link to their page with the filter.
        #expect(try test.get("/datasets/\(id)/rows?review=unreviewed").text.contains("href=\"/datasets/\(id)/rows/3?review=unreviewed\""))

        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.get("/datasets/\(id)/rows/3?review=unreviewed").text
        #expect(page.contains("action=\"/datasets/\(id)/rows/3/review?review=unreviewed\""))
        let reviewed = try browser.submit(
            "/datasets/\(id)/rows/3/review?review=unreviewed", fields: [("verdict", "accepted")], csrfFrom: "/datasets/\(id)/rows/3")
        #expect(reviewed.headers["Location"] == "/datasets/\(id)/rows/4?review=unreviewed")
        // Rows 2 and 3 are reviewed now: they have left the filter, so k from row 4 goes back to row 1.
        #expect(try test.json("/api/datasets/\(id)/rows/4?review=unreviewed")["previousURL"] as? String == "/datasets/\(id)/rows/1?review=unreviewed")
        // The last matching row's review stays on it.
        let last = try browser.submit(
            "/datasets/\(id)/rows/5/review?review=unreviewed", fields: [("verdict", "accepted")], csrfFrom: "/datasets/\(id)/rows/5")
        #expect(last.headers["Location"] == "/datasets/\(id)/rows/5?review=unreviewed")
        #expect(try test.get("/api/datasets/\(id)/rows/1?review=bogus").status == 400)
    }
}
