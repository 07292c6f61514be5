import DistilleryCore
import DistilleryStorage
import Foundation
import Testing

/// The rows API's filters and the explorer page `GET /datasets/{id}/rows`, through the real server, on an uploaded chat
/// dataset whose flags, scores and reviews are inserted by SQL as the quality work stores them.
@Suite(.serialized)
struct RowExplorerTests {
    static let systemPrompt = "You are a concise support agent."

    /// (user, answer) per row; every row opens with the same system prompt but the last, which has its own.
    static let turns: [(String, String)] = [
        ("How do I get a refund?", "Open Billing and choose Refund."),
        ("我想退款，怎么办？", "请在账单页面申请退款。"),
        ("Tell me a joke", "I'm sorry, I can't help with that."),
        ("Tell me a joke!", "Why did the chicken cross the road? To get to the other side."),
        ("What does <script>alert(1)</script> do?", "It runs a script; the page must escape it."),
        ("Say yo", "yo"),
    ]

    static func lines() -> [String] {
        turns.enumerated().map { index, turn in
            let system = index == turns.count - 1 ? "You are a pirate." : systemPrompt
            let object = ["messages": [["role": "system", "content": system], ["role": "user", "content": turn.0], ["role": "assistant", "content": turn.1]]]
            return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    func upload(_ test: TestApp) throws -> Int64 {
        let id = try test.uploadRaw(Fixtures.jsonl(Self.lines()), name: "explored")
        _ = try test.waitUntilValidated(id)
        try test.app.services.database.write { connection in
            try connection.run("INSERT INTO users (id, name, password_hash, role, created_at, password_changed_at) VALUES (70, 'rita', 'x', 'member', 1, 1)")
            for (index, check) in [(2, "refusals"), (3, "duplicatePrompts")] {
                try connection.run(
                    "INSERT INTO row_flags (dataset_id, idx, check_name, detail) VALUES (?, ?, ?, 'flagged in the test')",
                    .integer(id), SQLValue(index), .text(check))
            }
            for (index, dimension, rubric, score) in [(0, "answers_request", "scale", 5), (0, "safe", "pass_fail", 1), (1, "answers_request", "scale", 3)] {
                try connection.run(
                    """
                    INSERT INTO row_scores (dataset_id, idx, dimension, rubric, score, reasoning, model, prompt_version, created_at)
                    VALUES (?, ?, ?, ?, ?, 'why', 'judge', 'v1', 1)
                    """, .integer(id), SQLValue(index), .text(dimension), .text(rubric), SQLValue(score))
            }
            try connection.run(
                "INSERT INTO row_reviews (dataset_id, idx, verdict, rating, reviewed_by, reviewed_at) VALUES (?, 0, 'accepted', 4, 70, 1700000000000)",
                .integer(id))
        }
        return id
    }

    func indices(_ test: TestApp, _ id: Int64, _ query: String) throws -> (items: [Int], total: Int?) {
        let body = try test.json("/api/datasets/\(id)/rows?\(query)")
        let items = try #require(body["items"] as? [[String: Any]])
        return (items.compactMap { $0["index"] as? Int }, body["total"] as? Int)
    }

    @Test func theRowsAPIFiltersSearchesAndCountsTheMatchingRows() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try upload(test)

        #expect(try indices(test, id, "") == ([0, 1, 2, 3, 4, 5], 6))
        #expect(try indices(test, id, "q=refund") == ([0], 1))
        #expect(try indices(test, id, "q=\(FormDecoding.percentEncode("退款"))") == ([1], 1))
        #expect(try indices(test, id, "q=\(FormDecoding.percentEncode("\"a joke!\""))") == ([3], 1))
        #expect(try indices(test, id, "q=\(FormDecoding.percentEncode("NEAR(joke \" OR *"))") == ([], 0))
        #expect(try indices(test, id, "q=joke&per_page=1&page=2") == ([3], 2))
        #expect(try indices(test, id, "flag=any") == ([2, 3], 2))
        #expect(try indices(test, id, "flag=none&min_score=4") == ([0], 1))
        #expect(try indices(test, id, "representatives=1&q=joke") == ([2], 1))
        #expect(try indices(test, id, "review=accepted") == ([0], 1))
        #expect(try indices(test, id, "review=unreviewed&max_length=11") == ([1, 5], 2))
        #expect(try indices(test, id, "split=train") == ([], 0))

        let rows = try #require(try test.json("/api/datasets/\(id)/rows?per_page=3")["items"] as? [[String: Any]])
        let first = rows[0]
        #expect((first["row"] as? [String: Any])?["messages"] != nil)
        #expect((first["scores"] as? [[String: Any]])?.map { "\($0["dimension"]!) \($0["score"]!) \($0["rubric"]!)" }
            == ["answers_request 5 scale", "safe 1 pass_fail"])
        let review = try #require(first["review"] as? [String: Any])
        #expect(review["verdict"] as? String == "accepted")
        #expect(review["rating"] as? Int == 4)
        #expect(review["edited"] as? Bool == false)
        #expect(review["reviewedBy"] as? String == "rita")
        #expect(review["reviewedAt"] as? Int == 1_700_000_000_000)
        #expect(rows[1]["review"] is NSNull)
        #expect((rows[2]["flags"] as? [[String: Any]])?.map { "\($0["check"]!): \($0["detail"]!)" } == ["refusals: flagged in the test"])
        #expect((rows[1]["flags"] as? [Any])?.isEmpty == true)
    }

    @Test(arguments: [
        ("min_score=9", "min_score must be a whole number from 1 to 5"),
        ("flag=spam", "flag must be any, none or a check"),
        ("split=dev", "split must be train, validation or test"),
        ("review=maybe", "review must be one of accepted, rejected, edited, unreviewed"),
        ("min_length=30&max_length=3", "max_length must be at least min_length (30)"),
        ("representatives=yes", "representatives must be 1 or 0"),
        ("q=\(String(repeating: "x", count: 201))", "q must be at most 200 characters"),
    ])
    func aBadFilterIsA400NamingTheParameterOnTheAPIAndThePage(query: String, message: String) throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Self.lines()), name: "bad filters")
        _ = try test.waitUntilValidated(id)
        for path in ["/api/datasets/\(id)/rows?\(query)", "/datasets/\(id)/rows?\(query)"] {
            let response = try test.get(path)
            #expect(response.status == 400, "\(path)")
            #expect(response.text.contains(message), "\(path): \(response.text.prefix(300))")
        }
    }

    @Test func theExplorerShowsEachRowAsAConversationWithItsQualityAndLinksItsRowPage() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try upload(test)

        let page = try test.get("/datasets/\(id)/rows")
        #expect(page.status == 200)
        let html = page.text
        #expect(html.contains("<strong>6 rows</strong>"))
        #expect(html.contains("<a href=\"/datasets/\(id)/rows\" aria-current=\"page\">Rows</a>"))
        // The usual system prompt is folded away on the five rows that repeat it; the pirate's own one is shown.
        #expect(html.components(separatedBy: "<details class=\"system-prompt\">").count - 1 == 5)
        #expect(html.contains("<div class=\"message system\"><span class=\"role\">system</span><div class=\"content\">You are a pirate.</div>"))
        #expect(html.contains("<div class=\"message user\"><span class=\"role\">user</span><div class=\"content\">我想退款，怎么办？</div>"))
        #expect(html.contains("What does &lt;script&gt;alert(1)&lt;/script&gt; do?"))
        #expect(!html.contains("<script>alert(1)</script>"))
        for index in 0..<6 { #expect(html.contains("data-row-url=\"/datasets/\(id)/rows/\(index)\"")) }
        #expect(html.contains("<a href=\"/datasets/\(id)/rows/0\">Row 1</a> <span class=\"muted\">line 1</span>"))
        #expect(html.contains("<span class=\"status ok\">accepted · 4/5 · by rita</span>"))
        #expect(html.contains("<span class=\"status ok\">Answers the request: 5/5</span>"))
        #expect(html.contains("<span class=\"status ok\">Safe: pass</span>"))
        #expect(html.contains("<span class=\"status warn\">Answers the request: 3/5</span>"))
        #expect(html.contains("<li><span class=\"status warn\">Refusals</span> flagged in the test</li>"))
        #expect(html.contains("<script src=\"/static/explorer.js\" defer></script>"))
        #expect(try test.get("/static/explorer.js").status == 200)

        // A row's split and category show; the form's own (empty) category never leaks into a row without one.
        try test.app.services.database.write { connection in
            try connection.run("UPDATE dataset_rows SET split = 'train', meta = '{\"category\":\"billing\"}' WHERE dataset_id = ? AND idx = 1", .integer(id))
        }
        let categorized = try test.get("/datasets/\(id)/rows?category=billing").text
        // The row's link carries the filter, so its page moves within it (j / k).
        #expect(categorized.contains("<a href=\"/datasets/\(id)/rows/1?category=billing\">Row 2</a> <span class=\"muted\">line 2 · train · billing</span>"))
        #expect(categorized.contains("<input type=\"text\" name=\"category\" value=\"billing\""))

        let filtered = try test.get("/datasets/\(id)/rows?q=joke&flag=any&per_page=1").text
        #expect(filtered.contains("<strong>2 of 6 rows match: matching “joke” · flagged</strong>"))
        #expect(filtered.contains("<input type=\"search\" name=\"q\" value=\"joke\""))
        #expect(filtered.contains("<option value=\"any\" selected>Some flag</option>"))
        #expect(filtered.contains("href=\"/datasets/\(id)/rows?q=joke&amp;flag=any&amp;page=2&amp;per_page=1\">Next</a>"))
        #expect(filtered.contains("href=\"/api/datasets/\(id)/rows?q=joke&amp;flag=any&amp;page=1&amp;per_page=1\""))
        #expect(filtered.contains("Tell me a joke") && !filtered.contains("Open Billing"))

        let none = try test.get("/datasets/\(id)/rows?q=zebra").text
        #expect(none.contains("No row matches"))
    }

    @Test func aSearchBeforeTheIndexExistsAnswersAsTheIndexDoesWhichIsBuiltWithoutASearch() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let queries = ["q=refund", "q=joke", "q=\(FormDecoding.percentEncode("退款"))", "q=script&flag=none", "q=joke&per_page=1&page=2"]
        let expected: [(items: [Int], total: Int?)] = [([0], 1), ([2, 3], 2), ([1], 1), ([4], 1), ([3], 2)]
        let id: Int64
        do {
            let test = try TestApp(directory: directory) { $0.indexesRowsForSearch = false }
            defer { test.stop() }
            id = try upload(test)
            let scanned = try queries.map { try indices(test, id, $0) }
            #expect(scanned.map(\.items) == expected.map(\.items) && scanned.map(\.total) == expected.map(\.total))
            #expect(try test.json("/api/datasets/\(id)/rows?q=refund")["searchIndex"] as? String == "building")
            #expect(try test.get("/datasets/\(id)/rows?q=refund").text.contains("<p class=\"muted\" id=\"search-index-note\">The search index of these rows is still being built."))
            #expect(try test.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM row_search_datasets")?.intValue } == 0)
        }

        // At the next start the indexer finds the dataset unindexed and indexes it; nothing searches meanwhile.
        let test = try TestApp(directory: directory)
        defer { test.stop() }
        #expect(try JobsPageTests.eventually(seconds: 30) { try test.app.services.datasets.isSearchIndexed(datasetID: id) })
        let entries = try test.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM row_search")?.intValue }
        #expect(entries == 6)
        #expect(try test.json("/api/datasets/\(id)/rows")["searchIndex"] as? String == "ready")
        #expect(try !test.get("/datasets/\(id)/rows?q=refund").text.contains("search-index-note"))
        let indexed = try queries.map { try indices(test, id, $0) }
        #expect(indexed.map(\.items) == expected.map(\.items) && indexed.map(\.total) == expected.map(\.total))
    }

    @Test func anUploadedDatasetIsIndexedForSearchWithoutASearch() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(600)), name: "indexed")
        _ = try test.waitUntilValidated(id)
        #expect(try JobsPageTests.eventually(seconds: 30) { try test.app.services.datasets.isSearchIndexed(datasetID: id) })
        let entries = try test.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM row_search")?.intValue }
        #expect(entries == 600)
        #expect(try test.json("/api/datasets/\(id)/rows?q=\(FormDecoding.percentEncode("\"number 599:\""))")["total"] as? Int == 1)
    }

    @Test func theDatasetPageListsPromptsAndLinksTheExplorerInsteadOfPrintingRows() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Self.lines()), name: "detail")
        _ = try test.waitUntilValidated(id)
        let html = try test.get("/datasets/\(id)").text
        #expect(html.contains("<a class=\"button\" href=\"/datasets/\(id)/rows\">Explore the rows</a>"))
        #expect(html.contains("<span class=\"muted\">Line 2</span> 我想退款，怎么办？</li>"))
        #expect(!html.contains("class=\"conversation\""))
        #expect(!html.contains("Open Billing and choose Refund."))
    }
}
