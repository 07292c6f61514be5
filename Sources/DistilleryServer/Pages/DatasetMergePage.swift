import DistilleryCore

// POST /datasets/merge  (form: dataset_ids once per checked box, name, _csrf)  ->  303 /datasets/{new id}.
// The rows are joined oldest dataset first.
// A refused merge re-renders the list with the reason (422, or 404 for an unknown id).
// JSON twin: POST /api/datasets/merge
func submitDatasetMerge(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var name = ""
    do {
        var merge = try DatasetMerge.Request(request)
        // The list shows the newest first; a merge reads oldest first (the base, then its top-ups).
        merge.ids.sort()
        name = merge.name
        let id = try DatasetMerge.create(merge, context: context)
        return Renderer.redirect(to: "/datasets/\(id)")
    } catch let error as AppError where error.status == 404 || error.status == 422 {
        var view = DatasetListView(records: try context.datasets.list())
        view.chrome = context.chrome(section: .datasets)
        view.mergeError = error.message
        view.mergeName = name
        return context.renderer.html(.datasetList, view, status: error.status)
    }
}

// POST /api/datasets/merge  {"dataset_ids": [3, 7], "name": "…"}  ->  201 with the new dataset's JSON (status
// `validating`, `parents`, `duplicatesDropped`) and a Location header.  HTML twin: POST /datasets/merge
func mergeDatasetsJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let id = try DatasetMerge.create(DatasetMerge.Request(request), context: context)
    var response = context.renderer.json(try loadDatasetDetailView(id: id, context: context), status: 201)
    response.headers.set("Location", "/api/datasets/\(id)")
    return response
}
