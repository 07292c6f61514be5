import ArgumentParser
import DistilleryPlatform
import DistilleryServer
import Foundation
import Logging

/// A real server in this process on a fresh data folder, with an admin's API token: for the benchmarks that time
/// requests against it and read its memory from inside.
struct InProcessApp {
    let app: DistilleryApp
    let token: String
    var auth: [(String, String)] { [("Authorization", "Bearer \(token)")] }

    /// Started on a free port; `configure` sets the benchmark's own limits. The caller stops it.
    init(directory: String, configure: (inout AppConfiguration) -> Void = { _ in }) throws {
        var configuration = AppConfiguration()
        configuration.port = 0
        configuration.dataDirectory = directory
        configure(&configuration)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        app = try DistilleryApp(configuration: configuration, logger: logger)
        try app.start()
        token = try ServeLoadBenchmark.adminToken(app)
    }

    /// Uploads a JSONL file as a new dataset named `name`; its id (validation runs on behind it).
    func upload(_ file: String, name: String, timeoutSeconds: Double = 300) throws -> Int64 {
        let uploaded = try HTTPClient.send(HTTPClientRequest(
            method: "POST", url: app.url + "/api/datasets?name=\(name)", headers: auth + [("Content-Type", "application/jsonl")],
            body: .file(path: file), timeoutSeconds: timeoutSeconds))
        let created = try JSONSerialization.jsonObject(with: Data(uploaded.body)) as? [String: Any]
        guard let id = ((created?["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value else {
            throw ValidationError("upload -> \(uploaded.status): \(String(decoding: uploaded.body.prefix(300), as: UTF8.self))")
        }
        return id
    }

    /// The dataset's rows once its validation ended, as `GET /api/datasets/{id}` says.
    func rowsOnceValidated(datasetID id: Int64) throws -> Int {
        while true {
            let detail = try HTTPClient.send(HTTPClientRequest(url: app.url + "/api/datasets/\(id)", headers: auth))
            let dataset = (try JSONSerialization.jsonObject(with: Data(detail.body)) as? [String: Any])?["dataset"] as? [String: Any]
            if dataset?["status"] as? String != "validating" { return (dataset?["rows"] as? NSNumber)?.intValue ?? 0 }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}

/// The fastest of several runs of one measurement, with the highest peak RSS above what the process held just before
/// each run.
struct PeakMeasurement<Output> {
    var seconds: Double
    var peakAboveIdleMiB: Int
    var peakMiB: Int
    /// The last run's result.
    var output: Output
    var report: String { "\(format(seconds)) s, peak \(peakAboveIdleMiB) MiB above idle" }

    init(runs: Int, _ body: () throws -> Output) throws {
        self = try Self.once(body)
        for _ in 1..<max(1, runs) {
            let next = try Self.once(body)
            self = PeakMeasurement(
                seconds: min(seconds, next.seconds), peakAboveIdleMiB: max(peakAboveIdleMiB, next.peakAboveIdleMiB), peakMiB: max(peakMiB, next.peakMiB),
                output: next.output)
        }
    }

    private init(seconds: Double, peakAboveIdleMiB: Int, peakMiB: Int, output: Output) {
        (self.seconds, self.peakAboveIdleMiB, self.peakMiB, self.output) = (seconds, peakAboveIdleMiB, peakMiB, output)
    }

    private static func once(_ body: () throws -> Output) throws -> PeakMeasurement {
        MemoryStatus.resetPeak()
        let idle = MemoryStatus.read()
        let (seconds, output) = try timed(body)
        let peak = MemoryStatus.read()
        let above = idle.flatMap { idle in peak.map { max(0, $0.peakKB - idle.currentKB) / 1024 } } ?? 0
        return PeakMeasurement(seconds: seconds, peakAboveIdleMiB: above, peakMiB: (peak?.peakKB ?? 0) / 1024, output: output)
    }
}

/// The seconds `body` took, and its result.
func timed<T>(_ body: () throws -> T) throws -> (Double, T) {
    let clock = ContinuousClock()
    let started = clock.now
    let result = try body()
    let elapsed = clock.now - started
    return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, result)
}
