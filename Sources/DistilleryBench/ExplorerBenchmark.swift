import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import Foundation
import Logging

/// `distillery-bench explorer`: what the row explorer's full-text search costs. Uploads a 50 MB chat file (about
/// 14,000 rows) several times to a real server and times upload → validated (the path migration 15's row triggers
/// sit on); `--without-search-triggers` drops those triggers first, for the same figure without them. Then times the
/// first search (which indexes the dataset), later searches, a filtered page and the database's growth.
struct ExplorerBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explorer",
        abstract: "Upload → validated with and without the search triggers; first (indexing) and later searches on 14,000 rows.")

    @Option(help: "Size of the generated chat file in MB (10^6 bytes).")
    var sizeMb = 50

    @Option(help: "Uploads of the file; the fastest upload → validated is reported.")
    var runs = 3

    @Flag(help: "Drop the search index's row triggers before uploading (the figure without them).")
    var withoutSearchTriggers = false

    func run() throws {
        let directory = NSTemporaryDirectory() + "distillery-explorer-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try InProcessApp(directory: directory) { $0.maxUploadBytes = max($0.maxUploadBytes, (sizeMb + 5) * 1_000_000) }
        let (app, auth) = (server.app, server.auth)
        defer { app.stop() }
        if withoutSearchTriggers {
            try app.services.database.write { connection in
                try connection.execute("DROP TRIGGER row_search_row_inserted; DROP TRIGGER row_search_row_deleted")
            }
        }

        let file = directory + "-upload.jsonl"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let generated = try ChatFileGenerator.write(path: file, targetBytes: sizeMb * 1_000_000, answerScale: 2.25)
        var best = Double.infinity
        var id: Int64 = 0
        var rows = 0
        for _ in 0..<max(1, runs) {
            let (seconds, (uploaded, count)) = try timed { () throws -> (Int64, Int) in
                let id = try server.upload(file, name: "explorer")
                return (id, try server.rowsOnceValidated(datasetID: id))
            }
            best = min(best, seconds)
            (id, rows) = (uploaded, count)
        }
        print("dataset: \(formatMB(generated.bytes)) MB, \(generated.lines) lines, \(rows) rows")
        print("upload → validated (\(withoutSearchTriggers ? "without" : "with") the search triggers): \(format(best)) s, best of \(max(1, runs))")

        let before = Self.databaseBytes(directory)
        for (label, path) in [
            ("first search (indexes the dataset)", "/api/datasets/\(id)/rows?q=retention"),
            ("search again", "/api/datasets/\(id)/rows?q=cohort%20funnel"),
            ("Japanese search", "/api/datasets/\(id)/rows?q=%E3%83%AC%E3%83%9D%E3%83%BC%E3%83%88"),
            ("two-character search (scanned)", "/api/datasets/\(id)/rows?q=%E6%95%B0%E6%8D%AE"),
            ("search + length + no flags", "/api/datasets/\(id)/rows?q=latency&min_length=2000&flag=none"),
            ("explorer page, search", "/datasets/\(id)/rows?q=dashboard"),
            ("explorer page, unfiltered", "/datasets/\(id)/rows"),
        ] {
            let (seconds, result) = try timed { () throws -> String in
                let response = try HTTPClient.send(HTTPClientRequest(url: app.url + path, headers: auth, timeoutSeconds: 300))
                guard response.status == 200 else { throw ValidationError("\(path) -> \(response.status)") }
                let total = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["total"] as? Int
                return total.map { "\($0) matching rows" } ?? "\(response.body.count) bytes"
            }
            print("\(label): \(format(seconds)) s (\(result))")
        }
        let after = Self.databaseBytes(directory)
        print("database: \(formatMB(before)) MB before the first search, \(formatMB(after)) MB after (the index of one dataset)")
    }

    /// The SQLite file and its write-ahead log together.
    private static func databaseBytes(_ directory: String) -> Int {
        ["distillery.sqlite", "distillery.sqlite-wal"]
            .compactMap { (try? FileManager.default.attributesOfItem(atPath: directory + "/" + $0))?[.size] as? Int }
            .reduce(0, +)
    }
}
