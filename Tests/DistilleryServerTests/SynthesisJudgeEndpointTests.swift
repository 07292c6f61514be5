import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// Rejection sampling's judge as its own endpoint (another server, model and key), and the number of candidates.
@Suite(.serialized)
struct SynthesisJudgeEndpointTests {
    typealias S = SynthesisTests
    static let judgeKey = "sk-fake-judge-key-0987654321"

    static func judgeFields(_ judge: FakeTeacherProcess, key: String = judgeKey) -> [String: Any] {
        [
            "rejection_sampling": "true", "judge_provider": "openai-compatible", "judge_custom_model": "fake-judge",
            "judge_base_url": judge.baseURL + "/v1", "judge_api_key": key,
        ]
    }

    @Test func aSeparateJudgeGetsOnlyTheVerdictsWithItsOwnModelAndKey() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--no-n"])
        let judge = try FakeTeacherProcess(["--api-key", Self.judgeKey, "--judge-word", "strict evaluator"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(10), name: "judged apart", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        var fields = Self.judgeFields(judge)
        fields["candidates"] = "2"
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: fields))
        let job = try S.waitForJob(test, jobID)
        #expect(job["written"] as? Int == 10, "skipped: \(job["skipReasons"] ?? "")")

        // Tokens and cost are kept per endpoint, and add up to the job's.
        let endpoints = try #require(job["endpoints"] as? [[String: Any]])
        #expect(endpoints.map { $0["name"] as? String } == ["teacher", "judge"])
        // Ten verdicts, and the swap check's second verdict on the tenth seed (10% by default).
        #expect(endpoints.map { $0["answered"] as? Int } == [20, 11])
        #expect(endpoints.map { $0["model"] as? String } == ["fake-teacher", "fake-judge"])
        #expect(endpoints.reduce(0) { $0 + ($1["tokensIn"] as? Int ?? 0) } == job["tokensIn"] as? Int)
        #expect(endpoints.reduce(0) { $0 + ($1["tokensOut"] as? Int ?? 0) } == job["tokensOut"] as? Int)
        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.get("/synthesis/\(jobID)").text
        #expect(page.contains("<td>judge</td><td>fake-judge</td><td>11</td>"))
        #expect(page.contains("Candidates per seed"))

        let teacherLog = try SynthesisEngineTests.chatRequests(teacher)
        #expect(teacherLog.count == 20, "two candidates per seed, one request each (no n)")
        #expect(teacherLog.allSatisfy { ($0["judge"] as? Bool) != true && ($0["model"] as? String) == "fake-teacher" })
        let judgeLog = try SynthesisEngineTests.chatRequests(judge)
        #expect(judgeLog.count == 10 + 1)
        #expect(judgeLog.allSatisfy { ($0["judge"] as? Bool) == true && ($0["model"] as? String) == "fake-judge" && ($0["status"] as? Int) == 200 })

        for row in try SynthesisEngineTests.childRows(test, job) {
            let answer = ((row["row"] as? [String: Any])?["messages"] as? [[String: String]])?.last?["content"] ?? ""
            let metadata = row["metadata"] as? [String: Any] ?? [:]
            let candidates = metadata["candidates"] as? [String] ?? []
            #expect(candidates.count == 2)
            let verdict = try #require(metadata["judge"] as? [String: Any])
            #expect(verdict["model"] as? String == "fake-judge")
            let order = try #require(verdict["order_seen"] as? [Int])
            #expect(order.sorted() == [0, 1])
            #expect(verdict["candidate_lengths"] as? [Int] == candidates.map(\.count))
            // The label the judge gave maps, through the order it saw, to the candidate written as the row.
            let label = try #require(verdict["label"] as? Int)
            #expect(candidates[order[label - 1]] == answer)
            #expect(metadata["candidate_index"] as? Int == order[label - 1])
        }
    }

    /// A judge of its own is paced on its own: here one verdict at a time while the teacher answers eight at once, as each
    /// server saw it (its own count of requests open at once), not as a clock measured it.
    @Test func aSeparateJudgeKeepsItsOwnInFlightCapAndRates() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--no-n", "--latency-ms", "60"])
        let judge = try FakeTeacherProcess(["--api-key", Self.judgeKey, "--latency-ms", "60"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(24), name: "judge paced apart", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        var fields = Self.judgeFields(judge)
        fields["max_in_flight"] = "8"
        fields["judge_max_in_flight"] = "1"
        fields["judge_requests_per_minute"] = "6000"
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: fields))
        let job = try S.waitForJob(test, jobID)
        #expect(job["written"] as? Int == 24, "skipped: \(job["skipReasons"] ?? "")")
        #expect(try judge.stats()["concurrent_max"] as? Int == 1, "the judge's own cap of one request in flight")
        #expect((try teacher.stats()["concurrent_max"] as? Int ?? 0) > 1, "the teacher keeps its own cap of eight")

        // The job's settings say what the judge ran with; a bad value is named by its field.
        let browser = BrowserSession(test)
        try browser.signIn()
        let settingsText = try browser.get("/synthesis/\(jobID)").text
        #expect(settingsText.contains("<dt>Judge requests in flight</dt><dd>1</dd>"))
        #expect(settingsText.contains("<dt>Judge requests per minute</dt><dd>6,000</dd>"))
        var bad = Self.judgeFields(judge)
        bad["judge_max_in_flight"] = "0"
        let refused = try S.start(test, dataset: parent, teacher: teacher, extra: bad)
        #expect(refused.status == 422)
        #expect(refused.text.contains("judge_max_in_flight"))
    }

    @Test func retryingSkippedSeedsKeepsTheJudgesEndpoint() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        // The judge is another server on the teacher's provider, so it takes the teacher's key; it first answers garbage.
        let judge = try FakeTeacherProcess(["--api-key", S.teacherKey, "--judge-word", "strict evaluator", "--judge-garbage-rate", "1"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(6), name: "judge retry", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        var fields = Self.judgeFields(judge)
        fields["judge_api_key"] = nil
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: fields))
        let failed = try S.waitForJob(test, jobID)
        #expect(failed["written"] as? Int == 0)
        let judgedFirst = try SynthesisEngineTests.chatRequests(judge).count
        #expect(judgedFirst > 0)

        _ = try judge.control(["judge_garbage_rate": 0])
        let retried = try SynthesisRecoveryTests.postJSON(test, "/api/synthesis/\(jobID)/retry-skipped", ["api_key": S.teacherKey])
        #expect(retried.status == 202, "\(retried.text)")
        let job = try S.waitForJob(test, jobID)
        #expect(job["written"] as? Int == 6, "skipped: \(job["skipReasons"] ?? "")")
        let verdicts = try SynthesisEngineTests.chatRequests(judge).dropFirst(judgedFirst)
        #expect(verdicts.count >= 6 && verdicts.allSatisfy { ($0["model"] as? String) == "fake-judge" })
        #expect(try SynthesisEngineTests.chatRequests(teacher).allSatisfy { ($0["judge"] as? Bool) != true })
    }

    @Test func aWrongJudgeKeyFailsThePreFlightOnTheJudgesField() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let judge = try FakeTeacherProcess(["--api-key", Self.judgeKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(3), name: "bad judge key", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let response = try S.start(test, dataset: parent, teacher: teacher, extra: Self.judgeFields(judge, key: "sk-wrong-judge-key-000"))
        #expect(response.status == 422)
        let fields = (try TestApp.object(response)["error"] as? [String: Any]).flatMap { $0["fields"] as? [String: String] } ?? [:]
        #expect(fields["judge_api_key"]?.contains("401") == true, "\(fields)")
        #expect(fields["api_key"] == nil, "the teacher's key was fine")
        #expect(!response.text.contains("sk-wrong-judge-key-000"))
        #expect(try SynthesisEngineTests.chatRequests(teacher).isEmpty)
    }

    @Test func badCandidateAndJudgeFieldsAreNamed() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(3), name: "bad fields", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let rows: [(field: String, value: String, extra: [String: Any])] = [
            ("candidates", "0", [:]), ("candidates", "6", [:]), ("top_p", "1.5", [:]),
            ("judge_saved_key_id", "x", ["judge_provider": "qwen"]),
            ("judge_provider", "nobody", [:]),
            ("judge_model", "no-such-model", ["judge_provider": "qwen"]),
            ("judge_base_url", "", ["judge_provider": "openai-compatible", "judge_custom_model": "fake-judge"]),
        ]
        for row in rows {
            var fields: [String: Any] = ["rejection_sampling": "true", row.field: row.value]
            fields.merge(row.extra) { $1 }
            let response = try S.start(test, dataset: parent, teacher: teacher, extra: fields)
            #expect(response.status == 422, "\(row.field)=\(row.value)")
            let named = (try TestApp.object(response)["error"] as? [String: Any]).flatMap { $0["fields"] as? [String: String] } ?? [:]
            #expect(named[row.field] != nil, "\(row.field)=\(row.value): \(named)")
        }
        #expect(try SynthesisEngineTests.chatRequests(teacher).isEmpty)
    }
}

/// The dialog's Judge section.
@Suite(.serialized)
struct SynthesisJudgeDialogTests {
    typealias S = SynthesisTests

    @Test func theDialogWarnsWhenTheJudgeIsOfTheTeachersFamily() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(3), name: "seeds", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let browser = BrowserSession(test)
        try browser.signIn()
        let base = "/datasets/\(parent)/synthesize?provider=deepseek&model=deepseek-chat&rejection_sampling=true"
        let plain = try browser.get("/datasets/\(parent)/synthesize").text
        #expect(plain.contains("Judge (rejection sampling)"))
        #expect(plain.contains(#"<option value="" selected>Same as the teacher</option>"#), "the teacher judges unless the user picks a judge")
        #expect(!plain.contains("data-judge-family-warning"), "no rejection sampling, no warning")
        let itself = try browser.get(base).text
        #expect(itself.contains("data-judge-family-warning") && itself.contains("(deepseek)"))
        let sibling = try browser.get(base + "&judge_provider=deepseek&judge_model=deepseek-reasoner").text
        #expect(sibling.contains("The judge (deepseek-reasoner) is of the teacher&#39;s family (deepseek)")
            || sibling.contains("The judge (deepseek-reasoner) is of the teacher's family (deepseek)"))
        let other = try browser.get(base + "&judge_provider=qwen&judge_model=qwen-plus&candidates=5").text
        #expect(!other.contains("data-judge-family-warning"))
        #expect(other.contains(#"<option value="5" selected>5</option>"#))
        #expect(other.contains(#"<option value="qwen" selected>"#))
    }
}
