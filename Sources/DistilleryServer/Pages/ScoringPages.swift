import DistilleryCore
import DistilleryStorage
import Foundation

/// The "Score with a judge" form of a chat dataset: the judge endpoint (or a recipe) and its key, the built-in
/// dimensions as checkboxes, custom dimensions one a line, and the family override.
struct ScoringForm {
    struct DimensionOption {
        let name: String
        let id: String
        let title: String
        let description: String
        let rubricLabel: String
        let checked: Bool
    }

    var chrome: PageChrome
    let datasetID: Int64
    let datasetName: String
    let rowCountText: String
    let dimensions: [DimensionOption]
    let custom: String
    let customFormat: String
    let perJobLimit: Int
    let insistSameFamily: Bool
    let teacher: TeacherFieldsBlock
    let fieldErrors: [String: String]
    /// Errors of the custom dimensions (`custom line N`), shown under the textarea.
    let customErrors: [String]
    let formError: String?
    /// The cost, duration and requests for the fields as they stand (nil until a judge can be priced).
    let estimate: ScoringEstimateView?

    init(context: RequestContext, dataset: DatasetRecord, fields: [String: String], problems: [String: String] = [:], formError: String? = nil) throws {
        chrome = context.chrome(section: .datasets)
        datasetID = dataset.id
        datasetName = dataset.name
        rowCountText = Formatting.count(dataset.rowCount)
        let submitted = !fields.isEmpty
        dimensions = JudgeDimension.builtIns.map { dimension in
            let name = ScoringService.formDimensionPrefix + dimension.id
            return DimensionOption(
                name: name, id: dimension.id, title: dimension.title, description: dimension.description, rubricLabel: dimension.rubric.label,
                checked: submitted ? ScoringService.isChecked(fields[name]) : true)
        }
        custom = fields["custom"] ?? ""
        customFormat = "id | title | 1-5 or pass/fail | description [| rubric text]"
        perJobLimit = JudgeDimension.perJobLimit
        insistSameFamily = ScoringService.isChecked(fields["insist_same_family"])
        teacher = try TeacherFieldsBlock(context: context, fields: fields, legend: "Judge")
        fieldErrors = problems
        customErrors = problems.filter { $0.key.hasPrefix("custom") }.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        self.formError = formError
        var priced = fields
        if !submitted {
            priced["provider"] = SynthesisService.defaultProvider
            for dimension in dimensions { priced[dimension.name] = "on" }
        }
        estimate = try? ScoringService.estimate(dataset: dataset, fields: priced, services: context.services)
    }
}

// GET /datasets/{id}/judge-scores/new  — the "Score with a judge" form.  JSON twin: POST /api/datasets/{id}/judge-scores
func showScoringForm(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let dataset = try ScoringService.scorableDataset(id: try request.datasetID(), context: context)
    return context.renderer.html(.scoringNew, try ScoringForm(context: context, dataset: dataset, fields: [:]))
}

// GET /api/datasets/{id}/judge-scores/estimate?provider=&model=&…&dimensions=correct,safe&custom=…  ->  {"estimate": {requests,
// promptTokens, completionTokens, costUSD, costKnown, costText, durationSeconds, durationText, assumption}}: the start's
// fields as query parameters (the form's `dimension_<id>=on` boxes or `dimensions`), no key; 422 names a bad field.
func getScoringEstimateJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    struct Body: Encodable { let estimate: ScoringEstimateView }
    let dataset = try ScoringService.scorableDataset(id: try request.datasetID(), context: context)
    var fields: [String: String] = [:]
    for item in request.queryItems where fields[item.name] == nil { fields[item.name] = item.value }
    return context.renderer.json(Body(estimate: try ScoringService.estimate(dataset: dataset, fields: fields, services: context.services)))
}

// POST /datasets/{id}/judge-scores  ->  303 /scoring/{job} once the judge's pre-flight has passed; a bad field, the family
// guard or a failed pre-flight re-renders the form (422) with the messages.
func submitScoringForm(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let dataset = try ScoringService.scorableDataset(id: try request.datasetID(), context: context)
    let fields = try FormFields.fields(request)
    @Sendable func answer(_ started: Result<Int64, any Error>) throws -> HTTPResponse {
        do {
            return Renderer.redirect(to: "/scoring/\(try started.get())")
        } catch AppError.invalid(let message, let problems) {
            var kept = fields
            kept["api_key"] = nil
            return context.renderer.html(
                .scoringNew, try ScoringForm(context: context, dataset: dataset, fields: kept, problems: problems, formError: message), status: 422)
        }
    }
    let scoring: ScoringRequest
    do {
        scoring = try ScoringService.read(form: fields)
    } catch {
        return try answer(.failure(error))
    }
    return try ScoringService.start(datasetID: dataset.id, request: scoring, context: context, answer: answer)
}

// POST /api/datasets/{id}/judge-scores  (JSON: the judge as synthesis's teacher fields — provider, model or custom_model,
// base_url, api_key or saved_key_id, max_in_flight, … — or recipe_id; dimensions [built-in ids], custom [{id, title,
// rubric, description, rubric_text?}] or the form's lines as a string, insist_same_family)  ->  201 with the job, once the
// judge's pre-flight has passed; 409 for a dataset that cannot be scored, 422 with errors keyed by field or JSON path
// (the family guard under insist_same_family).  HTML twin: POST /datasets/{id}/judge-scores
func startScoringJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let datasetID = try request.datasetID()
    _ = try ScoringService.scorableDataset(id: datasetID, context: context)
    let scoring = try ScoringService.read(json: try request.jsonBody())
    return try ScoringService.start(datasetID: datasetID, request: scoring, context: context) { try ScoringJobView.created($0, context: context) }
}

// GET /api/scoring/{job}  — status, progress, per-dimension mean / distribution / length bias, unscored rows by reason,
// warnings, cost and estimate.  HTML twin: GET /scoring/{job}
func getScoringJobJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try ScoringJobView.response(jobID: try request.scoringJobID(), context: context)
}

// POST /api/scoring/{job}/cancel  ->  202 with the job; the scores committed so far are kept.  HTML twin: POST /scoring/{job}/cancel
func cancelScoringJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let jobID = try request.scoringJobID()
    try ScoringService.cancel(jobID: jobID, context: context)
    return try ScoringJobView.response(jobID: jobID, status: 202, context: context)
}

// GET /scoring/{job}  — live progress, then the results.  JSON twin: GET /api/scoring/{job}
func showScoringJobPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var view = try ScoringJobView.load(jobID: try request.scoringJobID(), services: context.services)
    view.chrome = context.chrome(section: .jobs)
    return context.renderer.html(.scoringJob, view)
}

// POST /scoring/{job}/cancel  ->  303 /scoring/{job}.  JSON twin: POST /api/scoring/{job}/cancel
func submitScoringCancel(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let jobID = try request.scoringJobID()
    try ScoringService.cancel(jobID: jobID, context: context)
    return Renderer.redirect(to: "/scoring/\(jobID)")
}

extension HTTPRequest {
    func scoringJobID() throws -> Int64 {
        guard let text = pathParameters["job"], let id = Int64(text), id > 0 else {
            throw AppError.notFound("No scoring job \(pathParameters["job"] ?? "").")
        }
        return id
    }
}
