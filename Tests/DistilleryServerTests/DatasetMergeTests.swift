import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryTestSupport
import Foundation
import Testing

/// Merging through the real server: rows joined in the order asked, exact duplicates dropped and counted, the
/// result validated by the normal job, every parent listed; each refusal a clear 4xx, never a 500.
@Suite(.serialized)
struct DatasetMergeTests {
    static func merge(_ test: TestApp, _ body: String) throws -> HTTPClientResponse {
        try test.request("POST", "/api/datasets/merge", headers: [("Content-Type", "application/json")], body: .bytes(Array(body.utf8)))
    }

    /// Every stored row of a dataset, as the rows API serves it (normalized JSON re-serialized with sorted keys).
    static func rows(_ test: TestApp, _ id: Int64) throws -> [String] {
        let page = try test.json("/api/datasets/\(id)/rows?per_page=500")
        let items = try #require(page["items"] as? [[String: Any]])
        return try items.map { item in
            let row = try #require(item["row"])
            return String(decoding: try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    static func dataset(_ body: [String: Any]) throws -> [String: Any] {
        try #require(body["dataset"] as? [String: Any])
    }

    @Test func jsonMergeKeepsTheOrderGivenDropsDuplicatesAndListsParents() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        // A: 80 valid rows and 2 broken lines (invalid: under 100 examples). B: A's first 10 rows again, then 50 of its own.
        let aLines = Fixtures.chatLines(80, tag: "a")
        let a = try test.uploadRaw(Fixtures.jsonl(aLines + ["{\"messages\": [}", "not json"]), name: "a")
        let b = try test.uploadRaw(Fixtures.jsonl(Array(aLines[0..<10]) + Fixtures.chatLines(50, tag: "b")), name: "b")
        #expect(try Self.dataset(test.waitUntilValidated(a))["status"] as? String == "invalid")
        #expect(try Self.dataset(test.waitUntilValidated(b))["status"] as? String == "invalid")

        let response = try Self.merge(test, "{\"dataset_ids\":[\(b),\(a)],\"name\":\"b then a\"}")
        #expect(response.status == 201, "\(response.text.prefix(300))")
        let created = try Self.dataset(TestApp.object(response))
        let id = try #require((created["id"] as? NSNumber)?.int64Value)
        #expect(response.headers["Location"] == "/api/datasets/\(id)")
        #expect(created["parents"] as? [Int] == [Int(b), Int(a)])
        #expect(created["duplicatesDropped"] as? Int == 10)

        let merged = try Self.dataset(test.waitUntilValidated(id))
        #expect(merged["status"] as? String == "valid_with_warnings" || merged["status"] as? String == "valid", "\(merged)")
        #expect(merged["rows"] as? Int == 130)
        // B's 60 rows, then A's 70 valid rows that B did not already hold; A's broken lines never reach the merge.
        let expected = try Self.rows(test, b) + Array(try Self.rows(test, a)[10...])
        #expect(try Self.rows(test, id) == expected)

        let listed = try #require(try test.json("/api/datasets")["datasets"] as? [[String: Any]])
        let item = try #require(listed.first { ($0["id"] as? NSNumber)?.int64Value == id })
        #expect(item["parents"] as? [Int] == [Int(b), Int(a)])
        #expect(item["duplicatesDroppedText"] as? String == "10 exact duplicate rows dropped")
        let aItem = try #require(listed.first { ($0["id"] as? NSNumber)?.int64Value == a })
        #expect(aItem["parents"] as? [Int] == [])
        #expect(aItem["duplicatesDropped"] == nil || aItem["duplicatesDropped"] is NSNull)

        // Deleting a parent removes only its link: the merged dataset keeps its rows and lists the parent left.
        #expect(try test.request("DELETE", "/api/datasets/\(a)").status < 300)
        let afterDeletion = try Self.dataset(test.json("/api/datasets/\(id)"))
        #expect(afterDeletion["parents"] as? [Int] == [Int(b)])
        #expect(afterDeletion["rows"] as? Int == 130)
    }

    @Test func theListPageSelectsAndMergesWithPostRedirectGet() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let a = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(70, tag: "a")), name: "first half")
        let b = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(70, tag: "b")), name: "second half")
        let seeds = try test.uploadRaw(Fixtures.jsonl(Fixtures.seedLines(5)), name: "seeds", mode: "seeds", skillPrompt: SynthesisTests.skill)
        for id in [a, b, seeds] { _ = try test.waitUntilValidated(id) }
        let browser = BrowserSession(test)
        try browser.signIn()

        let list = try browser.get("/datasets").text
        #expect(list.contains("<form method=\"post\" action=\"/datasets/merge\" id=\"merge-form\">"))
        #expect(list.contains("name=\"dataset_ids\" value=\"\(a)\""))
        #expect(list.contains("name=\"dataset_ids\" value=\"\(b)\""))
        #expect(!list.contains("name=\"dataset_ids\" value=\"\(seeds)\""), "a seeds dataset cannot be selected")
        #expect(list.contains(">Merge selected</button>"))

        let refused = try browser.submit("/datasets/merge", fields: [("dataset_ids", "\(a)"), ("name", "too few")], csrfFrom: "/datasets")
        #expect(refused.status == 422)
        #expect(refused.text.contains("Select at least 2 datasets to merge; got 1."))
        #expect(refused.text.contains("value=\"too few\""))

        let seedsRefused = try browser.submit(
            "/datasets/merge", fields: [("dataset_ids", "\(a)"), ("dataset_ids", "\(seeds)"), ("name", "x")], csrfFrom: "/datasets")
        #expect(seedsRefused.status == 422)
        #expect(seedsRefused.text.contains("Dataset \(seeds) is a seeds dataset"))

        let withoutToken = try browser.submit(
            "/datasets/merge", fields: [("dataset_ids", "\(a)"), ("dataset_ids", "\(b)"), ("name", "x")], csrfFrom: "", csrf: "wrong")
        #expect(withoutToken.status == 403)

        // The list shows the newest first, so a browser sends b before a; the merge still reads oldest first.
        let response = try browser.submit(
            "/datasets/merge", fields: [("dataset_ids", "\(b)"), ("dataset_ids", "\(a)"), ("name", "both halves")], csrfFrom: "/datasets")
        #expect(response.status == 303)
        let location = try #require(response.headers["Location"])
        let id = try #require(Int64(location.replacingOccurrences(of: "/datasets/", with: "")))
        let merged = try Self.dataset(test.waitUntilValidated(id))
        #expect(merged["name"] as? String == "both halves")
        #expect(merged["rows"] as? Int == 140)
        #expect(merged["status"] as? String != "invalid")
        #expect(merged["parents"] as? [Int] == [Int(a), Int(b)])
        #expect(try Self.rows(test, id) == (try Self.rows(test, a) + Self.rows(test, b)))

        let page = try browser.get(location).text
        #expect(page.contains("from <a href=\"/datasets/\(a)\">Dataset #\(a)</a> + <a href=\"/datasets/\(b)\">Dataset #\(b)</a>"))
        #expect(page.contains("Merged: 0 exact duplicate rows dropped."))
        let listAfter = try browser.get("/datasets").text
        #expect(listAfter.contains("from <a href=\"/datasets/\(a)\">#\(a)</a> + <a href=\"/datasets/\(b)\">#\(b)</a>"))
    }

    @Test func refusalsNameTheDatasetAndTheReasonAndNeverFail() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let a = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(30, tag: "a")), name: "a")
        let seeds = try test.uploadRaw(Fixtures.jsonl(Fixtures.seedLines(5)), name: "seeds", mode: "seeds", skillPrompt: SynthesisTests.skill)
        let broken = try test.uploadRaw(Fixtures.jsonl(["{\"messages\": [}", "nope"]), name: "all broken")
        for id in [a, seeds, broken] { _ = try test.waitUntilValidated(id) }
        let before = try #require(try test.json("/api/datasets")["count"] as? Int)

        let cases: [(body: String, status: Int, says: String)] = [
            ("{\"dataset_ids\":[\(a)],\"name\":\"one\"}", 422, "Select at least 2 datasets to merge; got 1."),
            ("{\"name\":\"none\"}", 422, "Select at least 2 datasets to merge; got 0."),
            ("{\"dataset_ids\":[\(a),\(a)],\"name\":\"twice\"}", 422, "Dataset \(a) is selected more than once"),
            ("{\"dataset_ids\":[\(a),999],\"name\":\"unknown\"}", 404, "No dataset 999."),
            ("{\"dataset_ids\":[\(a),\(seeds)],\"name\":\"seeds\"}", 422, "Dataset \(seeds) is a seeds dataset"),
            ("{\"dataset_ids\":[\(broken),\(a)],\"name\":\"empty\"}", 422, "Dataset \(broken) has no valid rows to merge."),
            ("{\"dataset_ids\":[\(a),\(broken)],\"name\":\"\(String(repeating: "n", count: 201))\"}", 422, "The name is 201 characters; the limit is 200."),
            ("{\"dataset_ids\":[\(a),\(seeds)],\"name\":\"  \"}", 422, "Give the merged dataset a name."),
            ("{\"dataset_ids\":[\"\(a)\",true],\"name\":\"types\"}", 422, "dataset_ids must be an array of dataset ids"),
            ("{\"dataset_ids\":[\(a),0],\"name\":\"zero\"}", 422, "not a dataset id"),
            ("[1,2]", 400, "must be a JSON object"),
        ]
        for check in cases {
            let response = try Self.merge(test, check.body)
            #expect(response.status == check.status, "\(check.body) -> \(response.status) \(response.text.prefix(300))")
            #expect(response.text.contains(check.says), "\(check.body) -> \(response.text.prefix(300))")
        }
        #expect(try test.json("/api/datasets")["count"] as? Int == before, "a refused merge stores nothing")
    }

    /// The way forward the product promises a small synthesized child: merge it with another dataset.
    @Test func aNotYetTrainableChildMergesIntoATrainableDataset() throws {
        typealias S = SynthesisTests
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(20), name: "tiny", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let job = try S.waitForJob(test, try S.jobID(try S.start(test, dataset: parent, teacher: teacher)))
        let child = try #require((job["childDatasetID"] as? NSNumber)?.int64Value)
        let childBody = try test.waitUntilValidated(child)
        let childItem = try Self.dataset(childBody)
        #expect(childItem["statusLabel"] as? String == "Not yet trainable")
        let steps = (childItem["readiness"] as? [String: Any])?["nextSteps"] as? [String] ?? []
        #expect(steps.contains { $0.contains("select them on the Datasets page and choose Merge selected") })
        let upload = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(90, tag: "u")), name: "hand written")
        _ = try test.waitUntilValidated(upload)

        let response = try Self.merge(test, "{\"dataset_ids\":[\(upload),\(child)],\"name\":\"top-up\"}")
        #expect(response.status == 201, "\(response.text.prefix(300))")
        let id = try #require((try Self.dataset(TestApp.object(response))["id"] as? NSNumber)?.int64Value)
        let merged = try Self.dataset(test.waitUntilValidated(id))
        #expect(merged["rows"] as? Int == 110)
        #expect(merged["status"] as? String != "invalid", "\(merged)")
        #expect(merged["parents"] as? [Int] == [Int(upload), Int(child)])
        // The child keeps its synthesis parent; the merge does not touch it.
        #expect(try Self.dataset(test.json("/api/datasets/\(child)"))["parents"] as? [Int] == [Int(parent)])
    }
}
