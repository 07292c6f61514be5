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
        let server = try InProcessApp(directory: directory) { $0.maxUploadBytes = max($0.maxUploadBytes, (sizeMb + 5) * 1_000_000) }
        let (app, auth, token) = (server.app, server.auth, server.token)
        defer { app.stop() }

        let file = directory + "-upload.jsonl"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let generated = try ChatFileGenerator.write(path: file, targetBytes: sizeMb * 1_000_000, answerScale: answerScale)
        let id = try server.upload(file, name: "split-export")
        let rows = try server.rowsOnceValidated(datasetID: id)
        print("dataset: \(formatMB(generated.bytes)) MB, \(generated.lines) lines, \(rows) rows")

        var missed = false
        let split = try PeakMeasurement(runs: runs) {
            let response = try HTTPClient.send(HTTPClientRequest(
                method: "PUT", url: app.url + "/api/datasets/\(id)/split", headers: auth + [("Content-Type", "application/json")],
                body: .bytes(Array(#"{"train":0.8,"validation":0.1,"test":0.1,"seed":42}"#.utf8)), timeoutSeconds: 300))
            guard response.status == 200 else { throw ValidationError("split -> \(response.status)") }
            return String(decoding: response.body, as: UTF8.self)
        }
        print("split 80/10/10 with near-duplicate grouping: \(split.report)")
        print("  response: \(split.output.prefix(400))")
        try printSplitPhases(app.services.datasets, datasetID: id)
        missed = missed || !Self.metTargets(split)

        for exportFormat in ExportFormat.allCases {
            let export = try PeakMeasurement(runs: runs) {
                try Self.curlToSink(url: app.url + "/datasets/\(id)/export?format=\(exportFormat.rawValue)", token: token)
            }
            print("export \(exportFormat.rawValue): \(export.report), \(export.output)")
            missed = missed || !Self.metTargets(export)
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

    private static func metTargets(_ measured: PeakMeasurement<String>) -> Bool { measured.seconds < 2 && measured.peakAboveIdleMiB < 64 }

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
