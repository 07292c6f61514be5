import DistilleryCore

/// Identifies one submitted transfer, for `TeacherTransport.cancel`.
public struct TransferID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public var description: String { "transfer \(rawValue)" }
}

/// A header whose value is a secret kept in guarded memory (a decrypted API key), sent as
/// `name: prefix + secret` (for example `Authorization: Bearer sk-...`). The transport copies the
/// bytes straight from the `SecureBytes` into libcurl's header list and wipes every copy when the
/// transfer ends, so the key never becomes a Swift `String`. The `SecureBytes` must stay alive (not
/// freed) until the transfer's completion has run.
public struct TeacherSecretHeader: Sendable {
    public var name: String
    public var valuePrefix: String
    public var secret: SecureBytes

    public init(name: String = "Authorization", valuePrefix: String = "Bearer ", secret: SecureBytes) {
        self.name = name
        self.valuePrefix = valuePrefix
        self.secret = secret
    }
}

/// One HTTP request for `TeacherTransport.submit`.
public struct TeacherHTTPRequest: Sendable {
    public var url: String
    public var method: String
    /// Sent as given. Values may be secrets (an `Authorization` key): they are never copied into an
    /// error, a description or a log. Prefer `secretHeaders` for keys held in a `SecureBytes`.
    public var headers: [(String, String)]
    public var secretHeaders: [TeacherSecretHeader]
    public var body: [UInt8]
    /// Whole-transfer limit (waiting for a free connection, connecting, sending and receiving).
    public var timeoutSeconds: Double
    public var connectTimeoutSeconds: Double

    public init(
        url: String, method: String = "GET", headers: [(String, String)] = [], secretHeaders: [TeacherSecretHeader] = [],
        body: [UInt8] = [], timeoutSeconds: Double = 120, connectTimeoutSeconds: Double = 10
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.secretHeaders = secretHeaders
        self.body = body
        self.timeoutSeconds = timeoutSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// Method and URL without its query or user information (either may carry a key): enough to find
    /// the call in a message.
    var redactedTarget: String {
        var withoutQuery = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? url
        if let schemeEnd = withoutQuery.range(of: "://") {
            let authorityEnd = withoutQuery[schemeEnd.upperBound...].firstIndex(where: { $0 == "/" || $0 == "#" }) ?? withoutQuery.endIndex
            if let at = withoutQuery[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@") {
                withoutQuery.replaceSubrange(schemeEnd.upperBound...at, with: "")
            }
        }
        return "\(method.uppercased()) \(withoutQuery)"
    }
}

/// An HTTP response, whatever its status (a 429 or a 500 is a response, not a transport error).
public struct TeacherHTTPResponse: Sendable {
    public var status: Int
    /// Headers of the final response; lookups ignore case (`headers["retry-after"]`).
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// From the moment the transfer was handed to libcurl until its last byte arrived.
    public var elapsedSeconds: Double

    public init(status: Int, headers: HTTPHeaders, body: [UInt8], elapsedSeconds: Double) {
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsedSeconds = elapsedSeconds
    }

    /// The body decoded as UTF-8 (invalid bytes become U+FFFD).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A transfer that produced no HTTP response. Messages name the method, the URL without its query
/// and libcurl's cause; never request headers or body, which may hold an API key.
public enum TeacherTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The transfer (or its connection) exceeded its time limit.
    case timedOut
    /// No connection: refused, unreachable, unresolvable host, TLS handshake or certificate failure.
    case connectionFailed(String)
    /// `cancel` was called for it, or the transport shut down before it finished.
    case cancelled
    /// Anything else libcurl reported, with its CURLcode (0 when refused before reaching libcurl).
    case transferFailed(code: Int, String)

    public var description: String {
        switch self {
        case .timedOut: return "teacher request timed out"
        case .connectionFailed(let message): return "could not connect to the teacher: \(message)"
        case .cancelled: return "teacher request cancelled"
        case .transferFailed(let code, let message): return "teacher request failed (curl error \(code)): \(message)"
        }
    }
}
