import DistilleryCore

/// One request for `HTTPClient.send`.
public struct HTTPClientRequest: Sendable {
    public enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// Sent from the file, with its size as Content-Length.
        case file(path: String)
        /// Sent with `Transfer-Encoding: chunked` and no Content-Length, one HTTP chunk per element.
        case chunked([[UInt8]])
    }

    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Body
    /// Whole-transfer limit (connect + send + receive).
    public var timeoutSeconds: Double

    public init(
        method: String = "GET", url: String, headers: [(String, String)] = [], body: Body = .none,
        timeoutSeconds: Double = 30
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
    }
}

public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// Headers of the final response (those of a `100 Continue` are dropped).
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body decoded as UTF-8 (invalid bytes become U+FFFD).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A transfer that produced no HTTP response. The message names method, URL (without its query)
/// and cause, never request headers or body, which may hold credentials.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        case connectionFailed
        case timedOut
        case invalidRequest
        case transferFailed
    }

    public let kind: Kind
    /// libcurl's CURLcode, 0 when the request was refused before reaching libcurl.
    public let curlCode: Int
    public let description: String
}
