import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// Judge scoring end to end: a chat dataset uploaded over HTTP, a scoring job started through the JSON API against the
/// fake teacher's scripted judge, polled to the end, and the stored scores read back from the database.
@Suite(.serialized)
struct JudgeScoringTests {
    static func judge(_ teacher: FakeTeacherProcess, model: String = "fake-judge", extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = [
            "provider": "openai-compatible", "model": model, "base_url": teacher.baseURL + "/v1", "max_in_flight": 4,
            "request_timeout_seconds": 5,
        ]
        body.merge(extra) { $1 }
        return body
    }

    static func start(_ test: TestApp, dataset: Int64, _ body: [String: Any]) throws -> HTTPClientResponse {
        try test.request(
            "POST", "/api/datasets/\(dataset)/judge-scores", headers: [("Content-Type", "application/json")],
            body: .bytes(Array(try JSONSerialization.data(withJSONObject: body))))
    }

    static func jobID(_ response: HTTPClientResponse) throws -> Int64 {
        guard response.status == 201, let id = ((try TestApp.object(response))["jobID"] as? NSNumber)?.int64Value else {
            throw TestFailure("start -> \(response.status): \(response.text)")
        }
        return id
    }

    static func waitForJob(_ test: TestApp, _ jobID: Int64, timeoutSeconds: Double = 120) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            let job = try test.json("/api/scoring/\(jobID)")
            if job["isActive"] as? Bool == false { return job }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("scoring job \(jobID) still running after \(timeoutSeconds) s")
    }

    static func chatDataset(_ test: TestApp, count: Int, user: @escaping (Int) -> String) throws -> Int64 {
        let id = try test.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(count, userContent: user)), name: "support answers")
        _ = try test.waitUntilValidated(id)
        return id
    }

    /// A 422's problems by field.
    static func fields(_ response: HTTPClientResponse) throws -> [String: String] {
        ((try TestApp.object(response))["error"] as? [String: Any])?["fields"] as? [String: String] ?? [:]
    }

    /// Judge calls whose prompt holds `needle` (the row's own text), from the fake teacher's log.
    static func judgeCalls(_ teacher: FakeTeacherProcess, containing needle: String) throws -> Int {
        try teacher.logEntries().filter { $0["scoring"] as? Bool == true && (($0["seed"] as? String) ?? "").contains(needle) }.count
    }

    @Test func everyRowGetsAScorePerDimensionWithReasoningModelAndPromptVersionAndABadVerdictIsRetriedOrLeftUnscored() throws {
        let teacher = try FakeTeacherProcess(["--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        // Row 3's first verdict is prose (retried, then scored); row 5's verdicts always score 9 (never readable: unscored);
        // row 7's score 2.
        let markers = [3: " [fail:badjudgex1]", 5: " [score:9]", 7: " [score:2]"]
        let dataset = try Self.chatDataset(test, count: 12) { "Question \($0): how do I export my data?\(markers[$0] ?? "")" }
        var body = Self.judge(teacher)
        body["dimensions"] = ["correct", "safe"]
        body["custom"] = "tone | Warm tone | 1-5 | The answer sounds friendly | 5 warm, 1 curt"
        let started = try Self.start(test, dataset: dataset, body)
        let jobID = try Self.jobID(started)
        let estimate = try #require((try TestApp.object(started))["estimate"] as? [String: Any])
        #expect(estimate["requests"] as? Int == 12)
        #expect((estimate["promptTokens"] as? Int ?? 0) > 0)

        let job = try Self.waitForJob(test, jobID)
        #expect(job["status"] as? String == "completed", "\(job)")
        #expect(job["scored"] as? Int == 11)
        #expect(job["unscored"] as? Int == 1)
        #expect(job["promptVersion"] as? String == "score-v1")
        let reasons = try #require(job["unscoredReasons"] as? [[String: Any]])
        #expect(reasons.map { $0["code"] as? String } == ["judge_unparseable"])
        let dimensions = try #require(job["dimensions"] as? [[String: Any]])
        #expect(dimensions.map { $0["id"] as? String } == ["correct", "safe", "tone"])
        #expect(dimensions.map { $0["scoredRows"] as? Int } == [11, 11, 11])
        let correct = try #require(dimensions.first)
        let buckets = try #require(correct["distribution"] as? [[String: Any]])
        #expect(buckets.map { $0["count"] as? Int } == [0, 1, 0, 10, 0])

        let database = test.app.services.database
        let scores = try database.read { connection in
            try connection.query(
                "SELECT idx, dimension, rubric, score, reasoning, model, prompt_version, job_id FROM row_scores WHERE dataset_id = ? ORDER BY idx, dimension",
                .integer(dataset))
        }
        #expect(scores.count == 33)
        #expect(Set(scores.compactMap { $0.int("idx") }) == Set((0..<12).filter { $0 != 5 }))
        #expect(scores.allSatisfy { $0.string("model") == "fake-judge" && $0.string("prompt_version") == "score-v1" && $0.int64("job_id") == jobID })
        #expect(scores.allSatisfy { ($0.string("reasoning") ?? "").hasPrefix("Reasoning about \($0.string("dimension") ?? "")") })
        let row7 = scores.filter { $0.int("idx") == 7 }.map { "\($0.string("dimension") ?? ""):\($0.string("rubric") ?? ""):\($0.int("score") ?? -1)" }
        #expect(row7 == ["correct:scale:2", "safe:pass_fail:1", "tone:scale:2"])

        // The malformed verdict was asked again, once; the never-readable one until its attempts ran out, never guessed.
        #expect(try Self.judgeCalls(teacher, containing: "Question 3:") == 2)
        #expect(try Self.judgeCalls(teacher, containing: "Question 5:") == 5)
        #expect(try Self.judgeCalls(teacher, containing: "Question 4:") == 1)
        #expect((job["retries"] as? Int ?? 0) >= 5)
        let usage = try database.read {
            try $0.queryOne("SELECT answered, cost_usd FROM job_endpoint_usage WHERE job_id = ? AND endpoint = 'judge'", .integer(jobID))
        }
        #expect(usage?.int("answered") == 11 + 1 + 5)
    }

    @Test func aJudgeOfTheRowsOwnFamilyIsRefusedUnlessTheUserInsistsThenTheJobCarriesAWarning() throws {
        let teacher = try FakeTeacherProcess(["--latency-ms", "5", "--models", "fake-teacher,fake-judge,qwen-judge"])
        let test = try TestApp()
        defer { test.removeFiles() }
        // A child synthesized by fake-teacher: its rows' metadata name their teacher.
        let seeds = try test.uploadRaw(
            Array("{\"input\":\"Tagline one\"}\n{\"input\":\"Tagline two\"}\n{\"input\":\"Tagline three\"}\n".utf8), name: "seeds", mode: "seeds",
            skillPrompt: "You are a marketing copywriter. Answer in one sentence.")
        _ = try test.waitUntilValidated(seeds)
        let synthesis = try test.request(
            "POST", "/api/datasets/\(seeds)/synthesis", headers: [("Content-Type", "application/json")],
            body: .bytes(Array(try JSONSerialization.data(withJSONObject: [
                "provider": "openai-compatible", "model": "fake-teacher", "base_url": teacher.baseURL + "/v1", "request_timeout_seconds": "5",
            ]))))
        let synthesisID = try #require(((try TestApp.object(synthesis))["jobID"] as? NSNumber)?.int64Value, "\(synthesis.text)")
        let child = try #require(try SynthesisTests.waitForJob(test, synthesisID)["childDatasetID"] as? Int)
        _ = try test.waitUntilValidated(Int64(child))

        var body = Self.judge(teacher)
        body["dimensions"] = ["answers_request"]
        let refused = try Self.start(test, dataset: Int64(child), body)
        #expect(refused.status == 422, "\(refused.text)")
        let problem = try #require(try Self.fields(refused)["insist_same_family"])
        #expect(problem.contains("fake-judge") && problem.contains("fake-teacher") && problem.contains("family openai-compatible"), "\(problem)")
        #expect(try test.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM scoring_jobs")?.intValue } == 0)

        // A judge of another family needs no insisting, and carries no warning.
        var other = Self.judge(teacher, model: "qwen-judge")
        other["dimensions"] = ["answers_request"]
        let fair = try Self.waitForJob(test, try Self.jobID(try Self.start(test, dataset: Int64(child), other)))
        #expect(fair["status"] as? String == "completed")
        #expect(fair["insistedSameFamily"] as? Bool == false)
        #expect((fair["warnings"] as? [String])?.isEmpty == true)

        body["insist_same_family"] = true
        let insisted = try Self.waitForJob(test, try Self.jobID(try Self.start(test, dataset: Int64(child), body)))
        #expect(insisted["status"] as? String == "completed")
        #expect(insisted["insistedSameFamily"] as? Bool == true)
        let warnings = try #require(insisted["warnings"] as? [String])
        #expect(warnings.contains { $0.contains("fake-judge") && $0.contains("insistence") }, "\(warnings)")
        let page = try test.get("/scoring/\(try #require((insisted["jobID"] as? NSNumber)?.int64Value))")
        #expect(page.status == 200)
        #expect(page.text.contains("used at the user&#39;s insistence") || page.text.contains("used at the user's insistence"))
    }

    @Test func badRequestsAreRefusedNamingTheFieldAndOnlyValidatedChatDatasetsAreScored() throws {
        let teacher = try FakeTeacherProcess(["--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try Self.chatDataset(test, count: 3) { "Question \($0)?" }
        let cases: [([String: Any], String)] = [
            (["dimensions": ["tastiness"]], "dimensions[0]"),
            (["dimensions": []], "dimensions"),
            (["dimensions": ["safe"], "custom": "tone | Tone | 1-7 | Friendly"], "custom line 1"),
            (["dimensions": ["safe"], "custom": [["id": "Tone", "title": "T", "rubric": "1-5", "description": "d"]]], "custom[0].id"),
            (["dimensions": ["safe"], "insist_same_family": "very"], "insist_same_family"),
            (["dimensions": "safe"], "dimensions"),
            (["dimensions": ["safe"], "max_inflight": 4], "max_inflight"),
            (["dimensions": ["safe"], "rejection_sampling": true], "rejection_sampling"),
        ]
        for (extra, field) in cases {
            let response = try Self.start(test, dataset: dataset, Self.judge(teacher, extra: extra))
            #expect(response.status == 422, "\(extra) -> \(response.status)")
            #expect(try Self.fields(response)[field] != nil, "\(extra): \(response.text)")
        }
        let noJudge = try Self.start(test, dataset: dataset, ["dimensions": ["safe"]])
        #expect(noJudge.status == 422)
        let seeds = try test.uploadRaw(Fixtures.jsonl(Fixtures.seedLines(2)), name: "seeds", mode: "seeds", skillPrompt: "You write taglines.")
        _ = try test.waitUntilValidated(seeds)
        #expect(try Self.start(test, dataset: seeds, Self.judge(teacher, extra: ["dimensions": ["safe"]])).status == 409)
        #expect(try test.get("/datasets/\(seeds)/judge-scores/new").status == 409)
        #expect(try test.get("/api/scoring/999").status == 404)
    }

    @Test func theEstimateBeforeStartingIsTheOneStoredWithTheJob() throws {
        let teacher = try FakeTeacherProcess(["--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try Self.chatDataset(test, count: 10) { "Question \($0): do you ship abroad?" }
        let query = "provider=openai-compatible&model=fake-judge&base_url=\(FormEncoding.encode(teacher.baseURL + "/v1"))"
            + "&input_price_per_million=1000&output_price_per_million=2000&max_in_flight=4&dimensions=correct,safe"
        let response = try test.get("/api/datasets/\(dataset)/judge-scores/estimate?\(query)")
        #expect(response.status == 200, "\(response.text)")
        let estimate = try #require((try TestApp.object(response))["estimate"] as? [String: Any])
        #expect(estimate["requests"] as? Int == 10)
        // Two dimensions of about 200 tokens each per row; the prompt holds at least every row's own tokens.
        #expect(estimate["completionTokens"] as? Int == 10 * 2 * 200)
        let prompt = try #require(estimate["promptTokens"] as? Int)
        #expect(prompt > 10 * 20)
        #expect(abs((estimate["costUSD"] as? Double ?? 0) - (Double(prompt) * 1000 + 4000 * 2000) / 1_000_000) < 1e-9)
        #expect(estimate["costText"] as? String == Formatting.usd(estimate["costUSD"] as? Double ?? 0))

        let started = try Self.start(test, dataset: dataset, Self.judge(teacher, extra: [
            "dimensions": ["correct", "safe"], "input_price_per_million": 1000, "output_price_per_million": 2000,
        ]))
        let stored = try #require((try TestApp.object(started))["estimate"] as? [String: Any])
        for key in ["requests", "promptTokens", "completionTokens", "costText"] { #expect("\(stored[key] ?? "")" == "\(estimate[key] ?? "")", "\(key)") }
        _ = try Self.waitForJob(test, try Self.jobID(started))

        #expect(try test.get("/api/datasets/\(dataset)/judge-scores/estimate?provider=openai-compatible").status == 422)
    }

    @Test func aLaterJobReplacesTheRowsLatestScoresAndEachJobKeepsItsOwnFigures() throws {
        let teacher = try FakeTeacherProcess(["--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try Self.chatDataset(test, count: 6) { "Question \($0): is there a student discount?\($0 < 2 ? " [score:2]" : "")" }
        let first = try Self.waitForJob(test, try Self.jobID(try Self.start(test, dataset: dataset, Self.judge(teacher, extra: ["dimensions": ["correct"]]))))
        let second = try Self.waitForJob(
            test, try Self.jobID(try Self.start(test, dataset: dataset, Self.judge(teacher, extra: ["dimensions": ["correct", "safe"]]))))
        let secondID = try #require((second["jobID"] as? NSNumber)?.int64Value)
        let latest = try test.app.services.database.read { connection in
            try connection.query("SELECT job_id, dimension FROM row_scores WHERE dataset_id = ?", .integer(dataset))
        }
        #expect(latest.count == 12)
        #expect(latest.allSatisfy { $0.int64("job_id") == secondID })
        // The first job, read again after the second replaced its rows' latest scores, still reports its own.
        let firstAgain = try test.json("/api/scoring/\(try #require((first["jobID"] as? NSNumber)?.int64Value))")
        for job in [firstAgain, second] {
            let correct = try #require((job["dimensions"] as? [[String: Any]])?.first)
            #expect(correct["scoredRows"] as? Int == 6)
            #expect((correct["distribution"] as? [[String: Any]])?.map { $0["count"] as? Int } == [0, 2, 0, 4, 0])
            // Every answer here has the same length: no figure.
            #expect(correct["lengthBias"] == nil)
            #expect(correct["lengthBiasText"] as? String == "needs 5+ rows with varied scores and lengths")
        }
    }

    @Test func scoresThatFollowAnswerLengthGiveTheLengthBiasFigureAndAWarning() throws {
        let teacher = try FakeTeacherProcess(["--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        // Scores 1…5 (scripted) on answers of 20, 10, 30, 50 and 40 characters: r = 0.8 (Python's statistics.correlation).
        let lengths = [20, 10, 30, 50, 40]
        let lines = try lengths.enumerated().map { index, length in
            let object: [String: Any] = ["messages": [
                ["role": "system", "content": "You are a concise support agent."],
                ["role": "user", "content": "Question \(index) [score:\(index + 1)]"],
                ["role": "assistant", "content": String(repeating: "a", count: length)],
            ]]
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        let dataset = try test.uploadRaw(Fixtures.jsonl(lines), name: "lengths")
        _ = try test.waitUntilValidated(dataset)
        let job = try Self.waitForJob(
            test, try Self.jobID(try Self.start(test, dataset: dataset, Self.judge(teacher, extra: ["dimensions": ["correct", "safe"]]))))
        let dimensions = try #require(job["dimensions"] as? [[String: Any]])
        let correct = try #require(dimensions.first)
        #expect(abs((correct["lengthBias"] as? Double ?? 0) - 0.8) < 1e-9)
        #expect(correct["lengthBiasText"] as? String == "r = 0.80 over 5 rows")
        #expect(dimensions.last?["lengthBias"] == nil)  // pass/fail: no figure
        let warnings = try #require(job["warnings"] as? [String])
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("Correct as far as the judge can tell: scores follow answer length (r = 0.80)") == true, "\(warnings)")
        #expect(try test.get("/scoring/\(try #require((job["jobID"] as? NSNumber)?.int64Value))").text.contains("scores follow answer length (r = 0.80)"))
    }

    @Test func cancellingKeepsTheScoresCommittedSoFar() throws {
        let teacher = try FakeTeacherProcess(["--latency-ms", "150"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try Self.chatDataset(test, count: 200) { "Question \($0): where is my invoice?" }
        let jobID = try Self.jobID(try Self.start(test, dataset: dataset, Self.judge(teacher, extra: ["dimensions": ["correct"], "max_in_flight": 2])))
        let database = test.app.services.database
        let scored = { try database.read { try $0.scalar("SELECT scored FROM scoring_jobs WHERE job_id = ?", .integer(jobID))?.intValue ?? 0 } }
        let deadline = Date().addingTimeInterval(60)
        while try scored() < 4 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let cancel = try test.request("POST", "/api/scoring/\(jobID)/cancel")
        #expect(cancel.status == 202)
        let job = try Self.waitForJob(test, jobID)
        #expect(job["status"] as? String == "cancelled")
        let kept = job["scored"] as? Int ?? 0
        #expect(kept >= 4 && kept < 200)
        #expect(try database.read { try $0.scalar("SELECT COUNT(*) FROM row_scores WHERE job_id = ?", .integer(jobID))?.intValue } == kept)
        #expect(try test.request("POST", "/api/scoring/\(jobID)/cancel").status == 409)
    }
}
