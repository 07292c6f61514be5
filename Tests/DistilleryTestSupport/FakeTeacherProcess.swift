import DistilleryPlatform
import Foundation

/// The fake OpenAI-compatible teacher (Tests/FakeTeacher/fake_teacher.py) as a child process on
/// 127.0.0.1, port chosen by the OS. `stop()` (or deinit) sends SIGTERM and waits for it.
public final class FakeTeacherProcess: @unchecked Sendable {
    public struct StartupError: Error, CustomStringConvertible {
        public let description: String
    }

    public static let scriptPath: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FakeTeacher/fake_teacher.py").path

    public let port: Int
    /// The request log (`--log`), in its own temporary folder.
    public let logPath: String
    private let process: Process
    private let folder: String

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `arguments` are the server's options, e.g. `["--latency-ms", "200", "--api-key", "sk-test"]`.
    public init(_ arguments: [String] = []) throws {
        folder = NSTemporaryDirectory() + "fake-teacher-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        logPath = folder + "/requests.jsonl"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scriptPath, "--port", "0", "--log", logPath] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()

        // The server prints exactly one line, "LISTENING <port>", once it accepts connections.
        var line: [UInt8] = []
        while !line.contains(10) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                try? FileManager.default.removeItem(atPath: folder)
                throw StartupError(description: "fake teacher exited before listening; output: \(String(decoding: line, as: UTF8.self))")
            }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("LISTENING "), let port = Int(text.dropFirst("LISTENING ".count)) else {
            Self.terminate(process)
            try? FileManager.default.removeItem(atPath: folder)
            throw StartupError(description: "unexpected first line from the fake teacher: \(text)")
        }
        self.port = port
    }

    deinit { stop() }

    /// The process id (for SIGKILL in crash tests).
    public var processIdentifier: Int32 { process.processIdentifier }

    /// SIGTERM, then SIGKILL if it has not exited within 2 s. Polls rather than `waitUntilExit`,
    /// which spins a run loop and never returns if the child ignores the signal.
    public func stop() {
        Self.terminate(process)
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        if !waitForExit(process, seconds: 2) {
            kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(process, seconds: 2)
        }
    }

    private static func waitForExit(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > deadline { return false }
            usleep(5_000)
        }
        return true
    }

    /// Changes options at run time (`POST /_control`), e.g. `["latency_ms": 0, "reset_stats": true]`.
    @discardableResult
    public func control(_ changes: [String: Any]) throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: changes)
        let response = try HTTPClient.send(
            HTTPClientRequest(method: "POST", url: baseURL + "/_control", headers: [("Content-Type", "application/json")], body: .bytes(Array(body))))
        guard response.status == 200 else { throw StartupError(description: "/_control answered \(response.status): \(response.text)") }
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    }

    /// `GET /_stats`: requests, by_status, by_path, concurrent_max, connections_total, ...
    public func stats() throws -> [String: Any] {
        let response = try HTTPClient.send(HTTPClientRequest(url: baseURL + "/_stats"))
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    }

    /// The request log so far, one dictionary per request.
    public func logEntries() throws -> [[String: Any]] {
        try logText().split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    public func logText() throws -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// CPU time (user + system) the server process has used so far, from /proc/<pid>/stat.
    public func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
            let afterName = stat.range(of: ") ")
        else { return 0 }
        // Fields after the command name start at field 3 (state); utime and stime are fields 14 and 15.
        let fields = stat[afterName.upperBound...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A chat-completions body whose last user message is `seed`.
    public static func chatBody(seed: String, model: String = "fake-teacher", system: String? = nil, n: Int = 1) -> [UInt8] {
        var messages: [[String: Any]] = []
        if let system { messages.append(["role": "system", "content": system]) }
        messages.append(["role": "user", "content": seed])
        let payload: [String: Any] = ["model": model, "messages": messages, "temperature": 0.7, "max_tokens": 64, "n": n, "seed": 7]
        return Array((try? JSONSerialization.data(withJSONObject: payload)) ?? Data())
    }
}
