import DistilleryCore

// GET /datasets  — every dataset, newest first.  JSON twin: GET /api/datasets
func showDatasetListPage(_ request: HTTPRequest, _ services: Services) throws -> HTTPResponse {
    services.renderer.html("dataset_list", try loadDatasetListView(services))
}

// GET /api/datasets  — HTML twin: GET /datasets
func getDatasetListJSON(_ request: HTTPRequest, _ services: Services) throws -> HTTPResponse {
    services.renderer.json(try loadDatasetListView(services))
}

private func loadDatasetListView(_ services: Services) throws -> DatasetListView {
    DatasetListView(records: try services.datasets.list())
}
