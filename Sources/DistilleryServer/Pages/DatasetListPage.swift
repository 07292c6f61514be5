import DistilleryCore

// GET /datasets  — every dataset, newest first.  JSON twin: GET /api/datasets
func showDatasetListPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var view = try loadDatasetListView(context)
    view.chrome = context.chrome(section: .datasets)
    return context.renderer.html(.datasetList, view)
}

// GET /api/datasets  — HTML twin: GET /datasets. The same for every viewer, so it is served from a
// cache that any committed write invalidates.
func getDatasetListJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let body = try context.services.datasetListCache.body(database: context.database) {
        Renderer.encode(try loadDatasetListView(context))
    }
    var headers = HTTPHeaders()
    headers.set("Content-Type", "application/json; charset=utf-8")
    return HTTPResponse(status: 200, headers: headers, body: .bytes(body))
}

private func loadDatasetListView(_ context: RequestContext) throws -> DatasetListView {
    DatasetListView(records: try context.datasets.list())
}
