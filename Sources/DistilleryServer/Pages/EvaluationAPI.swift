import DistilleryCore
import DistilleryStorage

// POST /api/evaluations  (JSON: name, dataset_id, split ("test" by default when the dataset is split; "all" or null: every
// row), student {provider, model, base_url, api_key or key_id, temperature, top_p, max_new_tokens, …}, judge {…},
// dimensions (built-in ids and custom objects), recipe_id (the student's sampling))
//   ->  201 with the run's progress once both endpoints' pre-flights passed (answered off the HTTP thread); 400 for a body
//   that is not JSON, 422 with errors keyed by JSON path (student.base_url, dimensions[1].id, …).
func startEvaluationJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let evaluation = try EvaluationService.read(try request.jsonBody())
    return try EvaluationService.start(evaluation, context: context) { try EvaluationRunView.created($0, context: context) }
}

// POST /api/evaluations/{job}/cancel  ->  202 with the run's progress; what was judged is kept.
func cancelEvaluationJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let jobID = try request.evaluationID()
    try EvaluationService.cancel(jobID: jobID, context: context)
    return try EvaluationRunView.response(jobID: jobID, status: 202, context: context)
}
