import DistilleryCore
import DistilleryStorage

/// The curate page `GET /datasets/{id}/curate?<filter>` and its JSON twin `GET /api/datasets/{id}/curate?<filter>`:
/// the rule in words, what a child made by it now would hold, and (page only) the form that makes it.
struct CuratePageView: Encodable {
    struct Parameter: Encodable {
        let name: String
        let value: String
    }

    let datasetID: Int64
    let datasetName: String
    /// The filter's parameters, in their fixed order (what `POST /api/datasets/{id}/curated` takes besides `name`).
    let rule: [Parameter]
    let summary: String
    let rowsSelected: Int
    let rejectedLeftOut: Int
    let editsApplied: Int
    /// "80/10/10, seed 42" copied from the parent, or nil when the parent is not split.
    let splitText: String?

    // Page-only presentation, left out of the JSON twin.
    var chrome: PageChrome?
    let rowsSelectedText: String
    let explorerURL: String
    var name: String
    var nameProblem: String?
    let canCreate: Bool

    enum CodingKeys: String, CodingKey {
        case datasetID, datasetName, rule, summary, rowsSelected, rejectedLeftOut, editsApplied, splitText
    }

    init(_ plan: CuratedDataset.Plan, name: String? = nil) {
        datasetID = plan.parent.id
        datasetName = plan.parent.name
        rule = plan.filter.parameters.map { Parameter(name: $0.name, value: $0.value) }
        summary = plan.filter.summary + " · rejected rows out · edits applied"
        rowsSelected = plan.counts.selected
        rejectedLeftOut = plan.counts.rejected
        editsApplied = plan.counts.edited
        splitText = plan.split.map { DatasetProvenance.Split($0).text }
        rowsSelectedText = "\(Formatting.count(rowsSelected)) row\(rowsSelected == 1 ? "" : "s")"
        let query = plan.filter.queryString
        explorerURL = "/datasets/\(plan.parent.id)/rows\(query)"
        self.name = name ?? String((plan.parent.name + " · curated").prefix(DatasetCreation.maxNameLength))
        canCreate = rowsSelected > 0
    }
}

// GET /datasets/{id}/curate?<explorer filter>  — the rule in words, how many rows it selects (rejected rows out, edits
// applied), the name field and Create.  404 unknown, 409 validating or seeds, 400 a bad filter parameter.
// JSON twin: GET /api/datasets/{id}/curate
func showCuratePage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let plan = try CuratedDataset.plan(parentID: request.datasetID(), filter: try RowFilter(parameter: request.query), context: context)
    var view = CuratePageView(plan)
    view.chrome = context.chrome(section: .datasets)
    return context.renderer.html(.curate, view)
}

// GET /api/datasets/{id}/curate?<explorer filter>  — HTML twin: GET /datasets/{id}/curate
func getCuratePlanJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let plan = try CuratedDataset.plan(parentID: request.datasetID(), filter: try RowFilter(parameter: request.query), context: context)
    return context.renderer.json(CuratePageView(plan))
}

// POST /datasets/{id}/curated  (form: name, the filter's parameters as hidden fields, _csrf)  ->  303 /datasets/{new id};
// 422 shows the page again with the problem.  JSON twin: POST /api/datasets/{id}/curated
func submitCuratedDataset(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let parentID = try request.datasetID()
    let fields = try FormFields.urlencoded(request)
    let filter = try CuratedDataset.filter(fields: fields)
    do {
        let id = try CuratedDataset.create(parentID: parentID, name: fields["name"] ?? "", filter: filter, context: context)
        return Renderer.redirect(to: "/datasets/\(id)")
    } catch let error as AppError where error.status == 422 {
        var view = CuratePageView(try CuratedDataset.plan(parentID: parentID, filter: filter, context: context), name: fields["name"] ?? "")
        view.chrome = context.chrome(section: .datasets)
        view.nameProblem = error.fields["name"] ?? error.message
        return context.renderer.html(.curate, view, status: 422)
    }
}

// POST /api/datasets/{id}/curated  {"name": "…", "flag": "none", "min_score": 4, …}  ->  201 with the new dataset's JSON
// (status `validating`, `provenance`) and a Location header; 400 a bad filter parameter, 422 a bad name, an unknown
// field or a rule that selects no row; 404 / 409 as for the page.  HTML twin: POST /datasets/{id}/curated
func createCuratedDatasetJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let fields = try FormFields.fields(request)
    let filter = try CuratedDataset.filter(fields: fields)
    let id = try CuratedDataset.create(parentID: request.datasetID(), name: fields["name"] ?? "", filter: filter, context: context)
    var response = context.renderer.json(try loadDatasetDetailView(id: id, context: context), status: 201)
    response.headers.set("Location", "/api/datasets/\(id)")
    return response
}
