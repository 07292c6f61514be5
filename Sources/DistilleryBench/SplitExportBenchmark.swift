import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import Foundation
import Logging

/// `distillery-bench split-export`: a generated 50 MB chat dataset uploaded to a real server in this process, then
/// `PUT /api/datasets/{id}/split` (near-duplicate grouping included) and each export format streamed to /dev/null
/// by curl, each timed with this process's peak RSS above what it held just before.
struct SplitExportBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split-export",
        abstract: "Split a 50 MB chat dataset on a real server and stream every export format, with seconds and peak RSS.")

    @Option(help: "Size of the generated chat file in MB (10^6 bytes).")
    var sizeMb = 50

    @Option(help: "Stretch of the generated answers (2.25: a 50 MB file of about 14,000 rows; 1: the validation benchmark's rows).")
    var answerScale = 2.25

    @Option(help: "Runs of each measurement; the fastest is reported with the highest peak.")
    var runs = 3

    func run() throws {
        let directory = NSTemporaryDirectory() + "distillery-split-export-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = AppConfiguration()
        configuration.port = 0
        configuration.dataDirectory = directory
        configuration.maxUploadBytes = max(configuration.maxUploadBytes, (sizeMb + 5) * 1_000_000)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let app = try DistilleryApp(configuration: configuration, logger: logger)
        try app.start()
        defer { app.stop() }
        let token = try ServeLoadBenchmark.adminToken(app)
        let auth = [("Authorization", "Bearer \(token)")]

        let file = directory + "-upload.jsonl"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let generated = try ChatFileGenerator.write(path: file, targetBytes: sizeMb * 1_000_000, answerScale: answerScale)
        let uploaded = try HTTPClient.send(HTTPClientRequest(
            method: "POST", url: app.url + "/api/datasets?name=split-export", headers: auth + [("Content-Type", "application/jsonl")],
            body: .file(path: file), timeoutSeconds: 300))
        let created = try JSONSerialization.jsonObject(with: Data(uploaded.body)) as? [String: Any]
        guard let id = ((created?["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value else {
            throw ValidationError("upload -> \(uploaded.status): \(String(decoding: uploaded.body.prefix(300), as: UTF8.self))")
        }
        var rows = 0
        while true {
            let detail = try HTTPClient.send(HTTPClientRequest(url: app.url + "/api/datasets/\(id)", headers: auth))
            let dataset = (try JSONSerialization.jsonObject(with: Data(detail.body)) as? [String: Any])?["dataset"] as? [String: Any]
            if dataset?["status"] as? String != "validating" {
                rows = (dataset?["rows"] as? NSNumber)?.intValue ?? 0
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        print("dataset: \(formatMB(generated.bytes)) MB, \(generated.lines) lines, \(rows) rows")

        var missed = false
        let split = try measure(runs: runs) {
            let response = try HTTPClient.send(HTTPClientRequest(
                method: "PUT", url: app.url + "/api/datasets/\(id)/split", headers: auth + [("Content-Type", "application/json")],
                body: .bytes(Array(#"{"train":0.8,"validation":0.1,"test":0.1,"seed":42}"#.utf8)), timeoutSeconds: 300))
            guard response.status == 200 else { throw ValidationError("split -> \(response.status)") }
            return String(decoding: response.body, as: UTF8.self)
        }
        print("split 80/10/10 with near-duplicate grouping: \(split.report)")
        print("  response: \(split.output.prefix(400))")
        try printSplitPhases(app.services.datasets, datasetID: id)
        missed = missed || !split.met

        for exportFormat in ExportFormat.allCases {
            let export = try measure(runs: runs) {
                try Self.curlToSink(url: app.url + "/datasets/\(id)/export?format=\(exportFormat.rawValue)", token: token)
            }
            print("export \(exportFormat.rawValue): \(export.report), \(export.output)")
            missed = missed || !export.met
        }
        print("targets: < 2 s and < 64 MiB above idle each — \(missed ? "NOT all met" : "all met")")
    }

    /// The split's three steps as the server runs them, timed one by one: reading every row's user turns,
    /// grouping and assigning, writing each row's split.
    private func printSplitPhases(_ store: DatasetStore, datasetID: Int64) throws {
        let clock = ContinuousClock()
        var started = clock.now
        func lap() -> String {
            let elapsed = clock.now - started
            started = clock.now
            return format(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let rows = try store.splitInput(datasetID: datasetID)
        let read = lap()
        let grouping = NearDuplicateGrouping(texts: rows.map(\.userText))
        let grouped = lap()
        let request = SplitRequest(distribution: RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1), seed: 43)
        let (record, splits) = DatasetStore.planSplit(rows: rows, previous: nil, request: request)
        let planned = lap()
        try store.applySplit(datasetID: datasetID, rowIndexes: rows.map(\.index), splits: splits, record: record, now: 0)
        let written = lap()
        print("  phases: read user turns \(read) s, near-duplicate grouping \(grouped) s (\(grouping.groupCount) groups), "
            + "grouping + assignment \(planned) s, write \(written) s")
    }

    struct Measurement {
        var seconds: Double
        var peakAboveIdleMiB: Int
        var output: String
        var met: Bool { seconds < 2 && peakAboveIdleMiB < 64 }
        var report: String { "\(format(seconds)) s, peak \(peakAboveIdleMiB) MiB above idle" }
    }

    /// The fastest of `runs`, with the highest peak RSS above the RSS just before each run.
    private func measure(runs: Int, _ body: () throws -> String) throws -> Measurement {
        var best = Measurement(seconds: .infinity, peakAboveIdleMiB: 0, output: "")
        for _ in 0..<max(1, runs) {
            MemoryStatus.resetPeak()
            let idle = MemoryStatus.read()
            let clock = ContinuousClock()
            let started = clock.now
            let output = try body()
            let elapsed = clock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let peak = MemoryStatus.read()
            let above = idle.flatMap { idle in peak.map { max(0, $0.peakKB - idle.currentKB) / 1024 } } ?? 0
            best = Measurement(seconds: min(best.seconds, seconds), peakAboveIdleMiB: max(best.peakAboveIdleMiB, above), output: output)
        }
        return best
    }

    /// Streams the body to /dev/null in a curl process (so no client buffer counts in this process's memory);
    /// returns "N bytes, HTTP status".
    static func curlToSink(url: String, token: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-s", "-o", "/dev/null", "-w", "%{size_download} bytes, HTTP %{http_code}", "-H", "Authorization: Bearer \(token)", url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, output.hasSuffix("HTTP 200") else { throw ValidationError("export \(url) -> \(output)") }
        return output
    }
}
