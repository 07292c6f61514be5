import DistilleryCore

// GET /  ->  303 to /datasets
func redirectToHome(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    Renderer.redirect(to: "/datasets")
}

// GET /healthz  (JSON; public) — liveness plus a database round trip.
func getHealth(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    struct Health: Encodable {
        let status: String
        let datasets: Int
    }
    let count = try context.datasets.count()
    return context.renderer.json(Health(status: "ok", datasets: count))
}
