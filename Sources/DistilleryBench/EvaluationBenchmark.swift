import ArgumentParser
import DistilleryCore
import DistilleryStorage
import DistilleryTestSupport
import Foundation

/// `distillery-bench eval-speed`: issue 12's "must show". An evaluation of 1,000 held-out rows runs in the real server
/// (`POST /api/evaluations`) with the student and the judge on separate fake teachers, both answering in 200 ms. Prints
/// the wall time against the floor the two stages set, their ratio (target ≤ 1.10) and the server's peak RSS.
struct EvaluationBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-speed",
        abstract: "1,000 rows evaluated: student and judge on separate endpoints at 200 ms; wall time vs the two stages' floor.")

    @Option(help: "The distillery executable.")
    var binary = FileManager.default.currentDirectoryPath + "/.build/release/distillery"

    @Option(help: "Held-out rows.")
    var rows = 1_000

    @Option(help: "Both endpoints' latency per call, in milliseconds.")
    var latencyMs = 200

    @Option(help: "Student requests in flight at once.")
    var studentInFlight = 64

    @Option(help: "Judge requests in flight at once (three calls per row: the grade and both preference orders).")
    var judgeInFlight = 192

    func run() throws {
        let directory = NSTemporaryDirectory() + "distillery-bench-eval-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try BenchServer(binary: binary, directory: directory)
        let student = try FakeTeacherProcess(["--latency-ms", "\(latencyMs)", "--models", "student-v1"])
        let judge = try FakeTeacherProcess(["--latency-ms", "\(latencyMs)", "--models", "judge-large"])
        try server.start()
        let lines = (0..<rows).map { index in
            SynthesisJSON.object([("messages", .array([
                .object([("role", "system"), ("content", "You are a concise support agent.")]),
                .object([("role", "user"), ("content", .string("Benchmark question \(index): how do I rotate my API key?"))]),
                .object([("role", "assistant"), ("content", .string("Open Settings, then Keys, and choose Rotate (\(index))."))]),
            ]))]).serialized
        }
        let uploaded = try server.api(
            "POST", "/api/datasets?name=held%20out&mode=chat", body: Array((lines.joined(separator: "\n") + "\n").utf8), type: "application/jsonl")
        guard let datasetID = ((uploaded["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value else {
            throw BenchFailure("upload failed: \(uploaded)")
        }
        let datasetStatus = { try server.database.read { try $0.scalar("SELECT status FROM datasets WHERE id = ?", .integer(datasetID))?.stringValue } }
        while try datasetStatus() == "validating" { Thread.sleep(forTimeInterval: 0.01) }

        func endpoint(_ teacher: FakeTeacherProcess, _ model: String, inFlight: Int) -> [String: Any] {
            ["provider": "openai-compatible", "model": model, "base_url": teacher.apiBaseURL, "max_in_flight": inFlight]
        }
        let body = try JSONSerialization.data(withJSONObject: [
            "name": "bench", "dataset_id": datasetID, "split": "all", "dimensions": ["correct", "answers_request", "safe"],
            "student": endpoint(student, "student-v1", inFlight: studentInFlight), "judge": endpoint(judge, "judge-large", inFlight: judgeInFlight),
        ])
        let started = Date()
        let created = try server.send("POST", "/api/evaluations", body: Array(body))
        let answer = (try? JSONSerialization.jsonObject(with: Data(created.body)) as? [String: Any]) ?? [:]
        guard created.status == 201, let jobID = (answer["jobID"] as? NSNumber)?.int64Value else {
            throw BenchFailure("POST /api/evaluations answered \(created.status): \(String(decoding: created.body, as: UTF8.self))")
        }
        // Watched in the database (as the server's own readers do), so polling takes no CPU from the run it measures.
        let status = { try server.database.read { try $0.scalar("SELECT status FROM evaluation_runs WHERE job_id = ?", .integer(jobID))?.stringValue } }
        while try status() == "queued" || status() == "running" { Thread.sleep(forTimeInterval: 0.005) }
        let seconds = Date().timeIntervalSince(started)
        let peakKB = server.peakRSSKB()
        let judged = try server.database.read { try $0.scalar("SELECT judged FROM evaluation_runs WHERE job_id = ?", .integer(jobID))?.intValue } ?? 0
        server.stop()

        // The floor: the student answers n rows Cs at a time (⌈n / Cs⌉ rounds of L); the judge makes 3n calls Cj at a time
        // (⌈3n / Cj⌉ rounds). The stages overlap (a row is judged as soon as its answer is in), so the slower stage sets the
        // pace, plus one round of the other at the edge: the judge cannot start before the first answers, nor finish
        // before judging the last.
        let latency = Double(latencyMs) / 1000
        let studentRounds = (rows + studentInFlight - 1) / studentInFlight
        let judgeRounds = (3 * rows + judgeInFlight - 1) / judgeInFlight
        let floor = latency * Double(max(studentRounds, judgeRounds) + 1)
        let studentLog = student.synthesisLog()
        let judgeLog = judge.synthesisLog()
        let studentCalls = studentLog.count
        let judgeCalls = judgeLog.count
        // The teachers' own span: the student's first request received to the judge's last answer sent.
        let firstReceived = studentLog.compactMap { $0["t_received"] as? Double }.min() ?? 0
        let lastAnswered = judgeLog.compactMap { $0["t"] as? Double }.max() ?? 0
        let wire = lastAnswered - firstReceived
        print("""
            \(rows) rows evaluated (\(judged) judged, status \(try status() ?? "?")); student and judge on separate endpoints at \(latencyMs) ms
              student: \(studentCalls) calls, \(studentInFlight) in flight → \(studentRounds) rounds; judge: \(judgeCalls) calls (3 per row), \(judgeInFlight) in flight → \(judgeRounds) rounds
              floor = L × (max(⌈n/Cs⌉, ⌈3n/Cj⌉) + 1) = \(latencyMs) ms × \(max(studentRounds, judgeRounds) + 1) = \(String(format: "%.2f", floor)) s
              wall time (POST → run ended): \(String(format: "%.2f", seconds)) s; ratio \(String(format: "%.3f", seconds / floor)) (target ≤ 1.10)
              first student request to last verdict (the teachers' logs): \(String(format: "%.2f", wire)) s = \(String(format: "%.3f", wire / floor))× the floor
              server peak RSS: \(peakKB.map { "\($0 / 1024) MiB" } ?? "unknown")
            """)
    }
}
