/// A request as the handlers see it: the HTTP glue builds it, and knows nothing of routes.
public struct HTTPRequest: Sendable {
    public var method: String
    /// Percent-decoded path without the query string, e.g. `/datasets/3`.
    public var path: String
    /// Query parameters in order; `query(_:)` returns the first value of a name.
    public var queryItems: [(name: String, value: String)]
    public var headers: HTTPHeaders
    public var body: RequestBody
    /// The peer's IP address as text ("127.0.0.1", "::1").
    public var remoteAddress: String
    /// Filled in by the router from `{name}` segments of the matched pattern.
    public var pathParameters: [String: String] = [:]

    public init(
        method: String, path: String, queryItems: [(name: String, value: String)] = [],
        headers: HTTPHeaders = HTTPHeaders(), body: RequestBody = .empty, remoteAddress: String = "127.0.0.1"
    ) {
        self.method = method
        self.path = path
        self.queryItems = queryItems
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    public func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }
}

/// Bodies up to a small bound are kept in memory; larger ones were spooled to a file by the glue
/// as they arrived, so a 50 MB upload never sits in memory. The glue deletes the file after the
/// response is sent; a handler that wants to keep it must move it.
public enum RequestBody: Sendable {
    case empty
    case bytes([UInt8])
    case file(path: String, size: Int)

    public var size: Int {
        switch self {
        case .empty: return 0
        case .bytes(let bytes): return bytes.count
        case .file(_, let size): return size
        }
    }
}
