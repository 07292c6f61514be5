/// Why one teacher call (or a seed) did not produce a usable answer.
public enum FailureClass: String, Sendable, CaseIterable, Equatable {
    case rateLimited
    case serverError
    case timeout
    case connection
    case malformedBody
    case emptyAnswer
    case truncated
    case judgeUnparseable
    /// The judge's verdict stopped at the judge's own token limit.
    case judgeTruncated
    /// A generation answer that is not the JSON list of items asked for (or an item misses a field): the call is
    /// retried, never half-accepted.
    case unparseableItems
    case unauthorized
    case insufficientBalance
    case badRequest
    case notFound
    /// The server answered (200) but does not list the model: no HTTP status to blame.
    case unknownModel
    case cancelled
    /// Never sent: the job stopped early (fail fast) before reaching this seed.
    case notAttempted

    /// Worth another attempt: the same request may well succeed later. 4xx answers (other than 429) and
    /// cancellation will not change by retrying.
    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .serverError, .timeout, .connection, .malformedBody, .emptyAnswer, .truncated,
            .judgeUnparseable, .judgeTruncated, .unparseableItems:
            return true
        case .unauthorized, .insufficientBalance, .badRequest, .notFound, .unknownModel, .cancelled, .notAttempted:
            return false
        }
    }

    /// Stable machine-readable code (stored per seed, grouped on the job page, used in the JSON API).
    public var code: String {
        switch self {
        case .rateLimited: return "rate_limited"
        case .serverError: return "server_error"
        case .timeout: return "timeout"
        case .connection: return "connection_failed"
        case .malformedBody: return "malformed_response"
        case .emptyAnswer: return "empty_answer"
        case .truncated: return "truncated_answer"
        case .judgeUnparseable: return "judge_unparseable"
        case .judgeTruncated: return "judge_truncated"
        case .unparseableItems: return "unparseable_items"
        case .unauthorized: return "unauthorized"
        case .insufficientBalance: return "insufficient_balance"
        case .badRequest: return "bad_request"
        case .notFound: return "not_found"
        case .unknownModel: return "unknown_model"
        case .cancelled: return "cancelled"
        case .notAttempted: return "not_attempted"
        }
    }

    public init?(code: String) {
        guard let match = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = match
    }

    /// Plain-English explanation for people; never contains request data or secrets.
    public var summary: String {
        switch self {
        case .rateLimited: return "The teacher's rate limit was reached (HTTP 429)."
        case .serverError: return "The teacher's server failed (HTTP 5xx)."
        case .timeout: return "The teacher did not answer in time."
        case .connection: return "Could not connect to the teacher."
        case .malformedBody: return "The teacher's response was not valid chat-completions JSON."
        case .emptyAnswer: return "The teacher returned an empty answer."
        case .truncated: return "The answer was cut off at the token limit (finish_reason \"length\")."
        case .judgeUnparseable: return "The judge's verdict could not be read."
        case .judgeTruncated:
            return "The judge's verdict was cut off at the judge's token limit (finish_reason \"length\"); raise the judge's max tokens."
        case .unparseableItems: return "The answer was not the JSON list of items asked for."
        case .unauthorized: return "The teacher rejected the API key (HTTP 401/403). Check the key and that it belongs to this provider."
        case .insufficientBalance: return "The teacher account has no balance left (HTTP 402)."
        case .badRequest: return "The teacher rejected the request as invalid (HTTP 400). Check the model and parameters."
        case .notFound: return "The teacher does not know this URL or model (HTTP 404). Check the base URL and model name."
        case .unknownModel: return "The teacher does not offer this model; check the model name."
        case .cancelled: return "The job was cancelled."
        case .notAttempted: return "Not sent: the job stopped early (see why on the job page)."
        }
    }

    /// The class for a non-2xx HTTP status; nil for success codes.
    public static func forHTTPStatus(_ status: Int) -> FailureClass? {
        switch status {
        case 200..<300: return nil
        case 401, 403: return .unauthorized
        case 402: return .insufficientBalance
        case 404: return .notFound
        case 408: return .timeout
        case 429: return .rateLimited
        case 500...599: return .serverError
        default: return .badRequest
        }
    }
}

/// Errors below HTTP: what the client reports when no response arrived.
public enum TransportFailure: Sendable, Equatable {
    case timeout
    case connection(String)
    case cancelled

    public var failureClass: FailureClass {
        switch self {
        case .timeout: return .timeout
        case .connection: return .connection
        case .cancelled: return .cancelled
        }
    }
}

/// One failed attempt: its class and a message safe to store and show.
public struct TeacherFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var failureClass: FailureClass
    /// Summary plus any detail (HTTP status, the provider's own error message). The transport has
    /// already removed the request's key from what the teacher sent; key-shaped words are removed here too.
    public var message: String
    public var httpStatus: Int?
    /// From `Retry-After` on this response, in milliseconds.
    public var retryAfterMs: Int64?

    public init(_ failureClass: FailureClass, detail: String? = nil, httpStatus: Int? = nil, retryAfterMs: Int64? = nil) {
        self.failureClass = failureClass
        var message = failureClass.summary
        if let detail, !detail.isEmpty { message += " " + detail }
        self.message = message
        self.httpStatus = httpStatus
        self.retryAfterMs = retryAfterMs
    }

    public var code: String { failureClass.code }
    public var description: String { "\(code): \(message)" }

    /// A failed HTTP response: the class from the status, and the provider's `error.message` (if the body
    /// has one) shortened and with key-like strings removed.
    public static func http(status: Int, body: [UInt8], retryAfterMs: Int64? = nil) -> TeacherFailure {
        let failureClass = FailureClass.forHTTPStatus(status) ?? .malformedBody
        var detail = "HTTP \(status)."
        if let providerMessage = providerErrorMessage(body) {
            detail += " The provider said: \"\(SecretRedaction.redact(providerMessage, limit: 200))\""
        }
        return TeacherFailure(failureClass, detail: detail, httpStatus: status, retryAfterMs: retryAfterMs)
    }

    public static func transport(_ failure: TransportFailure) -> TeacherFailure {
        switch failure {
        case .connection(let reason):
            return TeacherFailure(.connection, detail: SecretRedaction.redact(reason, limit: 200))
        case .timeout, .cancelled:
            return TeacherFailure(failure.failureClass)
        }
    }

    /// `{"error": {"message": "..."}}`, `{"error": "..."}` or `{"message": "..."}`.
    static func providerErrorMessage(_ body: [UInt8]) -> String? {
        guard let json = try? SynthesisJSON.parse(body) else { return nil }
        return json["error"]?["message"]?.stringValue ?? json["error"]?.stringValue ?? json["message"]?.stringValue
    }
}

/// The second line of defence for stored messages: words that look like keys or tokens (letters and
/// digits mixed, 20+ characters), such as another key a provider echoes in part ("Incorrect API key
/// provided: sk-abc***"). The first line is exact: the transport removes the request's own key, in
/// every encoding, from whatever the teacher sends (`ExactSecretRedaction`), since a short key or one
/// without digits does not look like a key.
public enum SecretRedaction {
    public static func redact(_ text: String, limit: Int = 500) -> String {
        var output = ""
        var word = ""
        func flush() {
            let hasDigit = word.contains(where: \.isNumber)
            let hasLetter = word.contains(where: \.isLetter)
            if word.count >= 20 && hasDigit && hasLetter { output += "[redacted]" } else { output += word }
            word = ""
        }
        for character in text {
            if character.isLetter || character.isNumber || character == "-" || character == "_" || character == "*"
                || character == "."
            {
                word.append(character)
            } else {
                flush()
                output.append(character)
            }
        }
        flush()
        if output.count > limit { output = String(output.prefix(limit)) + "…" }
        return output
    }
}
