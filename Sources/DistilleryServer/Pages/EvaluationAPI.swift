import DistilleryCore
import DistilleryStorage

// POST /api/evaluations  (JSON: name, dataset_id, split ("test" by default when the dataset is split; "all" or null: every
// row), student {provider, model, base_url, api_key or key_id, temperature, top_p, max_new_tokens, …}, judge {…},
// dimensions (built-in ids and custom objects), recipe_id (the student's sampling))
//   ->  201 with the run's progress once both endpoints' pre-flights passed (answered off the HTTP thread); 400 for a body
//   that is not JSON, 422 with errors keyed by JSON path (student.base_url, dimensions[1].id, …).
func startEvaluationJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let evaluation = try EvaluationService.read(try request.jsonBody())
    return try EvaluationService.start(evaluation, context: context) { started in
        let jobID = try started.get()
        var response = context.renderer.json(try EvaluationRunView.load(jobID: jobID, services: context.services), status: 201)
        response.headers.set("Location", "/api/evaluations/\(jobID)")
        return response
    }
}

// POST /api/evaluations/{job}/cancel  ->  202 with the run's progress; what was judged is kept.
func cancelEvaluationJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    guard let text = request.pathParameters["job"], let jobID = Int64(text), jobID > 0 else { throw AppError.notFound("No such evaluation run.") }
    try EvaluationService.cancel(jobID: jobID, context: context)
    return context.renderer.json(try EvaluationRunView.load(jobID: jobID, services: context.services), status: 202)
}
