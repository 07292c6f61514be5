import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation
import Logging

public struct StartupError: Error, CustomStringConvertible {
    public let description: String
}

/// The composition root: one SQLite file, the worker pool and the HTTP server, started and
/// stopped together. `main` only parses arguments and calls this.
public final class DistilleryApp: @unchecked Sendable {
    public let configuration: AppConfiguration
    public let services: Services
    private let pool: WorkerPool
    private let synthesisPool: WorkerPool
    private let server: HTTPServer
    private let sessionSweeper: SessionSweeper
    private let logger: Logger
    private let stopLock = NSLock()
    private var stopped = false

    public init(configuration: AppConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        try Self.prepareDataDirectory(configuration)
        CurlGlobal.initialize()
        let database: Database
        do {
            database = try Database(path: configuration.databasePath)
        } catch {
            throw StartupError(description: "cannot open the database \(configuration.databasePath): \(error)")
        }
        let vault = try MasterKeySetup.openVault(database: database, configuration: configuration)
        let renderer = try Renderer()
        let catalog = try ProviderCatalogLoader.load(configuration: configuration)
        let poolBox = PoolBox()
        let services = Services(
            configuration: configuration, database: database, vault: vault, renderer: renderer, logger: logger, catalog: catalog,
            transport: TeacherTransport(maxConnections: max(64, configuration.maxTeacherConnections)),
            wakeWorkers: { poolBox.wakeAll() })
        self.services = services
        pool = WorkerPool(
            queue: services.jobs,
            runners: [ValidationJobRunner(store: services.datasets, configuration: configuration, searchIndexer: services.searchIndexer), DataChecksJobRunner(services: services)],
            workerCount: configuration.workerCount, logger: logger)
        // Synthesis and generation jobs mostly wait on the network, so they get their own threads and never hold up validation.
        synthesisPool = WorkerPool(
            queue: services.jobs, runners: [SynthesisJobRunner(services: services), GenerationJobRunner(services: services), ScoringJobRunner(services: services),
                EvaluationJobRunner(services: services)], workerCount: configuration.synthesisJobCount,
            logger: logger)
        poolBox.pools = [pool, synthesisPool]
        sessionSweeper = SessionSweeper(services: services)

        let dispatcher = Dispatcher(router: Routes.router, services: services)
        var serverConfiguration = HTTPServerConfiguration(spoolDirectory: configuration.spoolDirectory)
        serverConfiguration.host = configuration.host
        serverConfiguration.port = configuration.port
        serverConfiguration.maxBodyBytes = configuration.maxUploadBytes
        serverConfiguration.threadCount = configuration.httpThreadCount
        // Only dataset uploads may touch the disk; every other body (a pasted API key) stays in memory.
        let router = Routes.router
        serverConfiguration.bodyPolicy = { method, path in
            router.body(method: method, path: path) == .upload ? .spooled : .inMemory(limit: RouteBody.smallLimitBytes)
        }
        serverConfiguration.maxConnectionsPerAddress = configuration.maxConnectionsPerAddress
        let limitText = "\(configuration.maxUploadBytes / 1_048_576) MiB"
        server = HTTPServer(
            configuration: serverConfiguration,
            handler: { dispatcher.handle($0) },
            rejectionHandler: { rejection, request in
                let format = Dispatcher.format(forPath: request.path)
                var response: HTTPResponse
                switch rejection {
                case .bodyTooLarge where router.body(method: request.method, path: request.path) == .small:
                    response = dispatcher.errorResponse(
                        .tooLarge("The request body is larger than the \(RouteBody.smallLimitBytes / 1_048_576) MiB limit for this request; only dataset uploads may be larger."),
                        format: format)
                case .bodyTooLarge:
                    response = dispatcher.errorResponse(
                        .tooLarge("The upload is larger than the \(limitText) limit (--max-upload-mb)."), format: format)
                case .invalidFraming(let reason):
                    response = dispatcher.errorResponse(.badRequest("The request was refused: \(reason)."), format: format)
                case .stopping:
                    response = dispatcher.errorResponse(.unavailable("Distillery is stopping; try again in a moment."), format: format)
                case .uploadFailed, .responseFailed:
                    let errorID = ErrorID.make()
                    logger.error("request failed in the HTTP layer", metadata: ["error_id": "\(errorID)", "cause": "\(rejection.message)"])
                    response = dispatcher.internalErrorResponse(errorID: errorID, format: format)
                }
                SecurityHeaders.apply(to: &response.headers)
                return response
            })
    }

    /// Resumes interrupted jobs, starts the workers, then the HTTP server. Returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        let resumed = try services.jobs.requeueAbandoned()
        if resumed > 0 { logger.info("resuming interrupted jobs", metadata: ["count": "\(resumed)"]) }
        try services.synthesis.deleteOrphanJobKeys()
        services.transport.start()
        pool.start()
        synthesisPool.start()
        guard configuration.servesHTTP else { return 0 }
        sessionSweeper.start()
        if configuration.indexesRowsForSearch { services.searchIndexer.start() }
        do {
            return try server.start()
        } catch {
            sessionSweeper.stop()
            services.searchIndexer.stop(timeoutSeconds: 5)
            pool.stop(timeoutSeconds: 5)
            synthesisPool.stop(timeoutSeconds: 5)
            services.transport.shutdown()
            throw StartupError(description: "\(error)")
        }
    }

    public var port: Int { server.port }

    public var url: String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(server.port)"
    }

    /// Finishes in-flight requests, stops the workers (a job still running is resumed at the
    /// next start), then closes the database. Safe to call twice.
    public func stop() {
        stopLock.lock()
        defer { stopLock.unlock() }
        guard !stopped else { return }
        stopped = true
        if configuration.servesHTTP {
            server.stop(timeoutSeconds: 10)
            sessionSweeper.stop()
            services.searchIndexer.stop()
        }
        let validationStopped = pool.stop(timeoutSeconds: 10)
        let synthesisStopped = synthesisPool.stop(timeoutSeconds: 10)
        if !validationStopped || !synthesisStopped {
            logger.warning("a job was still running at shutdown; it resumes at the next start")
        }
        services.transport.shutdown()  // pending pre-flights end (cancelled) and queue their answers
        PendingAnswers.finishQueued()
        services.database.close()
    }

    static func prepareDataDirectory(_ configuration: AppConfiguration, clearingSpool: Bool = true) throws {
        let manager = FileManager.default
        // Owner only (0700): the folder holds the database, the uploads and perhaps master.key. An
        // existing data folder keeps its mode (it may be one the user chose); our own subfolders are
        // tightened every time.
        for folder in [configuration.dataDirectory, configuration.uploadsDirectory, configuration.spoolDirectory] {
            let existed = manager.fileExists(atPath: folder)
            do {
                try manager.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StartupError(description: "cannot create the data folder \(folder): \(error.localizedDescription)")
            }
            // Best effort: a folder owned by someone else keeps its mode, and the write check below decides.
            if !existed || folder != configuration.dataDirectory { _ = chmod(folder, 0o700) }
            guard access(folder, W_OK) == 0 else {
                throw StartupError(description: "the data folder \(folder) is not writable by this user")
            }
        }
        // Request bodies spooled by a previous run that died mid-upload.
        guard clearingSpool else { return }
        for leftover in (try? manager.contentsOfDirectory(atPath: configuration.spoolDirectory)) ?? [] {
            unlink(configuration.spoolDirectory + "/" + leftover)
        }
    }
}

/// Breaks the cycle: services need to wake the pool, and the pool is built from services.
private final class PoolBox: @unchecked Sendable {
    var pools: [WorkerPool] = []

    func wakeAll() {
        for pool in pools { pool.wake() }
    }
}
