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
/// first search, asked as soon as the last upload is validated (it scans the rows while the background indexer builds
/// the index), the time from validated to indexed, later searches, a filtered page and the database's growth.
struct ExplorerBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explorer",
        abstract: "Upload → validated with and without the search triggers; first (scanned) search, time to index, later searches on 14,000 rows.")

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
        for run in 0..<max(1, runs) {
            // Each earlier upload is indexed before the next one starts, so every upload is timed alone.
            if run > 0 { _ = try Self.waitUntilIndexed(app: app, auth: auth, id: id) }
            let (seconds, (uploaded, count)) = try timed { () throws -> (Int64, Int) in
                let id = try server.upload(file, name: "explorer")
                return (id, try server.rowsOnceValidated(datasetID: id))
            }
            best = min(best, seconds)
            (id, rows) = (uploaded, count)
        }
        let validated = ContinuousClock.now
        print("dataset: \(formatMB(generated.bytes)) MB, \(generated.lines) lines, \(rows) rows")
        print("upload → validated (\(withoutSearchTriggers ? "without" : "with") the search triggers): \(format(best)) s, best of \(max(1, runs))")

        let before = Self.databaseBytes(directory)
        let (firstSearchSeconds, firstSearch) = try Self.timedSearch(app: app, auth: auth, path: "/api/datasets/\(id)/rows?q=retention")
        print("first search, as soon as validated (\(firstSearch.index == "ready" ? "indexed" : "scanned while the index builds")): "
            + "\(format(firstSearchSeconds)) s (\(firstSearch.result))")
        let indexed = try Self.waitUntilIndexed(app: app, auth: auth, id: id)
        print("validated → indexed in the background: \(format(Self.seconds(indexed - validated))) s")
        for (label, path) in [
            ("same search, indexed", "/api/datasets/\(id)/rows?q=retention"),
            ("search again", "/api/datasets/\(id)/rows?q=cohort%20funnel"),
            ("Japanese search", "/api/datasets/\(id)/rows?q=%E3%83%AC%E3%83%9D%E3%83%BC%E3%83%88"),
            ("two-character search (scanned)", "/api/datasets/\(id)/rows?q=%E6%95%B0%E6%8D%AE"),
            ("search + length + no flags", "/api/datasets/\(id)/rows?q=latency&min_length=2000&flag=none"),
            ("explorer page, search", "/datasets/\(id)/rows?q=dashboard"),
            ("explorer page, unfiltered", "/datasets/\(id)/rows"),
        ] {
            let (seconds, search) = try Self.timedSearch(app: app, auth: auth, path: path)
            print("\(label): \(format(seconds)) s (\(search.result))")
        }
        let after = Self.databaseBytes(directory)
        print("database: \(formatMB(before)) MB when validated, \(formatMB(after)) MB once indexed (the index of one dataset)")
    }

    /// The time a GET takes, and what it found: the matching rows (an API answer) or its size (a page), and the
    /// API's `searchIndex` ("ready" or "building").
    private static func timedSearch(
        app: DistilleryApp, auth: [(String, String)], path: String
    ) throws -> (Double, (result: String, index: String?)) {
        try timed { () throws -> (String, String?) in
            let response = try HTTPClient.send(HTTPClientRequest(url: app.url + path, headers: auth, timeoutSeconds: 300))
            guard response.status == 200 else { throw ValidationError("\(path) -> \(response.status)") }
            let body = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            let total = body?["total"] as? Int
            return (total.map { "\($0) matching rows" } ?? "\(response.body.count) bytes", body?["searchIndex"] as? String)
        }
    }

    /// Polls the rows API until it says the dataset's search index is ready; returns when it first did.
    private static func waitUntilIndexed(app: DistilleryApp, auth: [(String, String)], id: Int64) throws -> ContinuousClock.Instant {
        while true {
            let (_, search) = try timedSearch(app: app, auth: auth, path: "/api/datasets/\(id)/rows?per_page=1")
            if search.index == "ready" { return ContinuousClock.now }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The SQLite file and its write-ahead log together.
    private static func databaseBytes(_ directory: String) -> Int {
        ["distillery.sqlite", "distillery.sqlite-wal"]
            .compactMap { (try? FileManager.default.attributesOfItem(atPath: directory + "/" + $0))?[.size] as? Int }
            .reduce(0, +)
    }
}
