import CMicroHTTPD
import DistilleryCore
import Foundation
import Synchronization

/// An HTTP/1.1 server over libmicrohttpd that turns each request into an `HTTPRequest`, calls one
/// handler and sends back its `HTTPResponse`. It knows no routes.
///
/// The handler runs synchronously on one of `threadCount` libmicrohttpd polling threads (epoll), each
/// serving its own set of keep-alive connections, so it must not wait on the network: a handler whose
/// answer does returns `HTTPResponse.pending`, and the connection is suspended until the answer comes.
/// Request bodies stream into memory or a spool file as they arrive; bodies over `maxBodyBytes` never
/// reach the handler: `rejectionHandler` answers them.
public final class HTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    public typealias RejectionHandler = @Sendable (HTTPRejection, HTTPRequest) -> HTTPResponse

    let configuration: HTTPServerConfiguration
    let handler: Handler
    let rejectionHandler: RejectionHandler

    /// Requests between their first callback and their completion notice; `stop` waits for zero.
    let activeRequests = Atomic<Int>(0)
    /// Set by `stop`: responses then carry `Connection: close` so keep-alive clients go away.
    let isStopping = Atomic<Bool>(false)
    /// Requests whose handler's answer is pending, their connections suspended.
    let parking = ParkingLot()

    private let lock = NSLock()
    private var daemon: OpaquePointer?
    private var listeningDescriptor: Int32 = -1
    private var boundPort = 0

    public init(
        configuration: HTTPServerConfiguration,
        handler: @escaping Handler,
        rejectionHandler: @escaping RejectionHandler
    ) {
        self.configuration = configuration
        self.handler = handler
        self.rejectionHandler = rejectionHandler
    }

    deinit {
        // Callbacks hold this object unretained, so the daemon must be gone before it is.
        stop(timeoutSeconds: 0)
    }

    /// The bound port (the real one when configured with 0); 0 before `start`.
    public var port: Int {
        lock.withLock { boundPort }
    }

    /// Binds, listens and starts serving; returns the bound port.
    /// Throws `HTTPServerError` with a sentence such as "port 8080 on 127.0.0.1 is already in use".
    @discardableResult
    public func start() throws -> Int {
        try lock.withLock {
            guard daemon == nil else { return boundPort }
            try prepareSpoolDirectory()
            let socket = try ListeningSocket.open(host: configuration.host, port: configuration.port)

            var flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue
            // Inter-thread communication is what MHD_quiesce_daemon needs to stop the pool's accepts.
            flags |= MHD_USE_ITC.rawValue
            // Handlers whose answer is pending park their connection (see ParkedRequests.swift).
            flags |= MHD_ALLOW_SUSPEND_RESUME.rawValue
            if socket.isIPv6 { flags |= MHD_USE_IPv6.rawValue }

            let started = distillery_mhd_start_daemon(
                flags,
                socket.descriptor,
                UInt32(max(1, configuration.threadCount)),
                UInt32(max(0, configuration.connectionTimeoutSeconds)),
                Self.connectionMemoryLimit,
                UInt32(max(0, configuration.maxConnectionsPerAddress)),
                distilleryAccessHandler,
                Unmanaged.passUnretained(self).toOpaque(),
                distilleryRequestCompleted,
                Unmanaged.passUnretained(self).toOpaque()
            )
            guard let started else {
                close(socket.descriptor)
                throw HTTPServerError(
                    "libmicrohttpd could not start on \(configuration.host) port \(socket.port) "
                        + "(threads: \(configuration.threadCount); epoll may be unavailable)")
            }
            daemon = started
            listeningDescriptor = socket.descriptor
            boundPort = socket.port
            isStopping.store(false, ordering: .relaxed)
            parking.reopen()
            return socket.port
        }
    }

    /// Stops accepting connections at once, lets requests in flight finish (up to `timeoutSeconds`),
    /// answers those still pending 503, then shuts the daemon down, closing idle keep-alive
    /// connections. Safe to call more than once.
    public func stop(timeoutSeconds: Double = 10) {
        let claimed: OpaquePointer? = lock.withLock {
            let running = daemon
            daemon = nil
            return running
        }
        guard let claimed else { return }
        isStopping.store(true, ordering: .relaxed)

        // MHD gives the listening socket back instead of closing it; closing it makes new connections
        // fail right away rather than queue in the backlog.
        let listener = MHD_quiesce_daemon(claimed)
        if listener >= 0 { close(listener) }

        waitForActiveRequests(seconds: timeoutSeconds)
        // MHD_stop_daemon aborts the process if a connection is still suspended.
        if parking.closeAll(answering: .failure(ServerStopping())) > 0 {
            waitForActiveRequests(seconds: 1)  // time to send those 503s
        }
        MHD_stop_daemon(claimed)
        lock.withLock { listeningDescriptor = -1 }
    }

    private func waitForActiveRequests(seconds: Double) {
        let deadline = Date().addingTimeInterval(max(0, seconds))
        while activeRequests.load(ordering: .acquiring) > 0 && Date() < deadline {
            usleep(2_000)
        }
    }

    /// Per-connection buffer budget: request line + headers must fit, and upload data arrives in
    /// pieces of roughly this size. libmicrohttpd clears the pool between requests on a kept-alive
    /// connection, so a larger pool costs a memset per request (128 KiB was 9% of the CPU under wrk).
    static let connectionMemoryLimit = 32 * 1024

    private func prepareSpoolDirectory() throws {
        let directory = configuration.spoolDirectory
        guard !directory.isEmpty else {
            throw HTTPServerError("spoolDirectory is empty: uploads need a folder for temporary files")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw HTTPServerError("cannot create spool directory \(directory): \(error.localizedDescription)")
        }
    }
}
