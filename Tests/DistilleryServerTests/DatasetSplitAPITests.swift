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
}
