import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import Foundation
import Testing

/// The curated child (README "Curated child") through the real server and a real SQLite file: a parent of 160 rows
/// with flags and judge scores stored as the quality jobs store them, reviews and edits made through the API.
@Suite(.serialized)
struct CuratedDatasetTests {
    static let json = [("Content-Type", "application/json")]
    static let rows = 160
    /// Rows 0–9 are flagged (refusals); row i's judge score is i % 5 + 1; 11 and 12 are rejected, 13 and 14 edited,
    /// 15 (score 1) rejected too, 16 accepted.
    static let flagged = 0..<10
    static let rejected: [Int64] = [11, 12, 15]
    static let edited: [Int64] = [13, 14]
    /// The rule of the tests: no flags, every score at least 2.
    static let rule = "flag=none&min_score=2"

    /// What the rule keeps, worked out from the fixture alone (not from the filter's code).
    static var expectedIndexes: [Int64] {
        (0..<Int64(rows)).filter { index in
            !flagged.contains(Int(index)) && index % 5 + 1 >= 2 && !rejected.contains(index)
        }
    }

    static func answer(_ row: Any?) -> String? {
        ((row as? [String: Any])?["messages"] as? [[String: Any]])?.last?["content"] as? String
    }

    /// The parent: uploaded, validated, split if asked, with flags and scores stored and reviews and edits made.
    static func parent(_ test: TestApp, split: Bool) throws -> Int64 {
        let id = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(rows)), name: "parent")
        _ = try test.waitUntilValidated(id)
        if split {
            let response = try test.request(
                "PUT", "/api/datasets/\(id)/split", headers: json,
                body: .bytes(Array(#"{"train":0.7,"validation":0.2,"test":0.1,"seed":1234,"threshold":0.9}"#.utf8)))
            #expect(response.status == 200)
        }
        try test.app.services.database.write { connection in
            // Metadata as generation stores it: a category on three rows in four, none on the rest.
            try connection.run(
                #"UPDATE dataset_rows SET meta = CASE WHEN idx % 4 = 0 THEN NULL ELSE '{"category": "topic ' || (idx % 3) || '"}' END WHERE dataset_id = ?"#,
                .integer(id))
            for index in flagged {
                try connection.run(
                    "INSERT INTO row_flags (dataset_id, idx, check_name, detail) VALUES (?, ?, 'refusals', 'I can''t help')",
                    .integer(id), SQLValue(index))
            }
            for index in 0..<rows {
                try connection.run(
                    """
                    INSERT INTO row_scores (dataset_id, idx, dimension, rubric, score, reasoning, model, prompt_version, created_at)
                    VALUES (?, ?, 'correct', 'scale', ?, 'checked the steps', 'judge-model', 'v1', 1)
                    """, .integer(id), SQLValue(index), SQLValue(index % 5 + 1))
            }
        }
        for index in rejected {
            #expect(try test.request("POST", "/api/datasets/\(id)/rows/\(index)/review", headers: json, body: .bytes(Array(#"{"verdict":"rejected"}"#.utf8))).status == 200)
        }
        #expect(try test.request("POST", "/api/datasets/\(id)/rows/16/review", headers: json, body: .bytes(Array(#"{"verdict":"accepted","rating":5}"#.utf8))).status == 200)
        for index in edited {
            let body = #"{"messages":[{"role":"system","content":"You are a concise support agent."},{"role":"user","content":"Edited question \#(index)"},{"role":"assistant","content":"Edited answer \#(index)."}]}"#
            #expect(try test.request("POST", "/api/datasets/\(id)/rows/\(index)/edit", headers: json, body: .bytes(Array(body.utf8))).status == 200)
        }
        return id
    }

    /// Every row of a dataset through the rows API (with `query` appended), in order.
    static func allRows(_ test: TestApp, _ id: Int64, query: String = "") throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        var page = 1
        while true {
            let items = try #require(try test.json("/api/datasets/\(id)/rows?page=\(page)&per_page=100\(query)")["items"] as? [[String: Any]])
            rows += items
            if items.count < 100 { return rows }
            page += 1
        }
    }

    static func create(_ test: TestApp, parent: Int64, body: String) throws -> HTTPClientResponse {
        try test.request("POST", "/api/datasets/\(parent)/curated", headers: json, body: .bytes(Array(body.utf8)))
    }

    @Test func theChildHoldsExactlyTheFilteredRowsWithRejectedOutEditsAppliedAndTheParentsSplit() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try Self.parent(test, split: true)
        let parentRows = try Self.allRows(test, parent)
        #expect(parentRows.count == Self.rows)

        let response = try Self.create(test, parent: parent, body: #"{"name":"curated","flag":"none","min_score":2}"#)
        #expect(response.status == 201)
        let child = try #require(((try TestApp.object(response))["dataset"] as? [String: Any])?["id"] as? Int)
        #expect(response.headers["Location"] == "/api/datasets/\(child)")
        let detail = try test.waitUntilValidated(Int64(child))
        #expect((detail["dataset"] as? [String: Any])?["status"] as? String == "valid_with_warnings")
        #expect((detail["dataset"] as? [String: Any])?["parentID"] as? Int == Int(parent))

        // Exactly the expected rows, in the parent's order, each as the parent had it, except the edited ones.
        let childRows = try Self.allRows(test, Int64(child))
        let expected = Self.expectedIndexes
        #expect(expected.count == 118)
        #expect(childRows.count == expected.count)
        let byIndex = Dictionary(uniqueKeysWithValues: parentRows.map { (($0["index"] as? Int).map(Int64.init) ?? -1, $0) })
        let expectedAnswers = expected.map { index in
            Self.edited.contains(index) ? "Edited answer \(index)." : Self.answer(byIndex[index]?["row"]) ?? "?"
        }
        #expect(childRows.map { Self.answer($0["row"]) ?? "" } == expectedAnswers)
        // Each row keeps its metadata, edited rows too: line L of the child is the L-th expected parent row.
        let childMeta = try test.app.services.database.read { connection in
            try connection.query("SELECT meta FROM dataset_rows WHERE dataset_id = ? ORDER BY idx", .integer(Int64(child))).map { $0.string("meta") }
        }
        #expect(childMeta == expected.map { $0 % 4 == 0 ? nil : #"{"category": "topic \#($0 % 3)"}"# })
        #expect(childMeta[expected.firstIndex(of: 13)!] == #"{"category": "topic 1"}"#)
        #expect(try test.json("/api/datasets/\(child)/rows?category=topic%202")["total"] as? Int == expected.filter { $0 % 4 != 0 && $0 % 3 == 2 }.count)

        // The same rows as the rows API with the same filter, once its rejected rows are taken out.
        let filtered = try Self.allRows(test, parent, query: "&" + Self.rule)
        let notRejected = filtered.filter { ($0["review"] as? [String: Any])?["verdict"] as? String != "rejected" }
        #expect(notRejected.compactMap { ($0["index"] as? Int).map(Int64.init) } == expected)

        // Split by the parent's distribution, seed and threshold.
        let parentSplit = try #require(try test.app.services.datasets.split(datasetID: parent))
        let childSplit = try #require(try test.app.services.datasets.split(datasetID: Int64(child)))
        #expect(childSplit.distribution == parentSplit.distribution)
        #expect(childSplit.seed == 1234 && childSplit.seed == parentSplit.seed)
        #expect(childSplit.threshold == parentSplit.threshold)
        #expect(childSplit.counts.total == expected.count)
        #expect(childRows.allSatisfy { $0["split"] is String })

        // The rule is the child's provenance, shown on its page.
        let provenance = try #require(detail["provenance"] as? [String: Any])
        #expect(provenance["parentID"] as? Int == Int(parent))
        #expect((provenance["rule"] as? [[String: String]])?.map { "\($0["name"] ?? "")=\($0["value"] ?? "")" } == ["flag=none", "min_score=2"])
        #expect(provenance["summary"] as? String == "no flags · score ≥ 2 · rejected rows out · edits applied")
        #expect(provenance["rowsSelected"] as? Int == 118)
        #expect(provenance["rejectedLeftOut"] as? Int == 2)
        #expect(provenance["editsApplied"] as? Int == 2)
        #expect((provenance["split"] as? [String: Any])?["seed"] as? Int == 1234)
        let page = try test.get("/datasets/\(child)").text
        #expect(page.contains("Curated from <a href=\"/datasets/\(parent)\">Dataset #\(parent)</a>"))
        #expect(page.contains("118 rows selected · 2 rejected rows left out · 2 edits applied · split 70/20/10, seed 1234"))

        // The parent's rows are untouched.
        #expect(try Self.allRows(test, parent).map { Self.answer($0["row"]) ?? "" } == parentRows.map { Self.answer($0["row"]) ?? "" })
    }

    @Test func anUnsplitParentGivesAnUnsplitChildAndAnEmptyRuleTakesEveryRowButTheRejected() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try Self.parent(test, split: false)
        let response = try Self.create(test, parent: parent, body: #"{"name":"all but rejected"}"#)
        #expect(response.status == 201)
        let child = try #require(((try TestApp.object(response))["dataset"] as? [String: Any])?["id"] as? Int)
        _ = try test.waitUntilValidated(Int64(child))
        #expect(try test.app.services.datasets.split(datasetID: Int64(child)) == nil)
        let rows = try Self.allRows(test, Int64(child))
        #expect(rows.count == Self.rows - Self.rejected.count)
        #expect(rows.allSatisfy { $0["split"] is NSNull })
    }

    @Test func theCuratePageSaysTheRuleAndCountAndItsFormNeedsTheCSRFToken() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try Self.parent(test, split: true)
        let plan = try test.json("/api/datasets/\(parent)/curate?\(Self.rule)")
        #expect(plan["rowsSelected"] as? Int == 118)
        #expect(plan["rejectedLeftOut"] as? Int == 2)
        #expect(plan["editsApplied"] as? Int == 2)
        #expect(plan["splitText"] as? String == "70/20/10, seed 1234")

        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.get("/datasets/\(parent)/curate?\(Self.rule)")
        #expect(page.status == 200)
        #expect(page.text.contains("<strong>no flags · score ≥ 2 · rejected rows out · edits applied</strong>"))
        #expect(page.text.contains("118 rows selected"))
        #expect(page.text.contains("<input type=\"hidden\" name=\"flag\" value=\"none\">"))

        let forged = try browser.send(
            "POST", "/datasets/\(parent)/curated", headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: .bytes(Array("name=forged&flag=none".utf8)))
        #expect(forged.status == 403)
        let blank = try browser.submit(
            "/datasets/\(parent)/curated", fields: [("flag", "none"), ("min_score", "2"), ("name", " ")], csrfFrom: "/datasets/\(parent)/curate")
        #expect(blank.status == 422)
        #expect(blank.text.contains("Give the dataset a name."))
        let created = try browser.submit(
            "/datasets/\(parent)/curated", fields: [("flag", "none"), ("min_score", "2"), ("name", "from the form")],
            csrfFrom: "/datasets/\(parent)/curate")
        #expect(created.status == 303)
        let child = try created.locationID(after: "/datasets/")
        _ = try test.waitUntilValidated(child)
        #expect(try Self.allRows(test, child).count == 118)
    }

    @Test func badRequestsNameTheirProblem() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try Self.parent(test, split: false)
        let badScore = try Self.create(test, parent: parent, body: #"{"name":"x","min_score":9}"#)
        #expect(badScore.status == 400)
        #expect(badScore.text.contains("min_score must be a whole number from 1 to 5"))
        let unknown = try Self.create(test, parent: parent, body: #"{"name":"x","score":4}"#)
        #expect(unknown.status == 422)
        #expect(unknown.text.contains("score is not a known field"))
        let noName = try Self.create(test, parent: parent, body: #"{"flag":"none"}"#)
        #expect(noName.status == 422)
        let nothing = try Self.create(test, parent: parent, body: #"{"name":"x","review":"edited","flag":"refusals"}"#)
        #expect(nothing.status == 422)
        #expect(nothing.text.contains("selects no row"))
        #expect(try Self.create(test, parent: 999, body: #"{"name":"x"}"#).status == 404)
        let seeds = try test.uploadRaw(Fixtures.jsonl(Fixtures.seedLines(5)), name: "seeds", mode: "seeds", skillPrompt: "Be brief.")
        _ = try test.waitUntilValidated(seeds)
        let refused = try Self.create(test, parent: seeds, body: #"{"name":"x"}"#)
        #expect(refused.status == 409)
        #expect(refused.text.contains("holds seeds"))
        #expect(try test.get("/datasets/\(seeds)/curate").status == 409)
        let datasets = try #require(try test.json("/api/datasets")["datasets"] as? [Any])
        #expect(datasets.count == 2)
    }
}
