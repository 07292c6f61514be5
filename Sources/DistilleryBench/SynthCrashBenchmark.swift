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
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchFailure("\(binary) not found; build it with swift build -c release --product distillery")
        }
        let directory = NSTemporaryDirectory() + "distillery-crash-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let teacher = try FakeTeacherProcess(["--api-key", "sk-bench", "--latency-ms", "100"])

        let add = Process()
        add.executableURL = URL(fileURLWithPath: binary)
        add.arguments = ["user", "add", "bench", "--admin", "--data", directory]
        let input = Pipe()
        add.standardInput = input
        add.standardOutput = FileHandle.nullDevice
        try add.run()
        input.fileHandleForWriting.write(Data("bench password 123\n".utf8))
        try input.fileHandleForWriting.close()
        add.waitUntilExit()
        let database = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
        let token = "dst_bench_" + RandomToken.generate()
        guard let user = try UserStore(database: database).credentials(name: "bench")?.user else { throw BenchFailure("no user") }
        _ = try APITokenStore(database: database).create(userID: user.id, name: "bench", tokenHash: SecretDigest.sha256Hex(token), prefix: "dst_bench", now: 1)

        var server: Process? = try startServer(directory: directory)
        let base = try readURL(server!)
        let api = { (method: String, path: String, body: [UInt8]?, type: String) throws -> [String: Any] in
            let response = try HTTPClient.send(HTTPClientRequest(
                method: method, url: base.value + path, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", type)],
                body: body.map { .bytes($0) } ?? .none, timeoutSeconds: 60))
            return (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
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
        kill(server!.processIdentifier, SIGKILL)
        server!.waitUntilExit()
        server = nil
        let doneAtKill = Set(try database.read {
            try $0.query("SELECT input FROM synthesis_seeds WHERE job_id = ? AND status = 'done'", .integer(jobID)).compactMap { $0.string("input") }
        })
        Thread.sleep(forTimeInterval: 0.3)  // the teacher logs answers to requests the kill cut off
        let before = teacher.chatLog()
        let sentBefore = Set(before.compactMap { $0["seed"] as? String })
        let inFlightAtKill = sentBefore.subtracting(doneAtKill)

        server = try startServer(directory: directory)
        let restartedBase = try readURL(server!)
        base.value = restartedBase.value
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
        kill(server!.processIdentifier, SIGTERM)
        server!.waitUntilExit()
        database.close()
        print("\(seeds)-seed job, SIGKILL after \(doneAtKill.count) committed answers (\(inFlightAtKill.count) seeds sent but not committed at the kill)")
        print("  after restart: status \(state["status"] ?? "?"), rows \(rows?.int("n") ?? -1) (target \(seeds)), distinct rows \(rows?.int("distinct_rows") ?? -1)")
        print("  seeds sent again after the restart: \(sentAgain.count), all of them in flight at the kill: \(sentAgain.isSubset(of: inFlightAtKill)); committed seeds sent again: \(resentDone.count) (target 0)")
    }

    final class Box: @unchecked Sendable {
        var value: String
        init(_ value: String) { self.value = value }
    }

    func startServer(directory: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0", "--data", directory]
        process.standardOutput = Pipe()
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func readURL(_ process: Process) throws -> Box {
        guard let pipe = process.standardOutput as? Pipe else { throw BenchFailure("no stdout") }
        var text = ""
        while !text.contains("\n") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchFailure("the server exited: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: "running at "), let end = text[range.upperBound...].firstIndex(of: " ") else {
            throw BenchFailure("unexpected output: \(text)")
        }
        var url = String(text[range.upperBound..<end])
        if url.hasSuffix("/") { url.removeLast() }
        return Box(url)
    }
}
