import DistilleryCore
import DistilleryResources

// GET /static/{file...}  (public) — CSS and JS embedded in the binary; cached for an hour.
func getStaticFile(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let name = request.pathParameters["file"] ?? ""
    guard let file = EmbeddedResources.staticFiles[name] else {
        throw AppError.notFound("No static file \(name).")
    }
    var headers = HTTPHeaders()
    headers.set("Content-Type", file.contentType)
    headers.set("Cache-Control", "public, max-age=3600")
    return HTTPResponse(status: 200, headers: headers, body: .bytes(file.bytes))
}
