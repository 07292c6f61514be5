/// Settings for `HTTPServer`. Only `spoolDirectory` has no sensible default.
public struct HTTPServerConfiguration: Sendable {
    /// IPv4 or IPv6 literal (`"127.0.0.1"`, `"::1"`, `"0.0.0.0"`, `"::"`), or `"localhost"` (= 127.0.0.1).
    public var host: String = "127.0.0.1"
    /// 0 picks a free port; `HTTPServer.start()` returns the real one.
    public var port: Int = 8080
    /// Largest request body accepted; larger ones are answered 413 through the rejection handler.
    public var maxBodyBytes: Int = 50 * 1024 * 1024
    /// Bodies up to this size stay in memory (`.bytes`); larger ones are spooled to a file as they arrive.
    public var inMemoryBodyLimit: Int = 64 * 1024
    /// Where spooled bodies go (created with mode 0700 if missing). Files are deleted after the response.
    public var spoolDirectory: String
    /// libmicrohttpd polling threads; each owns its connections and runs their handlers.
    public var threadCount: Int = 4
    /// Idle connections are closed after this many seconds.
    public var connectionTimeoutSeconds: Int = 30
    /// Which requests may be spooled to disk, decided from the method and path before any body byte
    /// is read. The default spools every body past `inMemoryBodyLimit`; an application whose bodies may
    /// hold secrets lets only its upload routes spool.
    public var bodyPolicy: @Sendable (_ method: String, _ path: String) -> RequestBodyPolicy = { _, _ in .spooled }
    /// Open connections one client address may hold (0: no limit). Past it, libmicrohttpd closes new
    /// connections from that address at once, so one client cannot take every connection slot
    /// (e.g. with connections that send their headers slowly) and lock other clients out.
    public var maxConnectionsPerAddress: Int = 128
    /// A chunked upload that passes `maxBodyBytes` is read on and thrown away until it ends, then
    /// answered 413 (libmicrohttpd cannot answer before the body has ended). A client still sending
    /// this many seconds after passing the limit is cut off without an answer.
    public var oversizedUploadDrainSeconds: Double = 30

    public init(
        spoolDirectory: String,
        host: String = "127.0.0.1",
        port: Int = 8080,
        maxBodyBytes: Int = 50 * 1024 * 1024,
        inMemoryBodyLimit: Int = 64 * 1024,
        threadCount: Int = 4,
        connectionTimeoutSeconds: Int = 30,
        maxConnectionsPerAddress: Int = 128
    ) {
        self.spoolDirectory = spoolDirectory
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.inMemoryBodyLimit = inMemoryBodyLimit
        self.threadCount = threadCount
        self.connectionTimeoutSeconds = connectionTimeoutSeconds
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
    }
}

/// Where a request's body goes while it arrives.
public enum RequestBodyPolicy: Sendable, Equatable {
    /// Memory up to `inMemoryBodyLimit`, then a spool file; at most `maxBodyBytes`.
    case spooled
    /// Memory only, at most `limit` bytes (413 above it); never written to disk.
    case inMemory(limit: Int)
}

/// Why the glue answered a request itself instead of calling the handler. The application turns it
/// into a response (HTML or JSON, depending on the request it receives alongside, whose body is `.empty`).
public enum HTTPRejection: Sendable, Equatable {
    /// The body is larger than `maxBodyBytes`: declared by Content-Length (refused before reading it)
    /// or found while streaming a chunked upload (then `declaredLength` is nil).
    case bodyTooLarge(limit: Int, declaredLength: Int?)
    /// The upload could not be stored (spool file could not be created or written, e.g. disk full).
    case uploadFailed(reason: String)
    /// The handler's response could not be sent (e.g. its `.file` does not exist).
    case responseFailed(reason: String)
    /// The headers do not say unambiguously where the body ends, or name a coding we cannot read
    /// (see `RequestFraming`). Refused before any of the body is read.
    case invalidFraming(reason: String)
    /// The server stopped before the handler's pending answer came.
    case stopping

    /// The status the glue would choose: 413 for too large, 400 for invalid framing, 503 when
    /// stopping, 500 otherwise.
    public var suggestedStatus: Int {
        switch self {
        case .bodyTooLarge: return 413
        case .invalidFraming: return 400
        case .stopping: return 503
        case .uploadFailed, .responseFailed: return 500
        }
    }

    /// A one-line explanation naming the limit or the cause, fit for an error page or a log.
    public var message: String {
        switch self {
        case .bodyTooLarge(let limit, let declared?):
            return "request body of \(declared) bytes is larger than the limit of \(limit) bytes"
        case .bodyTooLarge(let limit, nil):
            return "request body is larger than the limit of \(limit) bytes"
        case .uploadFailed(let reason):
            return "upload could not be stored: \(reason)"
        case .responseFailed(let reason):
            return "response could not be sent: \(reason)"
        case .invalidFraming(let reason):
            return "request refused: \(reason)"
        case .stopping:
            return "the server is stopping; try again in a moment"
        }
    }
}

/// Why `HTTPServer.start()` failed; `description` is a complete sentence for the operator.
public struct HTTPServerError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
