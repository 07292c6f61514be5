import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// Seed expansion end to end on the real server against the fake teacher's expansion mode (`--expand-drops`): each
/// seed × mutation stratum first gets the scripted variations that must be dropped, then fresh ones. The report's
/// counts per reason are checked against what the teacher logged, the output rows against the kept variations.
@Suite(.serialized)
struct SeedExpansionTests {
    static let skill = "You answer home and office IT questions in plain words."
    static let seeds = [
        "How do I reset my home router when the status light keeps blinking orange?",
        "Explain how DNS caching works and why a changed record can take hours to show up.",
        "Write a short polite email asking a landlord to repair a leaking kitchen tap.",
    ]
    /// A fresh variation of the fake teacher: eight words, each carrying the same counter.
    static func isFresh(_ text: String) -> Bool {
        text.wholeMatch(of: #/alpha(\d+) bravo\1 charlie\1 delta\1 echo\1 foxtrot\1 golf\1 hotel\1\?/#) != nil
    }

    static func seedsDataset(_ test: TestApp) throws -> Int64 {
        let lines = seeds.map { SynthesisJSON.object([("input", .string($0))]).serialized }
        let id = try test.uploadRaw(Array((lines.joined(separator: "\n") + "\n").utf8), name: "it seeds", mode: "seeds", skillPrompt: skill)
        _ = try test.waitUntilValidated(id)
        return id
    }

    static func expand(_ test: TestApp, dataset: Int64, _ body: [String: Any]) throws -> HTTPClientResponse {
        try test.request(
            "POST", "/api/datasets/\(dataset)/expand", headers: [("Content-Type", "application/json")],
            body: .bytes(Array(try JSONSerialization.data(withJSONObject: body))))
    }

    static func body(_ teacher: FakeTeacherProcess, extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = [
            "name": "it seeds expanded", "variations_per_seed": 3, "mutations": ["deepen": 2, "breadth": 1],
            "teacher": ["provider": "openai-compatible", "model": "fake-teacher", "base_url": teacher.baseURL + "/v1", "max_in_flight": 8,
                        "request_timeout_seconds": 5],
        ]
        body.merge(extra) { $1 }
        return body
    }

    static func generationID(_ response: HTTPClientResponse) throws -> Int64 {
        guard response.status == 201, let id = ((try TestApp.object(response))["jobID"] as? NSNumber)?.int64Value else {
            throw TestFailure("expand -> \(response.status): \(response.text)")
        }
        return id
    }

    /// `body` with the members of the JSON object `change` (a null one as NSNull).
    static func changed(_ body: [String: Any], by change: String) throws -> [String: Any] {
        let changes = try #require(try JSONSerialization.jsonObject(with: Data(change.utf8)) as? [String: Any])
        return body.merging(changes) { $1 }
    }

    static func generationTasks(_ test: TestApp) throws -> Int {
        (try test.json("/api/jobs")["items"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "generation" }.count
    }

    static func inputs(_ test: TestApp, dataset: Int64) throws -> [(input: String, generation: [String: Any])] {
        try GenerationTests.rows(test, dataset: dataset).map { row in
            let input = try #require((row["row"] as? [String: Any])?["input"] as? String)
            let generation = try #require((row["metadata"] as? [String: Any])?["generation"] as? [String: Any])
            return (input, generation)
        }
    }

    @Test func droppedVariationsAreCountedByReasonAndTheOutputHasExactlyTheKeptOnes() throws {
        let teacher = try FakeTeacherProcess([
            "--expand-drops", "echo,refusal,refusal_zh,near_copy,near_reworded,too_short,other_seed", "--latency-ms", "2",
        ])
        let test = try TestApp()
        defer { test.removeFiles() }
        let source = try Self.seedsDataset(test)
        // Seven drops before the first kept variation: a quota of 1 asks 8 items, so the cap must allow 8× the quota.
        let jobID = try Self.generationID(try Self.expand(test, dataset: source, Self.body(teacher, extra: ["attempt_cap_factor": 10])))
        let task = try GenerationTests.waitForTask(test, jobID)
        #expect(task["status"] as? String == "completed", "\(task["shortfall"] ?? "")")
        #expect(task["templateName"] as? String == "Seed expansion")
        #expect(task["sourceDatasetID"] as? Int64 == source)

        // 3 variations per seed at deepen 2 : breadth 1 → 2 + 1 for each of the 3 seeds.
        let strata = try #require(task["strata"] as? [[String: Any]])
        #expect(strata.map { $0["label"] as? String } == [
            "seed 1 · deepen", "seed 1 · breadth", "seed 2 · deepen", "seed 2 · breadth", "seed 3 · deepen", "seed 3 · breadth",
        ])
        #expect(strata.map { $0["target"] as? Int } == [2, 1, 2, 1, 2, 1])
        #expect(strata.map { $0["accepted"] as? Int } == [2, 1, 2, 1, 2, 1])
        // Each stratum: its seven scripted drops (six rejected, one a copy of another seed), then fresh ones. The first call
        // asks for the quota, a top-up for a whole call (5) within the cap (10× the quota): a quota of 2 asks 2 + 5 + 5
        // (the last call: 5 fresh, 2 accepted, 3 surplus), a quota of 1 asks 1 + 5 + 4 (other_seed, then 3 fresh: 2 surplus).
        #expect(strata.map { $0["rejected"] as? Int } == [6, 6, 6, 6, 6, 6])
        #expect(strata.map { $0["duplicates"] as? Int } == [1, 1, 1, 1, 1, 1])
        #expect(strata.map { $0["itemsAsked"] as? Int } == [12, 10, 12, 10, 12, 10])
        #expect(strata.map { $0["surplus"] as? Int } == [3, 2, 3, 2, 3, 2])

        // What the teacher sent, by kind, and the report's counts per reason.
        let kinds = try teacher.logEntries().compactMap { $0["expand_kinds"] as? [String] }.flatMap { $0 }
        let sent: [String: Int] = Dictionary(kinds.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(sent == [
            "echo": 6, "refusal": 6, "refusal_zh": 6, "near_copy": 6, "near_reworded": 6, "too_short": 6, "other_seed": 6, "fresh": 24,
        ])
        let byReason = try #require(task["rejectedByReason"] as? [[String: Any]])
        #expect(byReason.map { $0["reason"] as? String } == ["near_duplicate_of_seed", "refusal", "echo", "too_short"])
        let nearCopies: Int = (sent["near_copy"] ?? 0) + (sent["near_reworded"] ?? 0)
        let refusals: Int = (sent["refusal"] ?? 0) + (sent["refusal_zh"] ?? 0)
        let expectedCounts: [Int?] = [nearCopies, refusals, sent["echo"], sent["too_short"]]
        #expect(byReason.map { $0["count"] as? Int } == expectedCounts)
        #expect(byReason.allSatisfy { ($0["explanation"] as? String)?.isEmpty == false })
        // A copy of another seed is a duplicate of that seed (the seeds are reference texts of the duplicate index).
        let dropped = try #require(task["dropped"] as? [[String: Any]])
        let seedCopies = dropped.filter { $0["status"] as? String == "duplicate" }
        #expect(seedCopies.count == 6)
        for copy in seedCopies {
            let own = (copy["stratum"] as? String ?? "").components(separatedBy: " · ").first ?? ""
            let of = try #require(copy["duplicateOf"] as? String)
            #expect(of.hasPrefix("seed ") && of != own, "\(copy)")
            #expect(Self.seeds.contains(copy["text"] as? String ?? ""))
        }

        // The output: a seeds dataset of exactly the 9 accepted fresh variations (not the 15 surplus ones), linked to its
        // parent, with the parent's skill.
        let datasetID = try #require((task["datasetID"] as? NSNumber)?.int64Value)
        let dataset = try #require(try test.json("/api/datasets/\(datasetID)")["dataset"] as? [String: Any])
        #expect(dataset["status"] as? String == "valid_seeds")
        #expect(dataset["mode"] as? String == "seeds")
        #expect(dataset["parentID"] as? Int64 == source)
        let rows = try Self.inputs(test, dataset: datasetID)
        #expect(rows.count == 9)
        #expect((task["totals"] as? [String: Any])?["surplus"] as? Int == (sent["fresh"] ?? 0) - rows.count)
        let inputs = rows.map { $0.input }
        #expect(inputs.allSatisfy(Self.isFresh), "\(inputs)")
        #expect(Set(inputs).count == rows.count)
        let droppedTexts = Set(dropped.compactMap { $0["text"] as? String })
        #expect(rows.allSatisfy { !droppedTexts.contains($0.input) })
        // Every row names its seed, mutation, the template and the teacher; per seed and mutation exactly the quota.
        var perStratum: [String: Int] = [:]
        for (_, generation) in rows {
            let values = try #require(generation["values"] as? [String: String])
            let seedIndex = try #require(Int(values["seed_index"] ?? ""))
            #expect(values["seed"] == Self.seeds[seedIndex - 1])
            perStratum["\(seedIndex) \(values["mutation"] ?? "")", default: 0] += 1
            #expect(generation["template"] as? String == "Seed expansion")
            #expect(generation["template_id"] is NSNull)
            #expect(generation["provider"] as? String == "openai-compatible")
            #expect(generation["model"] as? String == "fake-teacher")
        }
        #expect(perStratum == ["1 deepen": 2, "1 breadth": 1, "2 deepen": 2, "2 breadth": 1, "3 deepen": 2, "3 breadth": 1])
        let detail = try test.json("/api/datasets/\(datasetID)")
        #expect((detail["dataset"] as? [String: Any])?["skillPrompt"] as? String ?? Self.skill == Self.skill)
    }

    @Test func aSeedWhoseVariationsAreAllDroppedEndsShortAndSaysWhy() throws {
        let teacher = try FakeTeacherProcess(["--expand-drops", "echo,refusal_zh,too_short"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let source = try Self.seedsDataset(test)
        // Default cap (3× the quota): a breadth stratum (quota 1) may ask 3 items, all three scripted drops.
        let jobID = try Self.generationID(try Self.expand(test, dataset: source, Self.body(teacher)))
        let task = try GenerationTests.waitForTask(test, jobID)
        #expect(task["status"] as? String == "completed_with_shortfall")
        let strata = try #require(task["strata"] as? [[String: Any]])
        #expect(strata.map { $0["accepted"] as? Int } == [2, 0, 2, 0, 2, 0])
        #expect(task["shortfall"] as? [String] == (1...3).map { "seed \($0) · breadth: 0 of 1 accepted after 3 items asked (3× cap): 3 rejected" })
        let datasetID = try #require((task["datasetID"] as? NSNumber)?.int64Value)
        #expect(try Self.inputs(test, dataset: datasetID).count == 6)
    }

    @Test(arguments: [
        (#"{"variations_per_seed": null}"#, "variations_per_seed"),
        (#"{"variations_per_seed": 0}"#, "variations_per_seed"),
        (#"{"variations_per_seed": "many"}"#, "variations_per_seed"),
        (#"{"mutations": {"shuffle": 1}}"#, "mutations.shuffle"),
        (#"{"mutations": {"deepen": -1}}"#, "mutations.deepen"),
        (#"{"mutations": {"deepen": 0, "breadth": 0}}"#, "mutations"),
        (#"{"mutations": [1, 2]}"#, "mutations"),
        (#"{"template_id": 1}"#, "template_id"),
        (#"{"count": 10}"#, "count"),
        (#"{"name": ""}"#, "name"),
        (#"{"items_per_call": 500}"#, "items_per_call"),
        (#"{"teacher": null}"#, "teacher"),
    ])
    func badExpansionRequestsAreRefusedNamingTheirJSONPath(change: String, path: String) throws {
        let teacher = try FakeTeacherProcess()
        let test = try TestApp()
        defer { test.removeFiles() }
        let source = try Self.seedsDataset(test)
        let response = try Self.expand(test, dataset: source, try Self.changed(Self.body(teacher), by: change))
        #expect(response.status == 422, "\(response.text)")
        #expect(try RecipeRunTests.fieldErrors(response)[path] != nil, "\(response.text)")
        #expect(try Self.generationTasks(test) == 0)
    }

    @Test func onlyAValidSeedsDatasetCanBeExpanded() throws {
        let teacher = try FakeTeacherProcess()
        let test = try TestApp()
        defer { test.removeFiles() }
        let chat = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(3)), name: "chat rows")
        _ = try test.waitUntilValidated(chat)
        let response = try Self.expand(test, dataset: chat, Self.body(teacher))
        #expect(response.status == 409, "\(response.text)")
        #expect(response.text.contains("Only a seeds dataset that passed validation can be expanded"))
        #expect(try test.get("/datasets/\(chat)/expand").status == 409)
    }

    @Test func theBrowserExpandsFromTheDatasetPageAndTheTaskPageShowsTheReasons() throws {
        let teacher = try FakeTeacherProcess(["--expand-drops", "refusal,echo"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let source = try Self.seedsDataset(test)
        let browser = BrowserSession(test)
        try browser.signIn()
        let detail = try browser.get("/datasets/\(source)")
        #expect(detail.text.contains("href=\"/datasets/\(source)/expand\""))
        let form = try browser.get("/datasets/\(source)/expand")
        #expect(form.status == 200)
        #expect(form.text.contains("name=\"mutation_reasoning\""))
        #expect(form.text.contains("3 seeds × 5 variations = 15 new prompts"))

        var fields: [(String, String)] = [
            ("name", "expanded in the browser"), ("variations_per_seed", "2"), ("recipe_id", ""), ("provider", "openai-compatible"),
            ("base_url", teacher.baseURL + "/v1"), ("custom_model", "fake-teacher"), ("api_key", ""), ("saved_key_id", ""),
            ("items_per_call", "5"),
        ]
        fields += EvolMutation.allCases.map { ("mutation_\($0.rawValue)", $0 == .concretize ? "1" : "") }

        // A bad number re-renders the form with the message next to its field, and starts nothing.
        let refused = try browser.submit(
            "/datasets/\(source)/expand", fields: fields.map { $0.0 == "variations_per_seed" ? ($0.0, "0") : $0 }, csrfFrom: "/datasets/\(source)/expand")
        #expect(refused.status == 422)
        #expect(refused.text.contains("Must be from 1 to 100; got 0."))
        #expect(try Self.generationTasks(test) == 0)

        let started = try browser.submit("/datasets/\(source)/expand", fields: fields, csrfFrom: "/datasets/\(source)/expand")
        #expect(started.status == 303, "\(started.text.prefix(2000))")
        let location = try #require(started.headers["Location"])
        let jobID = try #require(Int64(location.dropFirst("/generations/".count)))
        let task = try GenerationTests.waitForTask(test, jobID)
        #expect(task["status"] as? String == "completed")
        #expect((task["strata"] as? [[String: Any]])?.map { $0["label"] as? String } == ["seed 1 · concretize", "seed 2 · concretize", "seed 3 · concretize"])
        let page = try browser.get(location)
        #expect(page.status == 200)
        #expect(page.text.contains("Rejected, by reason"))
        #expect(page.text.contains("from <a href=\"/datasets/\(source)\">Dataset #\(source)</a>"))
        #expect(page.text.contains("<tr data-reason=\"refusal\"><td>refusal</td><td class=\"num\">3</td>"))
        #expect(page.text.contains("<tr data-reason=\"echo\"><td>echo</td><td class=\"num\">3</td>"))
    }
}
