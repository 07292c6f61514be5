import DistilleryCore
import DistilleryPlatform
import Foundation
import Testing

/// Manual throughput check, skipped unless asked for (it takes ~10 s and wants a release build):
///
///     DISTILLERY_HTTP_BENCH=1 swift test -c release --filter HTTPServerBenchmark
///
/// Optional: DISTILLERY_HTTP_BENCH_THREADS (server threads, default 4), DISTILLERY_HTTP_BENCH_SECONDS
/// (default 10), DISTILLERY_HTTP_BENCH_CONNECTIONS (default 64). Prints wrk's report.
@Suite struct HTTPServerBenchmark {
    static let environment = ProcessInfo.processInfo.environment

    @Test(.enabled(if: environment["DISTILLERY_HTTP_BENCH"] != nil))
    func smallJSONResponsesWithKeepAlive() throws {
        let threads = Int(Self.environment["DISTILLERY_HTTP_BENCH_THREADS"] ?? "") ?? 4
        let seconds = Int(Self.environment["DISTILLERY_HTTP_BENCH_SECONDS"] ?? "") ?? 10
        let connections = Int(Self.environment["DISTILLERY_HTTP_BENCH_CONNECTIONS"] ?? "") ?? 64
        let body = Array(#"{"status":"ok","datasets":3,"jobs":[{"id":1,"state":"running"}]}"#.utf8)
        let running = try RunningServer(
            configure: {
                $0.threadCount = threads
                $0.maxConnectionsPerAddress = 0  // wrk's connections all come from 127.0.0.1
            },
            handler: { _ in HTTPResponse(headers: HTTPHeaders([("Content-Type", "application/json")]), body: .bytes(body)) })
        defer { running.shutDown() }

        let wrk = Process()
        wrk.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        wrk.arguments = ["-t2", "-c\(connections)", "-d\(seconds)s", "--latency", running.baseURL + "/api/status"]
        let output = Pipe()
        wrk.standardOutput = output
        try wrk.run()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        wrk.waitUntilExit()
        print("server threads: \(threads)\n" + report)
        #expect(report.contains("Requests/sec"))
        #expect(!report.contains("Non-2xx"))
    }
}
