import DistilleryCore
import Testing

struct RouterTests {
    let router = Router<String>([
        Route("GET", "/datasets", access: .signedIn, format: .html, handler: "list"),
        Route("GET", "/datasets/new", access: .signedIn, format: .html, handler: "new"),
        Route("GET", "/datasets/{id}", access: .signedIn, format: .html, handler: "detail"),
        Route("POST", "/datasets/{id}/delete", access: .signedIn, format: .html, handler: "delete"),
        Route("GET", "/static/{file...}", access: .publicRoute, format: .file, handler: "static"),
    ])

    func handlerName(_ method: String, _ path: String) -> String? {
        if case .found(let route, _) = router.match(method: method, path: path) { return route.handler }
        return nil
    }

    @Test(arguments: [
        ("GET", "/datasets", "list"),
        ("GET", "/datasets/", "list"),
        ("GET", "/datasets/new", "new"),
        ("GET", "/datasets/42", "detail"),
        ("HEAD", "/datasets/42", "detail"),
        ("POST", "/datasets/42/delete", "delete"),
        ("GET", "/static/app.css", "static"),
    ])
    func matchesInTableOrder(method: String, path: String, expected: String) {
        #expect(handlerName(method, path) == expected)
    }

    @Test func bindsPathParameters() throws {
        guard case .found(_, let parameters) = router.match(method: "GET", path: "/datasets/17") else {
            Issue.record("no match")
            return
        }
        #expect(parameters == ["id": "17"])
        guard case .found(_, let rest) = router.match(method: "GET", path: "/static/a/b.css") else {
            Issue.record("no match")
            return
        }
        #expect(rest == ["file": "a/b.css"])
    }

    @Test func unknownPathIsNotFoundAndWrongMethodListsAllowed() {
        if case .notFound = router.match(method: "GET", path: "/nope") {} else { Issue.record("expected notFound") }
        if case .notFound = router.match(method: "GET", path: "/datasets/1/delete/extra") {} else {
            Issue.record("expected notFound for a longer path")
        }
        guard case .methodNotAllowed(let allowed) = router.match(method: "DELETE", path: "/datasets/new") else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(allowed == ["GET", "GET"] || allowed == ["GET"])
        #expect(handlerName("GET", "/static") == nil)
    }
}

/// Which bodies may be spooled to disk: only routes that declare `.upload`; unknown routes are small.
struct RouteBodyTests {
    let router = Router<String>([
        Route("POST", "/datasets", access: .signedIn, format: .html, body: .upload, handler: "upload"),
        Route("POST", "/datasets/{id}/synthesize", access: .signedIn, format: .html, handler: "synthesize"),
    ])

    @Test(arguments: [
        ("POST", "/datasets", RouteBody.upload),
        ("POST", "/datasets/7/synthesize", RouteBody.small),
        ("PUT", "/datasets", RouteBody.small),
        ("POST", "/nowhere", RouteBody.small),
    ])
    func bodiesAreSmallUnlessTheRouteTakesUploads(method: String, path: String, expected: RouteBody) {
        #expect(router.body(method: method, path: path) == expected)
    }
}
