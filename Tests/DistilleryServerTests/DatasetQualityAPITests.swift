import DistilleryServer
import Foundation
import Testing

/// `GET /api/datasets/{id}/quality` and its page `GET /datasets/{id}/quality` through the real server, on an uploaded chat dataset.
@Suite(.serialized)
struct DatasetQualityAPITests {
    static let echoedQuestion = "How do I export my data from the settings page?"

    /// Sentences that make the ordinary answers' lengths vary (as real answers do), each row taking a few.
    static let extraSentences = [
        "Then confirm the download.", "Wait for the email with the link.", "Open it on the same device.",
        "Keep the file somewhere safe.", "Large accounts take a few minutes longer.",
    ]

    static let longAnswer = "Open Settings, choose Export, pick JSON or CSV, confirm with your password, wait for the email that "
        + "carries the download link, and open that link on the same device within one day."

    /// 20 ordinary rows, with a refusal on line 3, a Chinese refusal on line 8, an echo on line 12 and, on line 19, a
    /// near duplicate of line 17's answer.
    static func lines() -> [String] {
        (0..<20).map { index in
            let (user, answer): (String, String) = switch index {
            case 2: ("Question \(index): how do I export my data?", "I'm sorry, but I can't help with that request.")
            case 7: ("第\(index)个问题：怎么导出我的数据？", "抱歉，我无法回答这个问题，因为它涉及我无法访问的账户数据和系统设置，请联系管理员。")
            case 11: (echoedQuestion, "You asked: \(echoedQuestion) Open Settings.")
            case 16: ("Question \(index): how do I export my data?", longAnswer)
            case 18: ("Question \(index): how do I export my data?", longAnswer + " Done.")
            default:
                // The row's number after every sentence keeps the ordinary answers far apart (word-shingle Jaccard < 0.5).
                ("Question \(index): how do I export my data?",
                 (["Open Settings, choose Export, and pick a format (\(index))."] + extraSentences.prefix(index % 6).map { "\($0) (\(index))" })
                    .joined(separator: " "))
            }
            let object = ["messages": [["role": "system", "content": "You are a support agent."], ["role": "user", "content": user], ["role": "assistant", "content": answer]]]
            return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    @Test func checksListEachFlaggedRowWithItsLineAndTheVerdictCountsThem() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Self.lines()), name: "quality")
        _ = try test.waitUntilValidated(id)

        // 20 rows are too few to pass validation, so no run is stored by itself: one is asked for (a GET only reads).
        #expect(try test.request("POST", "/api/datasets/\(id)/quality").status == 201)
        let quality = try test.json("/api/datasets/\(id)/quality")
        #expect(quality["verdict"] as? String == "1 near-duplicate answer, 2 refusals, 1 echo")
        #expect(quality["rows"] as? Int == 20)
        let checks = try #require(quality["checks"] as? [[String: Any]])
        #expect(checks.compactMap { $0["check"] as? String }
            == ["leakage", "duplicatePrompts", "duplicateAnswers", "refusals", "repetition", "echoes", "truncated", "languageMismatch", "lengthOutliers"])
        #expect(checks.allSatisfy { ($0["description"] as? String)?.isEmpty == false })
        func flagged(_ name: String) -> [[String: Any]] {
            checks.first { $0["check"] as? String == name }?["flagged"] as? [[String: Any]] ?? []
        }
        #expect(flagged("refusals").compactMap { $0["line"] as? Int } == [3, 8])
        #expect(flagged("refusals").compactMap { $0["detail"] as? String } == ["\"I'm sorry, but\"", "\"抱歉，我\""])
        #expect(flagged("echoes").compactMap { $0["line"] as? Int } == [12])
        #expect(flagged("duplicateAnswers").compactMap { $0["line"] as? Int } == [19])
        #expect(flagged("duplicateAnswers").compactMap { $0["detail"] as? String } == ["duplicate of line 17"])

        // The link of a flagged row opens that row in the rows API.
        let link = try #require(flagged("echoes").first?["row"] as? String)
        let row = try #require((try test.json(link)["items"] as? [[String: Any]])?.first)
        #expect(row["line"] as? Int == 12)

        // The page shows the same report, linked from the dataset's page.
        let page = try test.get("/datasets/\(id)/quality")
        #expect(page.status == 200)
        #expect(page.text.contains("<strong>1 near-duplicate answer, 2 refusals, 1 echo</strong>"))
        #expect(page.text.contains("<a href=\"/datasets/\(id)/rows/2\">Line 3</a>"))
        #expect(page.text.contains("<a class=\"muted\" href=\"/datasets/\(id)/rows?flag=refusals\">(2)</a>"))
        #expect(page.text.contains("Line 12</a>: the answer contains the whole prompt"))
        #expect(try test.get("/datasets/\(id)").text.contains("href=\"/datasets/\(id)/quality\""))
    }

    @Test func aGetBeforeAnyRunStoresNothingAndSaysHowToRunOne() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Self.lines()), name: "unchecked")
        _ = try test.waitUntilValidated(id)
        let other = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(3)), name: "evaluation set")
        _ = try test.waitUntilValidated(other)
        let stored = {
            try test.app.services.database.read { connection in
                try ["quality_runs", "row_flags"].map { try connection.scalar("SELECT COUNT(*) FROM \($0) WHERE dataset_id = ?", .integer(id))?.intValue }
            }
        }

        let none = try test.get("/api/datasets/\(id)/quality")
        #expect(none.status == 200)
        let body = try TestApp.object(none)
        #expect(body["run"] is NSNull)
        #expect(body["datasetID"] as? Int == Int(id))
        #expect(body["datasetName"] as? String == "unchecked")
        #expect((body["message"] as? String)?.contains("POST /api/datasets/\(id)/quality runs one") == true)
        #expect(body["verdict"] == nil && body["checks"] == nil)
        let page = try test.get("/datasets/\(id)/quality")
        #expect(page.status == 200)
        #expect(page.text.contains("<strong>No data checks yet</strong>"))
        #expect(page.text.contains("<button class=\"button primary\" type=\"submit\">Run the checks</button>"))
        #expect(!page.text.contains("id=\"quality-verdict\""))
        #expect(try stored() == [0, 0])

        // Stored on request, the run is what GET serves; a comparison not run yet is again only said, not run.
        #expect(try test.request("POST", "/api/datasets/\(id)/quality").status == 201)
        #expect(try stored() == [1, 4])
        #expect(try test.json("/api/datasets/\(id)/quality")["run"] is [String: Any])
        let compared = try test.json("/api/datasets/\(id)/quality?against=\(other)")
        #expect(compared["run"] is NSNull)
        #expect((compared["compared"] as? [String: Any])?["id"] as? Int == Int(other))
        #expect((compared["message"] as? String)?.contains("POST /api/datasets/\(id)/quality?against=\(other) runs one") == true)
        let comparedPage = try test.get("/datasets/\(id)/quality?against=\(other)").text
        #expect(comparedPage.contains("<strong>No data checks yet compared with #\(other) evaluation set</strong>"))
        #expect(comparedPage.contains("<input type=\"hidden\" name=\"against\" value=\"\(other)\">"))
        #expect(try stored() == [1, 4])
    }

    @Test func unknownDatasetsAre404AndSeedsDatasetsAreRefusedWithAReason() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        #expect(try test.get("/api/datasets/999/quality").status == 404)
        let seeds = try test.uploadRaw(Fixtures.jsonl(Fixtures.seedLines(5)), name: "seeds", mode: "seeds", skillPrompt: "Be brief.")
        _ = try test.waitUntilValidated(seeds)
        let refused = try test.get("/api/datasets/\(seeds)/quality")
        #expect(refused.status == 409)
        #expect(refused.text.contains("holds seeds"))
        #expect(try test.get("/datasets/\(seeds)/quality").status == 409)
        #expect(try test.get("/datasets/\(seeds)").text.contains("/quality") == false)
    }
}
