import Foundation
import DistilleryCore

/// Every setting `distillery serve` takes. Each one is documented in the README's settings table,
/// and a test checks that the table names them all.
public struct AppConfiguration: Sendable {
    /// Address to bind; loopback by default so a fresh install is not reachable from the network.
    public var host: String = "127.0.0.1"
    /// TCP port; 0 picks a free one (tests).
    public var port: Int = 8080
    /// Folder holding the SQLite file, uploads and spooled request bodies.
    public var dataDirectory: String = "./distillery-data"
    /// Largest upload accepted, in bytes.
    public var maxUploadBytes: Int = 50 * 1024 * 1024
    /// Threads that run background jobs (validation, synthesis).
    public var workerCount: Int = 2
    /// Synthesis jobs that may run at once (each waits on the network on its own thread).
    public var synthesisJobCount = 4
    /// Connections to teachers across all jobs (each in-flight request holds one).
    public var maxTeacherConnections = 1024
    /// False for command-line work (`distillery synth`) that needs the workers but no web server.
    public var servesHTTP = true
    /// Threads that serve HTTP requests: one per core (2 to 8). More threads than cores only add
    /// scheduling delay to the slowest requests (p99 under load rose from 8.8 to 10.7 ms with 4 on 2 cores).
    public var httpThreadCount: Int = max(2, min(8, ProcessInfo.processInfo.activeProcessorCount))
    /// Connections one client address may hold open at once (0: no limit), so that one client
    /// (e.g. one sending its headers slowly on many connections) cannot lock the others out.
    public var maxConnectionsPerAddress = 128
    /// Mark cookies `Secure`: set when users reach Distillery over HTTPS (behind a reverse proxy).
    public var secureCookies = false
    /// A session ends after this long without a request.
    public var sessionIdleMinutes = 720
    /// A session ends this long after sign-in, however active.
    public var sessionMaximumHours = 168
    /// How often expired sessions are deleted. Not a command-line setting: tests shorten it.
    public var sessionSweepSeconds: Double = 600
    /// Index settled datasets for the explorer's search in the background. Not a command-line setting: tests turn it
    /// off to search a dataset before its index exists.
    public var indexesRowsForSearch = true
    /// Unix milliseconds now. Not a command-line setting: tests move time forward with it to
    /// check session expiry without waiting hours.
    public var clock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    public init() {}

    public static let documentedSettings: [String] = [
        "--host", "--port", "--data", "--max-upload-mb", "--workers", "--http-threads", "--secure-cookies",
        "--session-idle-minutes", "--session-max-hours", "--synthesis-jobs", "--teacher-connections",
        "--max-connections-per-ip",
    ]

    public var databasePath: String { dataDirectory + "/distillery.sqlite" }
    public var uploadsDirectory: String { dataDirectory + "/uploads" }
    public var spoolDirectory: String { dataDirectory + "/tmp" }

    /// An admin's override of the built-in teacher catalog.
    public var providerCatalogOverridePath: String { dataDirectory + "/providers.json" }

    public func uploadPath(datasetID: Int64) -> String {
        uploadsDirectory + "/\(datasetID).jsonl"
    }
}
