import DistilleryCore
import DistilleryPlatform
import Logging

typealias RouteHandler = @Sendable (HTTPRequest, RequestContext) throws -> HTTPResponse

/// Matches a request against the route table, runs the handler and maps errors to responses in
/// one place. Known errors get their status and message; anything else is a 500 whose error id is
/// logged beside the cause, so the page shows no internals. A handler's pending answer (one that
/// waits on a teacher) gets the same treatment when it comes.
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
            let format = Self.format(forPath: request.path)
            response = errorResponse(.methodNotAllowed(allowed: allowed), format: format, identity: pageIdentity(request, format: format))
            response.headers.set("Allow", allowed.joined(separator: ", "))
        case .notFound:
            let format = Self.format(forPath: request.path)
            response = errorResponse(.notFound("No page at \(request.path)."), format: format, identity: pageIdentity(request, format: format))
        }
        return Self.withSecurityHeaders(response)
    }

    private static func withSecurityHeaders(_ response: HTTPResponse) -> HTTPResponse {
        if let pending = response.pending {
            return .pending(pending.map { outcome in outcome.map(withSecurityHeaders) })
        }
        var response = response
        SecurityHeaders.apply(to: &response.headers)
        return response
    }

    /// Identifies the caller, enforces the route's access and the CSRF check, then runs the handler.
    private func run(_ route: Route<RouteHandler>, _ request: HTTPRequest) -> HTTPResponse {
        let authenticator = services.authenticator
        var newCookies: [String] = []
        var identity: Identity?
        do {
            identity = try authenticator.identify(request, now: services.configuration.clock())
            var anonymousCSRFToken: String?
            if identity == nil {
                anonymousCSRFToken = Authenticator.cookie(Authenticator.csrfCookie, in: request)
                if anonymousCSRFToken == nil && route.access == .publicRoute && route.format == .html {
                    let token = RandomToken.generate()
                    anonymousCSRFToken = token
                    newCookies.append(authenticator.anonymousCSRFCookie(token))
                }
            }
            switch route.access {
            case .publicRoute:
                break
            case .signedIn, .admin:
                guard let identity else { return try signInRequired(request, format: route.format) }
                if route.access == .admin && !identity.user.isAdmin {
                    throw AppError.forbidden("Only an admin can open this page.")
                }
            }
            if Self.changesState(request.method) {
                try checkCSRF(request, identity: identity)
            }
            var response = try route.handler(
                request, RequestContext(
                    services: services, identity: identity, anonymousCSRFToken: anonymousCSRFToken,
                    remoteAddress: request.remoteAddress))
            if let pending = response.pending {
                return .pending(pending.map { [newCookies, identity] outcome in
                    var answer: HTTPResponse
                    switch outcome {
                    case .success(let response): answer = response
                    case .failure(let error): answer = self.response(for: error, route: route, request: request, identity: identity)
                    }
                    for cookie in newCookies { answer.headers.add("Set-Cookie", cookie) }
                    return .success(answer)
                })
            }
            for cookie in newCookies { response.headers.add("Set-Cookie", cookie) }
            return response
        } catch {
            return response(for: error, route: route, request: request, identity: identity)
        }
    }

    /// The error page (or JSON) for a handler's error.
    private func response(for error: any Error, route: Route<RouteHandler>, request: HTTPRequest, identity: Identity?) -> HTTPResponse {
        switch error {
        case let error as AppError:
            var response = errorResponse(error, format: route.format, identity: identity)
            if case .unauthorized = error { response.headers.set("WWW-Authenticate", "Bearer realm=\"distillery\"") }
            return response
        case let error as StatusTransitionError:
            // A store refused a status change its life cycle does not allow (a race with another request).
            return errorResponse(.conflict(error.message), format: route.format, identity: identity)
        default:
            let errorID = ErrorID.make()
            services.logger.error(
                "unhandled error",
                metadata: ["error_id": "\(errorID)", "method": "\(request.method)", "path": "\(request.path)", "cause": "\(error)"])
            return internalErrorResponse(errorID: errorID, format: route.format, identity: identity)
        }
    }

    /// Who is asking, for an HTML error page's menu when no route ran (JSON needs none); a failure
    /// here only costs the menu.
    private func pageIdentity(_ request: HTTPRequest, format: RouteFormat) -> Identity? {
        guard format == .html else { return nil }
        return (try? services.authenticator.identify(request, now: services.configuration.clock())) ?? nil
    }

    static func changesState(_ method: String) -> Bool {
        !["GET", "HEAD", "OPTIONS"].contains(method)
    }

    /// Pages send the visitor to sign in (or to first-run setup when there is no user yet) and
    /// come back afterwards; JSON gets a 401.
    private func signInRequired(_ request: HTTPRequest, format: RouteFormat) throws -> HTTPResponse {
        if format == .json || Self.format(forPath: request.path) == .json {
            var response = errorResponse(.unauthorized("Sign in, or send an API token as \"Authorization: Bearer <token>\"."), format: .json)
            response.headers.set("WWW-Authenticate", "Bearer realm=\"distillery\"")
            return response
        }
        if try services.users.count() == 0 { return Renderer.redirect(to: "/setup") }
        let next = request.method == "GET" ? "?next=" + FormDecoding.percentEncode(request.path) : ""
        return Renderer.redirect(to: "/login" + next)
    }

    /// Browser sessions must echo their CSRF token on every state-changing request; anonymous
    /// forms (sign-in, setup) echo the token from their own cookie. Bearer tokens are exempt.
    private func checkCSRF(_ request: HTTPRequest, identity: Identity?) throws {
        let expected: String?
        switch identity?.credential {
        case .apiToken: return
        case .session(let session): expected = session.csrfToken
        case nil: expected = Authenticator.cookie(Authenticator.csrfCookie, in: request)
        }
        guard let expected, let provided = FormFields.csrfToken(request),
            SecretDigest.equalConstantTime(Array(provided.utf8), Array(expected.utf8))
        else {
            throw AppError.forbidden(
                "The request's security (CSRF) token is missing or out of date. Reload the page and try again; API clients send an API token instead.")
        }
    }

    static func format(forPath path: String) -> RouteFormat {
        path == "/api" || path.hasPrefix("/api/") ? .json : .html
    }

    /// Error pages keep the top menu and the signed-in user, so a wrong link is not a dead end.
    func errorResponse(_ error: AppError, format: RouteFormat, identity: Identity? = nil) -> HTTPResponse {
        switch format {
        case .json:
            return services.renderer.json(ErrorBody(error: error), status: error.status)
        case .html, .file:
            var page = ErrorPage(status: error.status, message: error.message, errorID: nil)
            page.chrome = Self.chrome(for: identity)
            return services.renderer.html(.error, page, status: error.status)
        }
    }

    func internalErrorResponse(errorID: String, format: RouteFormat, identity: Identity? = nil) -> HTTPResponse {
        let message = "Something went wrong on the server."
        switch format {
        case .json:
            return services.renderer.json(
                ErrorBody(code: "internal", message: message, fields: nil, errorID: errorID), status: 500)
        case .html, .file:
            var page = ErrorPage(status: 500, message: message, errorID: errorID)
            page.chrome = Self.chrome(for: identity)
            return services.renderer.html(.error, page, status: 500)
        }
    }

    /// The menu of a browser session; an API token's caller gets none (its sign-out form would need a CSRF token).
    static func chrome(for identity: Identity?) -> PageChrome? {
        guard let identity, let csrfToken = identity.csrfToken else { return nil }
        return PageChrome(userName: identity.user.name, isAdmin: identity.user.isAdmin, csrfToken: csrfToken, section: .none)
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
    var chrome: PageChrome?

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
        case 503: return "Unavailable"
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
