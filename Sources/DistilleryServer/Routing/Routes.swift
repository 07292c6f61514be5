import DistilleryCore

/// Every URL the server answers, in priority order (literal paths before `{id}` patterns).
/// `access` is enforced by the dispatcher once accounts exist; the table already marks the few
/// routes that must stay reachable without signing in.
enum Routes {
    static let table: [Route<RouteHandler>] = [
        Route("GET", "/", access: .signedIn, format: .html, handler: redirectToHome),
        Route("GET", "/healthz", access: .publicRoute, format: .json, handler: getHealth),
        Route("GET", "/static/{file...}", access: .publicRoute, format: .file, handler: getStaticFile),

        Route("GET", "/datasets", access: .signedIn, format: .html, handler: showDatasetListPage),
        Route("GET", "/datasets/new", access: .signedIn, format: .html, handler: showNewDatasetPage),
        Route("POST", "/datasets", access: .signedIn, format: .html, handler: submitNewDataset),
        Route("GET", "/datasets/{id}", access: .signedIn, format: .html, handler: showDatasetDetailPage),
        Route("POST", "/datasets/{id}/delete", access: .signedIn, format: .html, handler: submitDatasetDeletion),
        Route("GET", "/datasets/{id}/download", access: .signedIn, format: .file, handler: downloadDatasetJSONL),
        Route("GET", "/datasets/{id}/errors.csv", access: .signedIn, format: .file, handler: downloadErrorReportCSV),
        Route("GET", "/datasets/{id}/errors.jsonl", access: .signedIn, format: .file, handler: downloadErrorReportJSONL),

        Route("GET", "/api/datasets", access: .signedIn, format: .json, handler: getDatasetListJSON),
        Route("POST", "/api/datasets", access: .signedIn, format: .json, handler: createDatasetJSON),
        Route("GET", "/api/datasets/{id}", access: .signedIn, format: .json, handler: getDatasetJSON),
        Route("DELETE", "/api/datasets/{id}", access: .signedIn, format: .json, handler: deleteDatasetJSON),
        Route("GET", "/api/datasets/{id}/errors", access: .signedIn, format: .json, handler: getDatasetErrorsJSON),
        Route("GET", "/api/datasets/{id}/rows", access: .signedIn, format: .json, handler: getDatasetRowsJSON),
        Route("GET", "/api/base-models", access: .signedIn, format: .json, handler: getBaseModelsJSON),
    ]

    static let router = Router(table)
}

extension HTTPRequest {
    /// The `{id}` path parameter as a dataset id; a non-number is a 404, as for a missing dataset.
    func datasetID() throws -> Int64 {
        guard let text = pathParameters["id"], let id = Int64(text), id > 0 else {
            throw AppError.notFound("No dataset \(pathParameters["id"] ?? "").")
        }
        return id
    }

    /// Paging parameters `page` (1-based) and `per_page` (1...max).
    func paging(defaultPerPage: Int = 50, maxPerPage: Int = 500) throws -> (page: Int, perPage: Int) {
        let page = try positiveInteger("page") ?? 1
        let perPage = try positiveInteger("per_page") ?? defaultPerPage
        guard perPage <= maxPerPage else {
            throw AppError.badRequest("per_page must be at most \(maxPerPage); got \(perPage).")
        }
        return (page, perPage)
    }

    private func positiveInteger(_ name: String) throws -> Int? {
        guard let text = query(name) else { return nil }
        guard let value = Int(text), value >= 1 else {
            throw AppError.badRequest("\(name) must be a whole number of at least 1; got \"\(text.prefix(40))\".")
        }
        return value
    }

    var wantsJSON: Bool {
        (headers["Accept"] ?? "").contains("application/json")
    }
}
