import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// The engine against a misbehaving teacher: faults, rate limits, rejection sampling, reasoning,
/// cancel, total failure.
@Suite(.serialized)
struct SynthesisEngineTests {
    typealias S = SynthesisTests

    static func chatRequests(_ teacher: FakeTeacherProcess) throws -> [[String: Any]] {
        // The pre-flight's one-token timing request (self-hosted teachers) is not a seed.
        try teacher.logEntries().filter { ($0["path"] as? String) == "/v1/chat/completions" && ($0["seed"] as? String) != PreflightCheck.timingPrompt }
    }

    static func childRows(_ test: TestApp, _ job: [String: Any]) throws -> [[String: Any]] {
        guard let childID = (job["childDatasetID"] as? NSNumber)?.int64Value else { return [] }
        return try test.json("/api/datasets/\(childID)/rows?per_page=500")["items"] as? [[String: Any]] ?? []
    }

    @Test func faultsAreRetriedAndNeverBecomeRows() throws {
        let teacher = try FakeTeacherProcess([
            "--api-key", S.teacherKey, "--seed", "7", "--rate-500", "0.05", "--rate-malformed", "0.02", "--rate-empty", "0.05",
            "--rate-truncated", "0.02", "--rate-hang", "0.01",
        ])
        let test = try TestApp()
        defer { test.removeFiles() }
        let count = 300
        let parent = try test.uploadRaw(S.seeds(count), name: "faulty", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: ["request_timeout_seconds": "1", "max_in_flight": "32"]))
        let job = try S.waitForJob(test, jobID)
        #expect(job["status"] as? String == "completed")
        #expect(job["written"] as? Int == count)
        #expect((job["retries"] as? Int ?? 0) > 0, "the fault rates must have caused retries")
        let rows = try Self.childRows(test, job)
        #expect(rows.count == count)
        var answers = Set<String>()
        for row in rows {
            let messages = (row["row"] as? [String: Any])?["messages"] as? [[String: String]] ?? []
            let answer = messages.last?["content"] ?? ""
            #expect(answer.hasPrefix("Answer to: Seed number"), "an unusable answer became a row: \(answer.prefix(80))")
            #expect(!answer.isEmpty)
            answers.insert(answer)
        }
        #expect(answers.count == count, "no duplicate rows")
        // No seed was sent again after a usable answer arrived.
        var usableAnswers: [String: Int] = [:]
        for entry in try Self.chatRequests(teacher) {
            let seed = entry["seed"] as? String ?? ""
            if (entry["status"] as? Int) == 200 && (entry["fault"] as? String ?? "").isEmpty {
                usableAnswers[seed, default: 0] += 1
            }
        }
        #expect(usableAnswers.count == count)
        #expect(usableAnswers.values.allSatisfy { $0 == 1 }, "a seed was answered usefully twice")
    }

    @Test func aRateLimitPausesTheWholeJobAndEverySeedStillLands() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        // Two seeds get a scripted 429 (with Retry-After) on their first try.
        let parent = try test.uploadRaw(
            S.seeds(40) { $0 == 3 || $0 == 4 ? " [fail:429]" : "" }, name: "limited", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: ["max_in_flight": "4"]))
        let job = try S.waitForJob(test, jobID)
        #expect(job["written"] as? Int == 40)
        let log = try Self.chatRequests(teacher)
        let limited = log.filter { ($0["status"] as? Int) == 429 }
        #expect(limited.count == 2)
        // After the first 429, nothing was sent until its Retry-After had passed (job-wide pause).
        let first429 = try #require(limited.compactMap { $0["t"] as? Double }.min())
        let sentSoonAfter = log.filter {
            guard let received = $0["t_received"] as? Double else { return false }
            return received > first429 + 0.05 && received < first429 + 0.9
        }
        #expect(sentSoonAfter.isEmpty, "\(sentSoonAfter.count) requests went out during the Retry-After pause")
    }

    @Test func declaredRequestsPerMinuteProduceNo429() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--rpm-limit", "600"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(30), name: "paced", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let started = Date()
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: ["requests_per_minute": "600", "max_in_flight": "64"]))
        let job = try S.waitForJob(test, jobID)
        let elapsed = Date().timeIntervalSince(started)
        #expect(job["written"] as? Int == 30)
        #expect(try Self.chatRequests(teacher).allSatisfy { ($0["status"] as? Int) != 429 })
        // 30 requests at 10 per second cannot take less than ~2.9 s: they were paced, not burst.
        #expect(elapsed > 2.5, "30 requests at 600/min finished in \(elapsed) s")
    }

    @Test(arguments: [true, false])
    func rejectionSamplingWritesTheJudgesPick(supportsN: Bool) throws {
        // The fake judge picks the candidate containing "(candidate 2)"; the row must be that one.
        // Distillery's judge prompt opens "You are a strict evaluator"; that is how the fake spots it.
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--judge-word", "strict evaluator"] + (supportsN ? [] : ["--no-n"]))
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(12), name: "judged", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        // A custom server may declare `n` support (vLLM has it); then one request brings all three candidates.
        let jobID = try S.jobID(try S.start(
            test, dataset: parent, teacher: teacher, extra: ["rejection_sampling": "true", "supports_n": supportsN ? "true" : "false"]))
        let job = try S.waitForJob(test, jobID)
        #expect(job["written"] as? Int == 12, "skipped: \(job["skipReasons"] ?? "")")
        let rows = try Self.childRows(test, job)
        for row in rows {
            let answer = ((row["row"] as? [String: Any])?["messages"] as? [[String: String]])?.last?["content"] ?? ""
            #expect(answer.hasSuffix("(candidate 2)"), "the row is not the judge's pick: \(answer)")
            let metadata = row["metadata"] as? [String: Any] ?? [:]
            let candidates = metadata["candidates"] as? [String] ?? []
            #expect(candidates.count == 3)
            // The recorded pick is the candidate written as the row (separate requests may answer in any order).
            let pick = try #require(metadata["candidate_index"] as? Int)
            #expect(candidates.indices.contains(pick) && candidates[pick] == answer)
            #expect((metadata["judge_reason"] as? String)?.isEmpty == false)
        }
        let log = try Self.chatRequests(teacher)
        // One verdict per seed, and the swap check's second verdict on the tenth seed (10% by default).
        #expect(log.filter { ($0["judge"] as? Bool) == true }.count == 12 + 1)
        #expect(log.filter { ($0["judge"] as? Bool) != true }.count == (supportsN ? 12 : 36))
    }

    @Test func cancelKeepsWhatFinishedAndStopsSending() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "200"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(400), name: "to cancel", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: ["max_in_flight": "8"]))
        let deadline = Date().addingTimeInterval(30)
        while (try test.json("/api/synthesis/\(jobID)")["written"] as? Int ?? 0) < 20 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        // Deleting the seeds while the job uses them is refused.
        #expect(try test.request("DELETE", "/api/datasets/\(parent)").status == 409)
        // Cancel from the job page, as a person would.
        let browser = BrowserSession(test)
        try browser.signIn()
        #expect(try browser.get("/synthesis/\(jobID)").text.contains("Cancel job"))
        let cancelled = try browser.submit("/synthesis/\(jobID)/cancel", fields: [], csrfFrom: "/synthesis/\(jobID)")
        #expect(cancelled.status == 303)
        let job = try S.waitForJob(test, jobID)
        #expect(job["status"] as? String == "cancelled")
        let written = job["written"] as? Int ?? 0
        #expect(written >= 20 && written < 400)
        #expect(try Self.childRows(test, job).count == written, "what finished is kept as the child")
        let ended = Date().timeIntervalSince1970
        Thread.sleep(forTimeInterval: 0.5)
        let late = try Self.chatRequests(teacher).filter { ($0["t_received"] as? Double ?? 0) > ended }
        #expect(late.isEmpty, "\(late.count) requests were sent after the job ended")
        #expect(try test.request("POST", "/api/synthesis/\(jobID)/cancel").status == 409)
        #expect((try test.json("/api/datasets/\(parent)")["dataset"] as? [String: Any])?["status"] as? String == "valid_seeds")
    }

    @Test func twoJobsRunAtOnce() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "100"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let first = try test.uploadRaw(S.seeds(60), name: "first", mode: "seeds", skillPrompt: S.skill)
        let second = try test.uploadRaw(S.seeds(60), name: "second", mode: "seeds", skillPrompt: "Answer in French.")
        _ = try test.waitUntilValidated(first)
        _ = try test.waitUntilValidated(second)
        let started = Date()
        let jobs = try [first, second].map { try S.jobID(try S.start(test, dataset: $0, teacher: teacher, extra: ["max_in_flight": "4"])) }
        let results = try jobs.map { try S.waitForJob(test, $0) }
        let elapsed = Date().timeIntervalSince(started)
        #expect(results.allSatisfy { $0["status"] as? String == "completed" && $0["written"] as? Int == 60 })
        // Each alone needs 60 × 0.1 s / 4 = 1.5 s; one after the other would take 3 s.
        #expect(elapsed < 2.8, "two jobs took \(elapsed) s: they did not run at the same time")
        #expect(try Self.chatRequests(teacher).count == 120)
    }

    @Test func whenEverySeedFailsTheJobFailsWithTheCommonErrorAndNoChild() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--rate-500", "1.0"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(6), name: "doomed", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: ["max_in_flight": "6"]))
        let job = try S.waitForJob(test, jobID, timeoutSeconds: 180)
        #expect(job["status"] as? String == "failed")
        #expect(job["childDatasetID"] == nil || job["childDatasetID"] is NSNull)
        #expect((job["failure"] as? String)?.contains("HTTP 500") == true)
        let reasons = try #require(job["skipReasons"] as? [[String: Any]])
        #expect(reasons.first?["code"] as? String == "server_error")
        #expect(reasons.first?["count"] as? Int == 6)
        // Each seed was tried the policy's five times, then skipped.
        #expect(try Self.chatRequests(teacher).count == 30)
    }

    @Test func reasoningIsDroppedByDefaultAndKeptAsThinkOnRequest() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--reasoning"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(3), name: "thinking", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        for keep in [false, true] {
            let jobID = try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: ["keep_reasoning": keep ? "true" : "false"]))
            let job = try S.waitForJob(test, jobID)
            // Three rows are below the 100-example floor, so the child is invalid; its rows are still there to read.
            let answer = try Self.childRows(test, job).compactMap { ((($0["row"] as? [String: Any])?["messages"] as? [[String: String]])?.last?["content"]) }.first ?? ""
            if keep {
                #expect(answer.hasPrefix("<think>Reasoning about: Seed number 0</think>\n"))
                #expect(answer.hasSuffix("Answer to: Seed number 0"))
            } else {
                #expect(answer == "Answer to: Seed number 0")
            }
        }
    }
}
