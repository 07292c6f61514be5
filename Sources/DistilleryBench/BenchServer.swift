import DistilleryPlatform
import DistilleryStorage
import Foundation

/// The real `distillery serve` as a child process on a fresh data folder, with an admin user and an API token,
/// for the benchmarks whose figures are the whole server's (crash recovery, generation). The benchmark may read the
/// database beside it (`database`), as the server's own readers do.
final class BenchServer {
    let binary: String
    let directory: String
    let database: Database
    private let token: String
    private var process: Process?
    private(set) var baseURL = ""

    init(binary: String, directory: String) throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchFailure("\(binary) not found; build it with swift build -c release --product distillery")
        }
        self.binary = binary
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
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
        database = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
        token = "dst_bench_" + RandomToken.generate()
        guard let user = try UserStore(database: database).credentials(name: "bench")?.user else { throw BenchFailure("no user") }
        _ = try APITokenStore(database: database).create(userID: user.id, name: "bench", tokenHash: SecretDigest.sha256Hex(token), prefix: "dst_bench", now: 1)
    }

    var processIdentifier: Int32? { process?.processIdentifier }

    /// Starts `distillery serve` on a free port and waits for its "running at" line.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0", "--data", directory]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        var text = ""
        while !text.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchFailure("the server exited: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: "running at "), let end = text[range.upperBound...].firstIndex(of: " ") else {
            throw BenchFailure("unexpected output: \(text)")
        }
        baseURL = String(text[range.upperBound..<end])
        if baseURL.hasSuffix("/") { baseURL.removeLast() }
    }

    /// Sends `signal` (SIGKILL for a crash, SIGTERM for a clean stop) and waits for the process to end.
    func stop(signal: Int32 = SIGTERM) {
        guard let process else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
    }

    /// The server's peak resident set so far (VmHWM), in KiB.
    func peakRSSKB() -> Int? {
        guard let process, let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    /// A request with the token; the answer's status and body.
    func send(_ method: String, _ path: String, body: [UInt8]? = nil, type: String = "application/json") throws -> (status: Int, body: [UInt8]) {
        let response = try HTTPClient.send(HTTPClientRequest(
            method: method, url: baseURL + path, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", type)],
            body: body.map { .bytes($0) } ?? .none, timeoutSeconds: 120))
        return (response.status, response.body)
    }

    /// A JSON API call; an answer that is not a JSON object is `[:]`.
    func api(_ method: String, _ path: String, body: [UInt8]? = nil, type: String = "application/json") throws -> [String: Any] {
        let answer = try send(method, path, body: body, type: type)
        return (try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]) ?? [:]
    }

    deinit {
        stop()
        database.close()
    }
}
