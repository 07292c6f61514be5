import DistilleryServer
import DistilleryStorage
import Foundation
import Testing

/// `GET /api/datasets/{id}/calibration` and its page through the real server: judge scores and reviews are fixture
/// rows inserted with SQL into the real database (the scoring job and the review API fill them in the product).
@Suite(.serialized)
struct DatasetCalibrationTests {
    static func chatLines(_ count: Int) -> [String] {
        (0..<count).map { index in
            let object = ["messages": [["role": "system", "content": "You answer questions."], ["role": "user", "content": "Question \(index)?"], ["role": "assistant", "content": "Answer \(index)."]]]
            return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    // The tables of AgreementTests, whose expected figures SciPy 1.17.1 computed.
    static let judge = [5, 4, 4, 3, 5, 2, 1, 3, 4, 5, 2, 3, 4, 4, 5, 1, 2, 3, 5, 4]
    static let ratings = [4, 4, 5, 3, 5, 2, 2, 3, 3, 5, 1, 3, 4, 5, 4, 1, 3, 2, 5, 4]
    static let judgePass = [1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1]
    static let accepted = [1, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1]

    @Test func agreementIsReportedPerDimensionFromTwentyReviewedRows() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Self.chatLines(25)), name: "golden")
        _ = try test.waitUntilValidated(id)
        let database = test.app.services.database
        try database.write { connection in
            let indexes = try connection.query("SELECT idx FROM dataset_rows WHERE dataset_id = ? ORDER BY idx", .integer(id))
                .compactMap { $0.int64("idx") }
            #expect(indexes.count == 25)
            func score(_ index: Int, _ dimension: String, _ rubric: String, _ value: Int) throws {
                try connection.run(
                    """
                    INSERT INTO row_scores (dataset_id, idx, dimension, rubric, score, reasoning, model, prompt_version, created_at)
                    VALUES (?, ?, ?, ?, ?, 'because', 'fake-judge', 'v1', 0)
                    """, .integer(id), .integer(indexes[index]), .text(dimension), .text(rubric), .integer(Int64(value)))
            }
            for index in 0..<25 {
                // Rows 20–24 are scored too; 20 is reviewed without a rating, 21–24 not at all: none of them counts for a scale.
                try score(index, "correct", "scale", index < 20 ? Self.judge[index] : 1 + index % 5)
                try score(index, "safe", "pass_fail", index < 20 ? Self.judgePass[index] : 1)
                // answers_request is scored on rows 15–24 only: 5 of them carry a rating.
                if index >= 15 { try score(index, "answers_request", "scale", 1 + index % 5) }
            }
            for index in 0..<21 {
                let verdict = index < 20 ? (Self.accepted[index] == 1 ? "accepted" : "rejected") : "accepted"
                let rating: SQLValue = index < 20 ? .integer(Int64(Self.ratings[index])) : .null
                try connection.run(
                    "INSERT INTO row_reviews (dataset_id, idx, verdict, rating, reviewed_at) VALUES (?, ?, ?, ?, 0)",
                    .integer(id), .integer(indexes[index]), .text(verdict), rating)
            }
        }
        let calibration = try test.json("/api/datasets/\(id)/calibration")
        #expect(calibration["minimumRows"] as? Int == 20)
        let dimensions = try #require(calibration["dimensions"] as? [[String: Any]])
        #expect(dimensions.map { $0["dimension"] as? String } == ["answers_request", "correct", "safe"])
        let byName = Dictionary(uniqueKeysWithValues: dimensions.map { ($0["dimension"] as? String ?? "", $0) })

        let correct = try #require(byName["correct"])
        #expect(correct["n"] as? Int == 20)
        #expect(abs((correct["spearman"] as? Double ?? 0) - 0.8629719889674246) < 1e-12)
        #expect(abs((correct["kendallTauB"] as? Double ?? 0) - 0.7717081694263093) < 1e-12)
        #expect(correct["accuracy"] == nil && correct["moreNeeded"] as? Int == 0)
        #expect((correct["rule"] as? String ?? "").contains("reviewer's own 1–5 rating"))

        let safe = try #require(byName["safe"])
        #expect(safe["n"] as? Int == 21, "every reviewed row counts for pass/fail (row 20: accepted, judged pass)")
        // 17 of the 20 table rows match, and row 20 matches: 18 / 21.
        #expect(safe["accuracy"] as? Double == 18.0 / 21.0)
        #expect(safe["spearman"] == nil)
        #expect((safe["rule"] as? String ?? "").contains("accepted counts as pass, rejected as fail"))

        let answers = try #require(byName["answers_request"])
        #expect(answers["n"] as? Int == 5)
        #expect(answers["moreNeededText"] as? String == "15 more reviewed rows needed (with the reviewer's rating)")
        #expect(answers["spearman"] == nil && answers["kendallTauB"] == nil)

        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.get("/datasets/\(id)/calibration").text
        #expect(page.contains("<strong>ρ 0.86 · τ-b 0.77</strong>"))
        #expect(page.contains("<strong>accuracy 85.7%</strong>"))
        #expect(page.contains("15 more reviewed rows needed (with the reviewer&#39;s rating)") || page.contains("15 more reviewed rows needed (with the reviewer&#x27;s rating)"))
        // The Quality tab reports the same agreement under its data checks.
        let quality = try browser.get("/datasets/\(id)/quality").text
        #expect(quality.contains("<h2>Judge vs reviewers</h2>"))
        #expect(quality.contains("<strong>ρ 0.86 · τ-b 0.77</strong>"))
        #expect(quality.contains("<strong>accuracy 85.7%</strong>"))
    }

    @Test func aDatasetWithoutScoresSaysSoAndAnUnknownOneIs404() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Self.chatLines(3)), name: "unscored")
        _ = try test.waitUntilValidated(id)
        let calibration = try test.json("/api/datasets/\(id)/calibration")
        #expect((calibration["dimensions"] as? [Any])?.isEmpty == true)
        let browser = BrowserSession(test)
        try browser.signIn()
        #expect(try browser.get("/datasets/\(id)/calibration").text.contains("No judge scores yet"))
        #expect(try test.get("/api/datasets/987654/calibration").status == 404)
    }
}
