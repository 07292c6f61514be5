import Foundation

/// The fake teacher (Tests/FakeTeacher/fake_teacher.py) for benchmarks: started with its options,
/// stopped at the end; its request log tells what the engine really sent.
final class BenchTeacher {
    let port: Int
    let logPath: String
    private let process = Process()

    init(_ arguments: [String], script: String = FileManager.default.currentDirectoryPath + "/Tests/FakeTeacher/fake_teacher.py") throws {
        guard FileManager.default.fileExists(atPath: script) else {
            throw BenchFailure("\(script) not found; run the benchmark from the package root")
        }
        logPath = NSTemporaryDirectory() + "bench-teacher-\(getpid())-\(UUID().uuidString).jsonl"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--port", "0", "--log", logPath] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(10) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchFailure("the fake teacher did not start") }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("LISTENING "), let port = Int(text.dropFirst(10)) else { throw BenchFailure("fake teacher said: \(text)") }
        self.port = port
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    func chatLog() -> [[String: Any]] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { ($0["path"] as? String) == "/v1/chat/completions" }
    }

    /// Seconds from the first request received to the last answer sent.
    func wireSeconds() -> Double {
        let log = chatLog()
        guard let first = log.compactMap({ $0["t_received"] as? Double }).min(), let last = log.compactMap({ $0["t"] as? Double }).max()
        else { return 0 }
        return last - first
    }

    deinit {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(2)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func writeSeeds(_ count: Int, to path: String, marker: (Int) -> String = { _ in "" }) throws {
    let text = (0..<count).map { "{\"input\":\"Benchmark seed \($0)\(marker($0))\"}" }.joined(separator: "\n") + "\n"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}
