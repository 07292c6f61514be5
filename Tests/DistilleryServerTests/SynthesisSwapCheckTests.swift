import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// Rejection sampling's swap check against the fake teacher: a judge scripted to pick by position on given seeds
/// flips exactly there, the flip rate is exact, the rows are marked, and a fraction of 0 sends no second verdict.
@Suite(.serialized)
struct SynthesisSwapCheckTests {
    typealias S = SynthesisTests

    static func judgeRequests(_ teacher: FakeTeacherProcess) throws -> [[String: Any]] {
        try SynthesisEngineTests.chatRequests(teacher).filter { ($0["judge"] as? Bool) == true }
    }

    /// Each child row's seed text and its metadata's judge record.
    static func judgeRecords(_ test: TestApp, _ job: [String: Any]) throws -> [String: [String: Any]] {
        var records: [String: [String: Any]] = [:]
        for row in try SynthesisEngineTests.childRows(test, job) {
            let seed = ((row["row"] as? [String: Any])?["messages"] as? [[String: String]])?[1]["content"] ?? ""
            records[seed] = (row["metadata"] as? [String: Any])?["judge"] as? [String: Any] ?? [:]
        }
        return records
    }

    @Test func aJudgeThatFlipsOnGivenSeedsGivesTheExactFlipRateAndMarksExactlyThoseRows() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        // At 25%, seeds 3, 7, 11, 15 and 19 are checked. The judge picks by position on seeds 3 and 11 (checked: flips)
        // and on seed 5 (not checked: nobody can tell).
        let positional: Set<Int> = [3, 5, 11]
        let parent = try test.uploadRaw(
            S.seeds(20) { positional.contains($0) ? " [judge:first]" : "" }, name: "swap", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try S.jobID(try S.start(
            test, dataset: parent, teacher: teacher,
            extra: ["rejection_sampling": "true", "candidates": "3", "supports_n": "true", "swap_check_fraction": "0.25"]))
        let job = try S.waitForJob(test, jobID)
        #expect(job["written"] as? Int == 20, "skipped: \(job["skipReasons"] ?? "")")

        let swap = try #require(job["swapCheck"] as? [String: Any])
        #expect(swap["checked"] as? Int == 5)
        #expect(swap["flips"] as? Int == 2)
        #expect(swap["flipRate"] as? Double == 0.4)
        #expect(swap["fraction"] as? Double == 0.25)
        #expect(swap["publishedFlipRate"] as? Double == 0.129)
        // One verdict per seed, and a second one for each checked seed.
        #expect(try Self.judgeRequests(teacher).count == 25)

        let records = try Self.judgeRecords(test, job)
        #expect(records.count == 20)
        for index in 0..<20 {
            let record = try #require(records["Seed number \(index)\(positional.contains(index) ? " [judge:first]" : "")"])
            let checked = [3, 7, 11, 15, 19].contains(index)
            #expect(record["swap_checked"] as? Bool == checked, "seed \(index)")
            #expect(record["low_confidence"] as? Bool == (checked ? [3, 11].contains(index) : nil), "seed \(index)")
            #expect(record["flipped"] as? Bool == (checked ? [3, 11].contains(index) : nil), "seed \(index)")
            if checked, let order = record["order_seen"] as? [Int], let label = record["label"] as? Int {
                // The row is the first verdict's pick; the swap's pick is the candidate shown first in the reversed prompt.
                #expect(record["swap_pick"] as? Int == ([3, 11].contains(index) ? order.last : order[label - 1]))
            }
        }

        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.get("/synthesis/\(jobID)").text
        #expect(page.contains("2 of 5 swap-checked seeds flipped (40.0%; 25.0% of seeds checked)"))
        #expect(page.contains("12.9% of GPT-4&#39;s pairwise verdicts flip") || page.contains("12.9% of GPT-4's pairwise verdicts flip"))
        #expect(page.contains("<dt>Swap check</dt><dd>25.0% of seeds</dd>"))
    }

    @Test func aFractionOfZeroSendsNoSwapCallAndTheDefaultChecksOneSeedInTen() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(10) { _ in " [judge:first]" }, name: "no swap", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let fields: [String: Any] = ["rejection_sampling": "true", "candidates": "2", "supports_n": "true"]
        var off = fields
        off["swap_check_fraction"] = "0"
        let job = try S.waitForJob(test, try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: off)))
        #expect(job["written"] as? Int == 10)
        #expect(try Self.judgeRequests(teacher).count == 10, "no second verdict")
        let swap = try #require(job["swapCheck"] as? [String: Any])
        #expect(swap["checked"] as? Int == 0 && swap["flips"] as? Int == 0 && swap["flipRate"] == nil)
        #expect(try Self.judgeRecords(test, job).values.allSatisfy { $0["swap_checked"] as? Bool == false && $0["low_confidence"] == nil })

        // Not given: 10% of seeds, here the tenth (index 9), whose position-biased judge flips.
        let second = try S.waitForJob(test, try S.jobID(try S.start(test, dataset: parent, teacher: teacher, extra: fields)))
        #expect(second["written"] as? Int == 10)
        #expect(try Self.judgeRequests(teacher).count == 10 + 11)
        let defaulted = try #require(second["swapCheck"] as? [String: Any])
        #expect(defaulted["fraction"] as? Double == 0.1 && defaulted["checked"] as? Int == 1 && defaulted["flips"] as? Int == 1)
        let flagged = try Self.judgeRecords(test, second).filter { $0.value["low_confidence"] as? Bool == true }.map(\.key)
        #expect(flagged == ["Seed number 9 [judge:first]"])
    }

    @Test(arguments: ["1.5", "-0.1", "ten percent"])
    func aBadFractionIsRefusedNamingTheField(value: String) throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(3), name: "bad swap", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let refused = try S.start(test, dataset: parent, teacher: teacher, extra: ["rejection_sampling": "true", "swap_check_fraction": value])
        #expect(refused.status == 422)
        let fields = (try TestApp.object(refused)["error"] as? [String: Any])?["fields"] as? [String: String]
        #expect(fields?["swap_check_fraction"] == "Must be a number from 0.0 to 1.0.")
    }
}

/// kill -9 in the middle of a swap-checked job: after the restart the counts are exactly those of the seeds sampled,
/// none lost and none counted twice (they are added in the transaction that writes each row).
@Suite(.serialized)
struct SwapCheckCrashTests {
    @Test func theFlipCountsSurviveAKilledServer() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let teacher = try FakeTeacherProcess(["--api-key", SynthesisTests.teacherKey, "--latency-ms", "40"])
        let count = 200
        // Every seed is judged by position: each checked seed flips.
        let (server, token, jobID) = try SynthesisCrashTests.startJob(
            directory: directory, teacher: teacher, seeds: SynthesisTests.seeds(count) { _ in " [judge:first]" },
            fields: ["rejection_sampling": "true", "candidates": "2", "supports_n": "true", "swap_check_fraction": "0.25"])

        let observer = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
        let counts = {
            try observer.read {
                try $0.queryOne(
                    "SELECT written, swap_checked, swap_flips FROM synthesis_jobs WHERE job_id = ?", .integer(jobID))
                    .map { [$0.int("written") ?? 0, $0.int("swap_checked") ?? 0, $0.int("swap_flips") ?? 0] } ?? [0, 0, 0]
            }
        }
        let deadline = Date().addingTimeInterval(60)
        while try counts()[1] < 10 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        server.kill(SIGKILL)
        #expect(server.waitForExit() != nil)
        let atKill = try counts()
        observer.close()
        #expect(atKill[0] < count && atKill[1] >= 10, "killed at \(atKill)")

        let restarted = try ServerProcess(dataDirectory: directory)
        let send = ProcessTests.client(restarted.base, token: token)
        let job = try SynthesisCrashTests.waitForEnd(restarted.base, token: token, jobID: jobID)
        #expect(job["written"] as? Int == count)
        let swap = try #require(job["swapCheck"] as? [String: Any])
        #expect(swap["checked"] as? Int == 50 && swap["flips"] as? Int == 50, "\(swap)")
        let childID = try #require((job["childDatasetID"] as? NSNumber)?.int64Value)
        let rows = try #require(try TestApp.object(try send("GET", "/api/datasets/\(childID)/rows?per_page=500", .none, []))["items"] as? [[String: Any]])
        let marked = rows.filter { (($0["metadata"] as? [String: Any])?["judge"] as? [String: Any])?["low_confidence"] as? Bool == true }
        #expect(marked.count == 50)
        restarted.kill(SIGTERM)
        #expect(restarted.waitForExit() == 0)
    }
}
