import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import Foundation
import Logging

/// `distillery-bench quality-checks`: the data checks (README "Data checks") on a real server in this process, by
/// `POST /api/datasets/{id}/quality` (every check, the run stored with all its row flags), on a generated 50 MB chat
/// dataset of about 14,000 rows and on one of 100,000 rows; seconds and this process's peak RSS above what it held
/// just before each run.
struct QualityChecksBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality-checks",
        abstract: "Run the data checks on a 50 MB chat dataset and on 100,000 rows, with seconds and peak RSS.")

    @Option(help: "Size of the first generated chat file in MB (10^6 bytes).")
    var sizeMb = 50

    @Option(help: "Rows of the second generated chat file.")
    var rows = 100_000

    @Option(help: "Runs of each measurement; the fastest is reported with the highest peak.")
    var runs = 2

    func run() throws {
        let directory = NSTemporaryDirectory() + "distillery-quality-checks-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let large = directory + "-large.jsonl", many = directory + "-many.jsonl"
        defer {
            try? FileManager.default.removeItem(atPath: large)
            try? FileManager.default.removeItem(atPath: many)
        }
        // Long answers (about 3.5 KB a row) for the 50 MB file; short ones (about 0.5 KB) for the many rows.
        let largeFile = try ChatFileGenerator.write(path: large, targetBytes: sizeMb * 1_000_000, answerScale: 2.25)
        let manyFile = try ChatFileGenerator.write(path: many, targetBytes: .max, answerScale: 0.2, maxLines: rows)

        var configuration = AppConfiguration()
        configuration.port = 0
        configuration.dataDirectory = directory
        configuration.maxUploadBytes = max(configuration.maxUploadBytes, max(largeFile.bytes, manyFile.bytes) + 5_000_000)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let app = try DistilleryApp(configuration: configuration, logger: logger)
        try app.start()
        defer { app.stop() }
        let token = try ServeLoadBenchmark.adminToken(app)

        for (name, file, generated) in [("50 MB", large, largeFile), ("\(rows) rows", many, manyFile)] {
            let (id, storedRows) = try upload(file, name: name, app: app, token: token)
            print("dataset \(name): \(formatMB(generated.bytes)) MB, \(generated.lines) lines, \(storedRows) rows")
            var verdict = ""
            let measured = try measure(runs: runs) {
                let response = try HTTPClient.send(HTTPClientRequest(
                    method: "POST", url: app.url + "/api/datasets/\(id)/quality", headers: [("Authorization", "Bearer \(token)")],
                    timeoutSeconds: 600))
                guard response.status == 201 else { throw ValidationError("quality -> \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))") }
                verdict = (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["verdict"] as? String ?? ""
            }
            print("quality-checks \(name): \(format(measured.seconds)) s, peak \(measured.peakAboveIdleMiB) MiB above idle (VmHWM \(measured.peakMiB) MiB)")
            print("  verdict: \(verdict)")
        }
    }

    /// Uploads the file and waits for its validation and for the automatic data checks that follow a passing one, so
    /// nothing else runs during the measurements.
    private func upload(_ file: String, name: String, app: DistilleryApp, token: String) throws -> (Int64, Int) {
        let auth = [("Authorization", "Bearer \(token)")]
        let uploaded = try HTTPClient.send(HTTPClientRequest(
            method: "POST", url: app.url + "/api/datasets?name=\(name.replacingOccurrences(of: " ", with: "-"))",
            headers: auth + [("Content-Type", "application/jsonl")], body: .file(path: file), timeoutSeconds: 600))
        let created = try JSONSerialization.jsonObject(with: Data(uploaded.body)) as? [String: Any]
        guard let id = ((created?["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value else {
            throw ValidationError("upload -> \(uploaded.status): \(String(decoding: uploaded.body.prefix(300), as: UTF8.self))")
        }
        let quality = QualityStore(database: app.services.database)
        while true {
            guard let record = try app.services.datasets.dataset(id: id) else { throw ValidationError("dataset \(id) vanished") }
            let passed = record.status == .valid || record.status == .validWithWarnings
            let checked = try !quality.latestRuns(datasetID: id, limit: 1).isEmpty
            if record.status != .validating, !passed || checked {
                return (id, record.rowCount)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    struct Measurement {
        var seconds: Double
        var peakAboveIdleMiB: Int
        var peakMiB: Int
    }

    /// The fastest of `runs`, with the highest peak RSS above the RSS just before each run.
    private func measure(runs: Int, _ body: () throws -> Void) throws -> Measurement {
        var best = Measurement(seconds: .infinity, peakAboveIdleMiB: 0, peakMiB: 0)
        for _ in 0..<max(1, runs) {
            MemoryStatus.resetPeak()
            let idle = MemoryStatus.read()
            let clock = ContinuousClock()
            let started = clock.now
            try body()
            let elapsed = clock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let peak = MemoryStatus.read()
            let above = idle.flatMap { idle in peak.map { max(0, $0.peakKB - idle.currentKB) / 1024 } } ?? 0
            best = Measurement(
                seconds: min(best.seconds, seconds), peakAboveIdleMiB: max(best.peakAboveIdleMiB, above),
                peakMiB: max(best.peakMiB, (peak?.peakKB ?? 0) / 1024))
        }
        return best
    }
}
