/// Who may call a route. Issue 3 adds accounts; until then every route is public, but the table
/// already says which ones must stay public (login, setup, health, static files).
public enum RouteAccess: Sendable, Equatable {
    case publicRoute
    case signedIn
    case admin
}

/// Whether a route answers HTML (a page) or JSON (an API twin); decides how errors are rendered.
public enum RouteFormat: Sendable, Equatable {
    case html
    case json
    case file
}

/// How a route takes its request body. Only routes that create a dataset from a file declare `.upload`;
/// every other body (forms, JSON, which may carry a pasted API key) stays in memory and never touches
/// the disk.
public enum RouteBody: Sendable, Equatable {
    /// Kept in memory, at most `smallLimitBytes`; larger bodies are answered 413.
    case small
    /// A dataset upload: up to the upload limit, spooled to a temporary file as it arrives.
    case upload

    /// 1 MiB: far above any form or JSON request, far below an upload.
    public static let smallLimitBytes = 1024 * 1024
}

public struct Route<Handler: Sendable>: Sendable {
    public let method: String
    public let pattern: String
    public let access: RouteAccess
    public let format: RouteFormat
    public let body: RouteBody
    public let handler: Handler
    let segments: [PatternSegment]

    public init(
        _ method: String, _ pattern: String, access: RouteAccess, format: RouteFormat, body: RouteBody = .small, handler: Handler
    ) {
        self.method = method
        self.pattern = pattern
        self.access = access
        self.format = format
        self.body = body
        self.handler = handler
        self.segments = PatternSegment.parse(pattern)
    }
}

enum PatternSegment: Sendable, Equatable {
    case literal(String)
    case parameter(String)
    /// `{name...}` swallows the rest of the path (static files).
    case rest(String)

    static func parse(_ pattern: String) -> [PatternSegment] {
        pattern.split(separator: "/", omittingEmptySubsequences: true).map { raw in
            if raw.hasPrefix("{") && raw.hasSuffix("...}") {
                return .rest(String(raw.dropFirst().dropLast(4)))
            }
            if raw.hasPrefix("{") && raw.hasSuffix("}") {
                return .parameter(String(raw.dropFirst().dropLast()))
            }
            return .literal(String(raw))
        }
    }
}

public enum RouteMatch<Handler: Sendable> {
    case found(Route<Handler>, parameters: [String: String])
    /// The path exists but not for this method: 405 with an Allow header.
    case methodNotAllowed(allowed: [String])
    case notFound
}

/// The one route table. Matching is linear: the table is small and the order is the priority.
public struct Router<Handler: Sendable>: Sendable {
    public let routes: [Route<Handler>]
    /// The patterns kept apart from the routes, so matching walks plain arrays without copying routes.
    private let patterns: [[PatternSegment]]
    private let methods: [String]

    public init(_ routes: [Route<Handler>]) {
        self.routes = routes
        patterns = routes.map(\.segments)
        methods = routes.map(\.method)
    }

    public func match(method: String, path: String) -> RouteMatch<Handler> {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        for index in patterns.indices {
            guard let parameters = Self.bind(patterns[index], to: parts) else { continue }
            if methods[index] == method || (method == "HEAD" && methods[index] == "GET") {
                return .found(routes[index], parameters: parameters)
            }
            allowed.append(methods[index])
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    /// How a request to `path` takes its body: its route's declaration, `.small` for unknown routes.
    public func body(method: String, path: String) -> RouteBody {
        if case .found(let route, _) = match(method: method, path: path) { return route.body }
        return .small
    }

    static func bind(_ segments: [PatternSegment], to parts: [Substring]) -> [String: String]? {
        guard segments.count == parts.count || segments.last.map({ if case .rest = $0 { return true } else { return false } }) == true else {
            return nil
        }
        var parameters: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .rest(let name):
                guard index < parts.count else { return nil }
                parameters[name] = parts[index...].joined(separator: "/")
                return parameters
            case .literal(let text):
                guard index < parts.count, parts[index] == text else { return nil }
            case .parameter(let name):
                guard index < parts.count, !parts[index].isEmpty else { return nil }
                parameters[name] = String(parts[index])
            }
        }
        return segments.count == parts.count ? parameters : nil
    }
}
