import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Testing

/// `PUT /api/datasets/{id}/split` and the rows API's `?split=` through the real server.
@Suite(.serialized)
struct DatasetSplitAPITests {
    /// Rows 0–5 ask the same 40-word question, each with one word changed (near duplicates, Jaccard 35/41).
    static func lines() -> [String] {
        Fixtures.chatLines(150) { index in
            guard index < 6 else { return "Question q number \(index): how do I export my data?" }
            return (0..<40).map { $0 == 20 ? "variant\(index)" : "word\($0)" }.joined(separator: " ")
        }
    }

    func put(_ test: TestApp, _ id: Int64, _ body: String) throws -> HTTPClientResponse {
        try test.request(
            "PUT", "/api/datasets/\(id)/split", headers: [("Content-Type", "application/json")], body: .bytes(Array(body.utf8)))
    }

    @Test func splitKeepsNearDuplicatesTogetherAndRowsCarryTheirSplit() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Self.lines()), name: "split me")
        _ = try test.waitUntilValidated(id)

        let response = try put(test, id, #"{"train":0.8,"validation":0.1,"test":0.1,"seed":42}"#)
        #expect(response.status == 200)
        let split = try TestApp.object(response)
        #expect(split["quotas"] as? [String: Int] == ["train": 120, "validation": 15, "test": 15])
        let counts = try #require(split["counts"] as? [String: Int])
        #expect(counts.values.reduce(0, +) == 150)
        let leakage = try #require(split["leakage"] as? [String: Int])
        #expect(leakage == ["crossSplitPairs": 0, "groupsKeptTogether": 1, "rowsInGroups": 6])

        var seen: [String: Int] = [:]
        for name in ["train", "validation", "test"] {
            let page = try test.json("/api/datasets/\(id)/rows?split=\(name)&per_page=500")
            let items = try #require(page["items"] as? [[String: Any]])
            #expect(items.allSatisfy { $0["split"] as? String == name })
            #expect(items.count == counts[name])
            #expect(page["total"] as? Int == counts[name])
            seen[name] = items.count
        }
        #expect(seen == counts)
        let firstRows = try #require(try test.json("/api/datasets/\(id)/rows?per_page=6")["items"] as? [[String: Any]])
        #expect(Set(firstRows.compactMap { $0["split"] as? String }).count == 1)

        let again = try TestApp.object(try put(test, id, #"{"train":0.8,"validation":0.1,"test":0.1,"seed":42}"#))
        #expect(again["counts"] as? [String: Int] == counts)
        #expect(again["movedRows"] as? Int == 0)
        #expect(try test.get("/api/datasets/\(id)/rows?split=holdout").status == 400)
    }

    @Test(arguments: [
        (#"{"train":1.2,"validation":0.1,"test":0.1}"#, ["train", "seed"]),
        (#"{"train":0.8,"validation":0.1,"test":0.2,"seed":1}"#, ["fractions"]),
        (#"{"train":0.8,"validation":0.2,"test":0,"seed":-3,"threshold":2,"holdout":1}"#, ["seed", "threshold", "holdout"]),
        (#"{"train":"0.8","validation":0.2,"test":0,"seed":1}"#, ["train"]),
    ])
    func badSettingsAre422NamingEachField(body: String, fields: [String]) throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(3)), name: "small")
        _ = try test.waitUntilValidated(id)
        let response = try put(test, id, body)
        #expect(response.status == 422)
        let named = (try TestApp.object(response)["error"] as? [String: Any])?["fields"] as? [String: String]
        #expect(Set(named?.keys.map { $0 } ?? []) == Set(fields))
        #expect(try put(test, id, "{not json").status == 400)
    }

    @Test func detailPageSplitsByFormAndShowsCountsTokensAndTheLeakageCheck() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Self.lines()), name: "split on the page")
        _ = try test.waitUntilValidated(id)
        let browser = BrowserSession(test)
        try browser.signIn()
        #expect(try browser.get("/datasets/\(id)").text.contains("Not split yet"))

        let done = try browser.submit(
            "/datasets/\(id)/split", fields: [("preset", "80/10/10"), ("seed", "42")], csrfFrom: "/datasets/\(id)")
        #expect(done.status == 303)
        #expect(done.headers["Location"] == "/datasets/\(id)#splits")
        let page = try browser.get("/datasets/\(id)").text
        #expect(page.contains("<strong>Leakage check:</strong> 0 cross-split near-duplicate pairs; 1 group of duplicates (6 rows) kept together"))
        #expect(page.contains("<td>train</td><td class=\"num\">120</td><td class=\"num\">120</td>"))
        #expect(page.contains("<td>validation</td><td class=\"num\">15</td><td class=\"num\">15</td>"))
        #expect(page.contains("<option value=\"80/10/10\" selected>"))

        let twin = try #require(try test.json("/api/datasets/\(id)")["splits"] as? [String: Any])
        #expect(twin["crossSplitPairs"] as? Int == 0)
        let parts = try #require(twin["parts"] as? [[String: Any]])
        #expect(parts.map { $0["rows"] as? Int } == [120, 15, 15])
        let trainRows = try #require(try test.json("/api/datasets/\(id)/rows?split=train&per_page=500")["items"] as? [[String: Any]])
        #expect(parts.first?["tokens"] as? Int == trainRows.reduce(0) { $0 + ($1["estimatedTokens"] as? Int ?? 0) })
        // Each split's length histogram, over the same buckets, counting that split's rows.
        let bars = parts.map { (($0["histogram"] as? [String: Any])?["bars"] as? [[String: Any]]) ?? [] }
        #expect(bars.map { $0.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } } == [120, 15, 15])
        #expect(Set(bars.map { $0.compactMap { $0["label"] as? String } }).count == 1)
        for name in ["train", "validation", "test"] {
            #expect(page.contains("<figure class=\"split-histogram\" id=\"split-histogram-\(name)\">"), "\(name)")
            #expect(page.contains("aria-label=\"Histogram of estimated tokens per example in \(name)\""), "\(name)")
        }

        let refused = try browser.submit(
            "/datasets/\(id)/split",
            fields: [("preset", "custom"), ("train", "0.9"), ("validation", "0.2"), ("test", "0"), ("seed", "x")],
            csrfFrom: "/datasets/\(id)")
        #expect(refused.status == 422)
        #expect(refused.text.contains("train + validation + test must sum to 1"))
        #expect(refused.text.contains("must be a whole number from 0 to 9007199254740991"))
        #expect(refused.text.contains("name=\"train\" min=\"0\" max=\"1\" step=\"any\" value=\"0.9\""))
        let forged = try browser.submit("/datasets/\(id)/split", fields: [("preset", "80/10/10"), ("seed", "1")], csrfFrom: "", csrf: "bad")
        #expect(forged.status == 403)
    }

    @Test func theTrainingFloorCountsTheTrainSplitOnceSplit() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try test.uploadRaw(Fixtures.jsonl(Self.lines()), name: "floor")
        _ = try test.waitUntilValidated(id)
        func dataset() throws -> [String: Any] { try #require(try test.json("/api/datasets/\(id)")["dataset"] as? [String: Any]) }
        #expect(try dataset()["readiness"] == nil || (try dataset()["readiness"] is NSNull), "150 rows, not split: trainable")

        #expect(try put(test, id, #"{"train":0.5,"validation":0.25,"test":0.25,"seed":42}"#).status == 200)
        let readiness = try #require(try dataset()["readiness"] as? [String: Any])
        #expect(readiness["summary"] as? String == "75 train rows; 25 more needed to train, minimum 100.")
        #expect(readiness["countsTrainSplit"] as? Bool == true)
        #expect(try dataset()["statusLabel"] as? String == "Not yet trainable")
        let listed = try #require(try test.json("/api/datasets")["datasets"] as? [[String: Any]])
        #expect(listed.first { ($0["id"] as? NSNumber)?.int64Value == id }?["statusLabel"] as? String == "Not yet trainable")
        #expect(try test.get("/datasets/\(id)").text.contains("75 train rows; 25 more needed to train, minimum 100."))

        // 135 train rows: small validation and test splits do not matter.
        #expect(try put(test, id, #"{"train":0.9,"validation":0.05,"test":0.05,"seed":42}"#).status == 200)
        #expect(try dataset()["readiness"] == nil || (try dataset()["readiness"] is NSNull))
        #expect(try dataset()["statusLabel"] as? String != "Not yet trainable")
    }
}
