/// Every failure a handler can report on purpose. One mapping (`status`) turns it into a response;
/// anything else that escapes a handler becomes a 500 with an error id that is logged with its cause.
public enum AppError: Error, Equatable, Sendable {
    case notFound(String)
    case badRequest(String)
    /// Form or body fields that failed validation: field name -> message.
    case invalid(String, fields: [String: String])
    case conflict(String)
    case tooLarge(String)
    case methodNotAllowed(allowed: [String])
    case unauthorized(String)
    case forbidden(String)
    case unsupportedMediaType(String)
    /// The server cannot answer now (it is stopping); the client may try again.
    case unavailable(String)

    public var status: Int {
        switch self {
        case .notFound: return 404
        case .badRequest: return 400
        case .invalid: return 422
        case .conflict: return 409
        case .tooLarge: return 413
        case .methodNotAllowed: return 405
        case .unauthorized: return 401
        case .forbidden: return 403
        case .unsupportedMediaType: return 415
        case .unavailable: return 503
        }
    }

    public var message: String {
        switch self {
        case .notFound(let message), .badRequest(let message), .invalid(let message, _), .conflict(let message),
            .tooLarge(let message), .unauthorized(let message), .forbidden(let message),
            .unsupportedMediaType(let message), .unavailable(let message):
            return message
        case .methodNotAllowed(let allowed):
            return "method not allowed; this URL accepts \(allowed.joined(separator: ", "))"
        }
    }

    /// Stable machine-readable code for the JSON error body.
    public var code: String {
        switch self {
        case .notFound: return "not_found"
        case .badRequest: return "bad_request"
        case .invalid: return "invalid"
        case .conflict: return "conflict"
        case .tooLarge: return "too_large"
        case .methodNotAllowed: return "method_not_allowed"
        case .unauthorized: return "unauthorized"
        case .forbidden: return "forbidden"
        case .unsupportedMediaType: return "unsupported_media_type"
        case .unavailable: return "unavailable"
        }
    }

    public var fields: [String: String] {
        if case .invalid(_, let fields) = self { return fields }
        return [:]
    }
}
