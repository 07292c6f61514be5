public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: ResponseBody
    /// Set (through `.pending(_:)`) when the answer waits on something slow; status, headers and
    /// body then come from the pending response, and those above are unused.
    public internal(set) var pending: PendingResponse?

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: ResponseBody = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

public enum ResponseBody: Sendable {
    case bytes([UInt8])
    /// Sent straight from the file; deleted afterwards when `deleteAfterSending`.
    case file(path: String, deleteAfterSending: Bool)
    /// Produced in chunks while sending (exports that may be large).
    case stream(any ResponseChunkSource)
}

/// Pull-based body: the glue asks for the next chunk until `nil`, then calls `close()` exactly once
/// (also when the client goes away early).
public protocol ResponseChunkSource: AnyObject, Sendable {
    func nextChunk() -> [UInt8]?
    func close()
}
