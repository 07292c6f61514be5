import ArgumentParser
import DistilleryPlatform
import DistilleryStorage
import DistilleryTestSupport
import Foundation

/// `distillery-bench synth-crash`: kill -9 the real server in the middle of a 2,000-seed job, start
/// it again, and check the rows and the teacher's request log.
struct SynthCrashBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-crash", abstract: "SIGKILL the server mid-job (2,000 seeds), restart it, count rows and re-sent seeds.")

    @Option(help: "The distillery executable.")
    var binary = FileManager.default.currentDirectoryPath + "/.build/release/distillery"

    @Option(help: "Seeds in the job.")
    var seeds = 2000

    func run() throws {
        let directory = NSTemporaryDirectory() + "distillery-crash-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try BenchServer(binary: binary, directory: directory)
        let database = server.database
        let teacher = try FakeTeacherProcess(["--api-key", "sk-bench", "--latency-ms", "100"])
        try server.start()
        let api = { (method: String, path: String, body: [UInt8]?, type: String) throws -> [String: Any] in
            try server.api(method, path, body: body, type: type)
        }
        let seedsText = (0..<seeds).map { "{\"input\":\"Crash seed \($0)\"}" }.joined(separator: "\n") + "\n"
        let created = try api("POST", "/api/datasets?name=crash&mode=seeds&skill_prompt=Be+brief.", Array(seedsText.utf8), "application/jsonl")
        guard let parent = ((created["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value else { throw BenchFailure("upload failed: \(created)") }
        while ((try api("GET", "/api/datasets/\(parent)", nil, "text/plain"))["dataset"] as? [String: Any])?["status"] as? String == "validating" {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let settings = try JSONSerialization.data(withJSONObject: [
            "provider": "openai-compatible", "custom_model": "fake-teacher", "base_url": teacher.apiBaseURL, "api_key": "sk-bench", "max_in_flight": "64",
        ])
        let job = try api("POST", "/api/datasets/\(parent)/synthesis", Array(settings), "application/json")
        guard let jobID = (job["jobID"] as? NSNumber)?.int64Value else { throw BenchFailure("start failed: \(job)") }

        let countDone = { try database.read { try $0.scalar("SELECT COUNT(*) FROM synthesis_seeds WHERE job_id = ? AND status = 'done'", .integer(jobID))?.intValue ?? 0 } }
        while try countDone() < seeds * 2 / 5 { Thread.sleep(forTimeInterval: 0.002) }
        server.stop(signal: SIGKILL)
        let doneAtKill = Set(try database.read {
            try $0.query("SELECT input FROM synthesis_seeds WHERE job_id = ? AND status = 'done'", .integer(jobID)).compactMap { $0.string("input") }
        })
        Thread.sleep(forTimeInterval: 0.3)  // the teacher logs answers to requests the kill cut off
        let before = teacher.chatLog()
        let sentBefore = Set(before.compactMap { $0["seed"] as? String })
        let inFlightAtKill = sentBefore.subtracting(doneAtKill)

        try server.start()
        var state: [String: Any] = [:]
        repeat {
            Thread.sleep(forTimeInterval: 0.1)
            state = try api("GET", "/api/synthesis/\(jobID)", nil, "text/plain")
        } while state["isActive"] as? Bool != false
        let after = teacher.chatLog().dropFirst(before.count)
        let sentAfter = after.compactMap { $0["seed"] as? String }
        let resentDone = Set(sentAfter).intersection(doneAtKill)
        let sentAgain = Set(sentAfter).intersection(sentBefore)
        let childID = (state["childDatasetID"] as? NSNumber)?.int64Value ?? 0
        let rows = try database.read {
            try $0.queryOne("SELECT COUNT(*) AS n, COUNT(DISTINCT body) AS distinct_rows FROM dataset_rows WHERE dataset_id = ?", .integer(childID))
        }
        server.stop()
        print("\(seeds)-seed job, SIGKILL after \(doneAtKill.count) committed answers (\(inFlightAtKill.count) seeds sent but not committed at the kill)")
        print("  after restart: status \(state["status"] ?? "?"), rows \(rows?.int("n") ?? -1) (target \(seeds)), distinct rows \(rows?.int("distinct_rows") ?? -1)")
        print("  seeds sent again after the restart: \(sentAgain.count), all of them in flight at the kill: \(sentAgain.isSubset(of: inFlightAtKill)); committed seeds sent again: \(resentDone.count) (target 0)")
    }
}
