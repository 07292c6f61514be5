/// Where a request's body ends, read from its headers (RFC 9112 §6). When two readings are
/// possible (Content-Length and Transfer-Encoding together, or two different lengths), a proxy in
/// front may pick the other one than us: that is how requests are smuggled past it. Such requests
/// are refused, not guessed.
public enum RequestFraming: Equatable, Sendable {
    case noBody
    case length(Int)
    case chunked

    /// The framing, or why the headers do not say it unambiguously (a sentence for a 400 answer).
    public static func of(_ headers: HTTPHeaders) -> Result<RequestFraming, RequestFramingError> {
        let transferEncodings = headers.values("Transfer-Encoding")
        let lengths = headers.values("Content-Length")
        if !transferEncodings.isEmpty && !lengths.isEmpty {
            return .failure(RequestFramingError("a request may not carry both Content-Length and Transfer-Encoding"))
        }
        if !transferEncodings.isEmpty {
            // Only "chunked" alone is understood; libmicrohttpd would read any other coding as a body without end.
            let codings = transferEncodings.flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces().lowercased() }
            guard codings == ["chunked"] else {
                return .failure(
                    RequestFramingError("Transfer-Encoding \"\(transferEncodings.joined(separator: ", "))\" is not supported; use chunked alone"))
            }
            return .success(.chunked)
        }
        guard let first = lengths.first else { return .success(.noBody) }
        let distinct = Set(lengths.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { $0.trimmingSpaces() })
        guard distinct.count == 1 else {
            return .failure(RequestFramingError("the request carries different Content-Length values (\(lengths.joined(separator: ", ")))"))
        }
        let text = distinct.first ?? ""
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(text) else {
            return .failure(RequestFramingError("Content-Length \"\(first)\" is not a number of bytes"))
        }
        return .success(length == 0 ? .noBody : .length(length))
    }
}

public struct RequestFramingError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
