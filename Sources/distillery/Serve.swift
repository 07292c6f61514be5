import ArgumentParser
import DistilleryServer
import Dispatch
import Foundation
import Logging
import Synchronization

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the web UI, the JSON API and the background workers.")

    @Option(help: "Address to bind. Loopback by default; anything else exposes Distillery to your network.")
    var host = "127.0.0.1"

    @Option(help: "TCP port (0 picks a free one).")
    var port = 8080

    @Option(name: .customLong("data"), help: "Folder for the SQLite database, uploads and temporary files.")
    var dataDirectory = "./distillery-data"

    @Option(name: .customLong("max-upload-mb"), help: "Largest upload accepted, in MiB.")
    var maxUploadMegabytes = 50

    @Option(help: "Background worker threads (validation, synthesis).")
    var workers = 2

    @Option(name: .customLong("http-threads"), help: "Threads serving HTTP requests (default: one per core, 2 to 8).")
    var httpThreads = AppConfiguration().httpThreadCount

    @Option(
        name: .customLong("max-connections-per-ip"),
        help: "Connections one client address may hold open at once (0: no limit; raise it behind a reverse proxy).")
    var maxConnectionsPerIP = AppConfiguration().maxConnectionsPerAddress

    @Option(name: .customLong("synthesis-jobs"), help: "Synthesis jobs that may run at the same time.")
    var synthesisJobs = 4

    @Option(name: .customLong("teacher-connections"), help: "Connections to teachers across all jobs (in-flight requests).")
    var teacherConnections = 1024

    @Flag(name: .customLong("secure-cookies"), help: "Mark cookies Secure (set when users reach Distillery over HTTPS).")
    var secureCookies = false

    @Option(name: .customLong("session-idle-minutes"), help: "Sign out after this many minutes without a request.")
    var sessionIdleMinutes = 720

    @Option(name: .customLong("session-max-hours"), help: "Sign out this many hours after sign-in, however active.")
    var sessionMaxHours = 168

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        guard maxUploadMegabytes >= 1 else { throw ValidationError("--max-upload-mb must be at least 1.") }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be between 1 and 64.") }
        guard (1...256).contains(httpThreads) else { throw ValidationError("--http-threads must be between 1 and 256.") }
        guard (0...100_000).contains(maxConnectionsPerIP) else {
            throw ValidationError("--max-connections-per-ip must be between 0 (no limit) and 100000.")
        }
        guard (1...64).contains(synthesisJobs) else { throw ValidationError("--synthesis-jobs must be between 1 and 64.") }
        guard (1...65_536).contains(teacherConnections) else { throw ValidationError("--teacher-connections must be between 1 and 65536.") }
        guard sessionIdleMinutes >= 1, sessionMaxHours >= 1 else {
            throw ValidationError("--session-idle-minutes and --session-max-hours must be at least 1.")
        }
    }

    func run() throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "distillery")
        var configuration = AppConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.dataDirectory = dataDirectory
        configuration.maxUploadBytes = maxUploadMegabytes * 1024 * 1024
        configuration.workerCount = workers
        configuration.httpThreadCount = httpThreads
        configuration.maxConnectionsPerAddress = maxConnectionsPerIP
        configuration.secureCookies = secureCookies
        configuration.synthesisJobCount = synthesisJobs
        configuration.maxTeacherConnections = teacherConnections
        configuration.sessionIdleMinutes = sessionIdleMinutes
        configuration.sessionMaximumHours = sessionMaxHours

        // Installed before the workers start: a SIGTERM that arrives while jobs are being claimed must
        // wait for this handler (a clean stop, jobs handed back) instead of killing the process (a crash).
        // The handler runs on the main queue, so only once `dispatchMain` below has taken over.
        let started = Mutex<DistilleryApp?>(nil)
        ShutdownSignals.install {
            logger.info("shutting down")
            started.withLock { $0 }?.stop()
            logger.info("stopped")
            Foundation.exit(0)
        }
        let app: DistilleryApp
        do {
            app = try DistilleryApp(configuration: configuration, logger: logger)
            try app.start()
            started.withLock { $0 = app }
        } catch {
            FileHandle.standardError.write(Data("distillery: \(error)\n".utf8))
            throw ExitCode(1)
        }
        // Written unbuffered: scripts and tests read the URL from a pipe.
        FileHandle.standardOutput.write(Data("Distillery is running at \(app.url)/  (data: \(dataDirectory); Ctrl-C stops it)\n".utf8))
        if case .keyFile(let path, true) = app.services.vault.masterKeySource {
            FileHandle.standardOutput.write(Data(
                "Created the master key \(path) (mode 0600). It encrypts teacher API keys: back it up, and keep it apart from database backups (see README, Security).\n".utf8))
        }
        if (try? app.services.users.count()) == 0 {
            FileHandle.standardOutput.write(Data(
                "No users yet: open \(app.url)/setup to create the first admin, or run `distillery user add NAME --admin --data \(dataDirectory)`.\n".utf8))
        }
        dispatchMain()
    }
}

/// SIGINT and SIGTERM run `onSignal` once, on the main queue.
enum ShutdownSignals {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func install(_ onSignal: @escaping @Sendable () -> Void) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
            source.setEventHandler(handler: onSignal)
            source.resume()
            sources.append(source)
        }
    }
}
