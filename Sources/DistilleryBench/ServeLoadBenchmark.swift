import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import Foundation
import Logging

/// `distillery-bench serve-load`: the JSON dataset list under wrk (64 connections) while 50 MB
/// validations run back to back on the same server, as in a busy team's day.
struct ServeLoadBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-load",
        abstract: "wrk against GET /api/datasets while 50 MB uploads are validated back to back.")

    @Option(help: "wrk connections.")
    var connections = 64

    @Option(help: "wrk duration in seconds.")
    var seconds = 10

    @Option(help: "Size of each uploaded file in MB (10^6 bytes).")
    var sizeMb = 50

    @Option(help: "Datasets in the list besides the big uploads.")
    var datasets = 20

    @Option(name: .customLong("http-threads"), help: "Threads serving HTTP requests (the server's --http-threads).")
    var httpThreads = AppConfiguration().httpThreadCount

    @Flag(help: "Also measure the list with no validation running, as a baseline.")
    var baseline = false

    func run() throws {
        let directory = NSTemporaryDirectory() + "distillery-serve-load-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = AppConfiguration()
        configuration.port = 0
        configuration.dataDirectory = directory
        configuration.maxUploadBytes = max(configuration.maxUploadBytes, (sizeMb + 5) * 1_000_000)
        configuration.httpThreadCount = httpThreads
        configuration.maxConnectionsPerAddress = 0  // wrk's connections all come from 127.0.0.1
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let app = try DistilleryApp(configuration: configuration, logger: logger)
        try app.start()
        defer { app.stop() }
        let token = try Self.adminToken(app)
        let auth = [("Authorization", "Bearer \(token)")]

        let small = Array(((0..<120).map { "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"q\($0)\"},{\"role\":\"assistant\",\"content\":\"a\"}]}" }.joined(separator: "\n") + "\n").utf8)
        for index in 0..<datasets {
            _ = try HTTPClient.send(HTTPClientRequest(
                method: "POST", url: app.url + "/api/datasets?name=small-\(index)", headers: auth + [("Content-Type", "application/jsonl")],
                body: .bytes(small)))
        }
        let bigFile = directory + "-upload.jsonl"
        defer { try? FileManager.default.removeItem(atPath: bigFile) }
        let generated = try ChatFileGenerator.write(path: bigFile, targetBytes: sizeMb * 1_000_000)
        print("server: \(app.url), \(configuration.httpThreadCount) HTTP threads, \(configuration.workerCount) workers")
        print("list: \(datasets) small datasets plus the big uploads; big upload: \(formatMB(generated.bytes)) MB, \(generated.lines) lines")

        if baseline {
            Thread.sleep(forTimeInterval: 1)
            let quiet = try Self.runWrk(url: app.url + "/api/datasets", token: token, connections: connections, seconds: seconds)
            print("baseline, no validation running: \(format(quiet.requestsPerSecond, digits: 0)) requests/s, p50 \(quiet.p50), p99 \(quiet.p99)")
        }
        let uploader = BackgroundValidations(base: app.url, auth: auth, file: bigFile)
        uploader.start()
        guard uploader.waitUntilValidating(timeoutSeconds: 60) else {
            print("the first big upload never started validating")
            throw ExitCode.failure
        }
        let wrk = try Self.runWrk(url: app.url + "/api/datasets", token: token, connections: connections, seconds: seconds)
        let activity = uploader.stop()
        print(wrk.raw)
        print("GET /api/datasets: \(format(wrk.requestsPerSecond, digits: 0)) requests/s, p50 \(wrk.p50), p99 \(wrk.p99) (\(connections) connections, \(seconds) s, \(wrk.non2xx) non-2xx)")
        print("validation: \(activity.completed) validations of \(formatMB(generated.bytes)) MB finished during the run; a validation was running \(format(activity.busyFraction * 100, digits: 0))% of the time")
        let met = wrk.requestsPerSecond >= 10_000 && wrk.p99Milliseconds < 10 && wrk.non2xx == 0
        print("target: ≥ 10,000 requests/s and p99 < 10 ms while validating — \(met ? "met" : "NOT met") (ratio \(format(wrk.requestsPerSecond / 10_000, digits: 2))× the rate, \(format(wrk.p99Milliseconds / 10, digits: 2))× the p99 bound)")
    }

    static func adminToken(_ app: DistilleryApp) throws -> String {
        guard case .created(let admin)? = try app.services.users.create(
            name: "bench", passwordHash: try PasswordHasher.hash("bench password", strength: .minimumForTests), role: .admin, now: 1)
        else { throw ExitCode.failure }
        let token = "dst_bench_" + RandomToken.generate()
        _ = try app.services.tokens.create(userID: admin.id, name: "bench", tokenHash: SecretDigest.sha256Hex(token), prefix: "dst_bench", now: 1)
        return token
    }

    struct WrkResult {
        var raw = ""
        var requestsPerSecond = 0.0
        var p50 = "?"
        var p99 = "?"
        var p99Milliseconds = Double.infinity
        var non2xx = 0
    }

    static func runWrk(url: String, token: String, connections: Int, seconds: Int) throws -> WrkResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["wrk", "-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "-H", "Authorization: Bearer \(token)", url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var result = WrkResult()
        result.raw = output.replacingOccurrences(of: token, with: "<token>")
        for line in output.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if line.hasPrefix("Requests/sec:"), parts.count > 1 { result.requestsPerSecond = Double(parts[1]) ?? 0 }
            if line.hasPrefix("50%"), parts.count > 1 { result.p50 = parts[1] }
            if line.hasPrefix("99%"), parts.count > 1 {
                result.p99 = parts[1]
                result.p99Milliseconds = milliseconds(parts[1])
            }
            if line.hasPrefix("Non-2xx or 3xx responses:"), let count = parts.last.flatMap(Int.init) { result.non2xx = count }
        }
        return result
    }

    /// wrk prints "812.00us", "3.21ms" or "1.02s".
    static func milliseconds(_ text: String) -> Double {
        if text.hasSuffix("us") { return (Double(text.dropLast(2)) ?? .infinity) / 1000 }
        if text.hasSuffix("ms") { return Double(text.dropLast(2)) ?? .infinity }
        if text.hasSuffix("s") { return (Double(text.dropLast(1)) ?? .infinity) * 1000 }
        return .infinity
    }
}

/// Uploads the big file, waits for its validation to finish, and uploads it again, until stopped.
final class BackgroundValidations: @unchecked Sendable {
    let base: String
    let auth: [(String, String)]
    let file: String
    private let lock = NSLock()
    private var stopping = false
    private var completed = 0
    private var validatingSince: Date?
    private var busySeconds = 0.0
    private var started = Date()
    private let done = DispatchSemaphore(value: 0)

    init(base: String, auth: [(String, String)], file: String) {
        self.base = base
        self.auth = auth
        self.file = file
    }

    func start() {
        started = Date()
        Thread.detachNewThread { [self] in
            while !isStopping {
                guard let id = try? upload() else { break }
                markValidating(true)
                while !isStopping, (try? status(id)) == "validating" { Thread.sleep(forTimeInterval: 0.02) }
                markValidating(false, finished: !isStopping)
            }
            done.signal()
        }
    }

    var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    func waitUntilValidating(timeoutSeconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            lock.lock()
            let validating = validatingSince != nil
            lock.unlock()
            if validating {
                lock.lock()
                started = Date()
                busySeconds = 0
                validatingSince = Date()
                lock.unlock()
                return true
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    func stop() -> (completed: Int, busyFraction: Double) {
        lock.lock()
        let end = Date()
        if let since = validatingSince { busySeconds += end.timeIntervalSince(since) }
        validatingSince = nil
        stopping = true
        let total = end.timeIntervalSince(started)
        let result = (completed, total > 0 ? min(1, busySeconds / total) : 0)
        lock.unlock()
        done.wait()
        return result
    }

    private func markValidating(_ validating: Bool, finished: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        if validating {
            if validatingSince == nil { validatingSince = Date() }
        } else {
            if let since = validatingSince { busySeconds += Date().timeIntervalSince(since) }
            validatingSince = nil
            if finished { completed += 1 }
        }
    }

    private func upload() throws -> Int64 {
        let response = try HTTPClient.send(HTTPClientRequest(
            method: "POST", url: base + "/api/datasets?name=big", headers: auth + [("Content-Type", "application/jsonl")],
            body: .file(path: file), timeoutSeconds: 120))
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        guard let id = ((object?["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value else {
            throw ExitCode.failure
        }
        return id
    }

    private func status(_ id: Int64) throws -> String? {
        let response = try HTTPClient.send(HTTPClientRequest(url: base + "/api/datasets/\(id)", headers: auth))
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return (object?["dataset"] as? [String: Any])?["status"] as? String
    }
}
