import DistilleryCore
import Logging

typealias RouteHandler = @Sendable (HTTPRequest, Services) throws -> HTTPResponse

/// Matches a request against the route table, runs the handler and maps errors to responses in
/// one place. Known errors get their status and message; anything else is a 500 whose error id is
/// logged beside the cause, so the page shows no internals.
struct Dispatcher: Sendable {
    let router: Router<RouteHandler>
    let services: Services

    func handle(_ incoming: HTTPRequest) -> HTTPResponse {
        var request = incoming
        var response: HTTPResponse
        switch router.match(method: request.method, path: request.path) {
        case .found(let route, let parameters):
            request.pathParameters = parameters
            response = run(route, request)
        case .methodNotAllowed(let allowed):
            response = errorResponse(.methodNotAllowed(allowed: allowed), format: Self.format(forPath: request.path))
            response.headers.set("Allow", allowed.joined(separator: ", "))
        case .notFound:
            response = errorResponse(.notFound("No page at \(request.path)."), format: Self.format(forPath: request.path))
        }
        SecurityHeaders.apply(to: &response.headers)
        return response
    }

    private func run(_ route: Route<RouteHandler>, _ request: HTTPRequest) -> HTTPResponse {
        do {
            return try route.handler(request, services)
        } catch let error as AppError {
            return errorResponse(error, format: route.format)
        } catch {
            let errorID = ErrorID.make()
            services.logger.error(
                "unhandled error",
                metadata: ["error_id": "\(errorID)", "method": "\(request.method)", "path": "\(request.path)", "cause": "\(error)"])
            return internalErrorResponse(errorID: errorID, format: route.format)
        }
    }

    static func format(forPath path: String) -> RouteFormat {
        path == "/api" || path.hasPrefix("/api/") ? .json : .html
    }

    func errorResponse(_ error: AppError, format: RouteFormat) -> HTTPResponse {
        switch format {
        case .json:
            return services.renderer.json(ErrorBody(error: error), status: error.status)
        case .html, .file:
            return services.renderer.html(
                "error", ErrorPage(status: error.status, message: error.message, errorID: nil), status: error.status)
        }
    }

    func internalErrorResponse(errorID: String, format: RouteFormat) -> HTTPResponse {
        let message = "Something went wrong on the server."
        switch format {
        case .json:
            return services.renderer.json(
                ErrorBody(code: "internal", message: message, fields: nil, errorID: errorID), status: 500)
        case .html, .file:
            return services.renderer.html("error", ErrorPage(status: 500, message: message, errorID: errorID), status: 500)
        }
    }
}

/// `{"error": {"code", "message", "fields", "errorID"}}`
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        let code: String
        let message: String
        let fields: [String: String]?
        let errorID: String?
    }

    let error: Detail

    init(error: AppError) {
        self.error = Detail(
            code: error.code, message: error.message, fields: error.fields.isEmpty ? nil : error.fields, errorID: nil)
    }

    init(code: String, message: String, fields: [String: String]?, errorID: String?) {
        error = Detail(code: code, message: message, fields: fields, errorID: errorID)
    }
}

/// Stored properties only: Mustache reads view models by reflection, which sees no computed ones.
struct ErrorPage {
    let status: Int
    let statusText: String
    let message: String
    let errorID: String?
    let nav = Navigation(datasets: false)

    init(status: Int, message: String, errorID: String?) {
        self.status = status
        self.statusText = HTTPStatus.reason(status)
        self.message = message
        self.errorID = errorID
    }
}

enum ErrorID {
    static func make() -> String {
        String((0..<10).map { _ in "abcdefghijkmnpqrstuvwxyz23456789".randomElement()! })
    }
}

enum HTTPStatus {
    static func reason(_ status: Int) -> String {
        switch status {
        case 400: return "Bad request"
        case 401: return "Sign-in required"
        case 403: return "Forbidden"
        case 404: return "Not found"
        case 405: return "Method not allowed"
        case 409: return "Conflict"
        case 413: return "Upload too large"
        case 415: return "Unsupported media type"
        case 422: return "Invalid input"
        case 500: return "Server error"
        default: return "Error"
        }
    }
}

/// Sent on every response: no inline script is allowed, no framing, no MIME sniffing.
enum SecurityHeaders {
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func apply(to headers: inout HTTPHeaders) {
        headers.set("Content-Security-Policy", contentSecurityPolicy)
        headers.set("X-Content-Type-Options", "nosniff")
        headers.set("X-Frame-Options", "DENY")
        headers.set("Referrer-Policy", "same-origin")
    }
}
