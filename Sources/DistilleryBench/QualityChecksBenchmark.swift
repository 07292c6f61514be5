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

        let server = try InProcessApp(directory: directory) {
            $0.maxUploadBytes = max($0.maxUploadBytes, max(largeFile.bytes, manyFile.bytes) + 5_000_000)
        }
        let (app, token) = (server.app, server.token)
        defer { app.stop() }

        for (name, file, generated) in [("50 MB", large, largeFile), ("\(rows) rows", many, manyFile)] {
            let (id, storedRows) = try upload(file, name: name, server: server)
            print("dataset \(name): \(formatMB(generated.bytes)) MB, \(generated.lines) lines, \(storedRows) rows")
            var verdict = ""
            let measured = try PeakMeasurement(runs: runs) {
                let response = try HTTPClient.send(HTTPClientRequest(
                    method: "POST", url: app.url + "/api/datasets/\(id)/quality", headers: [("Authorization", "Bearer \(token)")],
                    timeoutSeconds: 600))
                guard response.status == 201 else { throw ValidationError("quality -> \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))") }
                verdict = (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["verdict"] as? String ?? ""
            }
            print("quality-checks \(name): \(measured.report) (VmHWM \(measured.peakMiB) MiB)")
            print("  verdict: \(verdict)")
        }
    }

    /// Uploads the file and waits for its validation and for the automatic data checks that follow a passing one, so
    /// nothing else runs during the measurements.
    private func upload(_ file: String, name: String, server: InProcessApp) throws -> (Int64, Int) {
        let app = server.app
        let id = try server.upload(file, name: name.replacingOccurrences(of: " ", with: "-"), timeoutSeconds: 600)
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
}
