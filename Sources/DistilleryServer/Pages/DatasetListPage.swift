import DistilleryCore

// GET /datasets  — every dataset, newest first.  JSON twin: GET /api/datasets
func showDatasetListPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var view = try loadDatasetListView(context)
    view.chrome = context.chrome(section: .datasets)
    return context.renderer.html("dataset_list", view)
}

// GET /api/datasets  — HTML twin: GET /datasets
func getDatasetListJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try loadDatasetListView(context))
}

private func loadDatasetListView(_ context: RequestContext) throws -> DatasetListView {
    DatasetListView(records: try context.datasets.list())
}
