import DistilleryCore
import DistilleryStorage
import Foundation

// POST /api/datasets/{id}/synthesis  (JSON or form: provider, model, base_url, api_key | saved_key_id,
// rejection_sampling, temperature, max_new_tokens, max_tokens_cap, judge_max_tokens, seed, requests_per_minute,
// tokens_per_minute, max_in_flight, keep_reasoning; or recipe_id with any of them overriding the recipe's)  ->  201
// with the job's progress JSON, once the pre-flight has passed (answered off the HTTP thread).
// HTML twin: POST /datasets/{id}/synthesize
func startSynthesisJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let datasetID = try request.datasetID()
    let synthesisRequest = try SynthesisRecipeFields.request(try FormFields.fields(request), services: context.services)
    return try SynthesisService.start(datasetID: datasetID, request: synthesisRequest, context: context) { started in
        let jobID = try started.get()
        var response = context.renderer.json(try SynthesisJobView.load(jobID: jobID, services: context.services), status: 201)
        response.headers.set("Location", "/api/synthesis/\(jobID)")
        return response
    }
}

// GET /api/synthesis/{job}  — progress: processed / total, written, skipped, retries, tokens, cost,
// rate, elapsed, ETA, skip reasons.  HTML twin: GET /synthesis/{job}
func getSynthesisJobJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try SynthesisJobView.load(jobID: try request.jobID(), services: context.services))
}

// POST /api/synthesis/{job}/cancel  ->  202; what finished so far is kept.  HTML twin: POST /synthesis/{job}/cancel
func cancelSynthesisJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try cancelSynthesis(jobID: try request.jobID(), context: context)
    return context.renderer.json(try SynthesisJobView.load(jobID: try request.jobID(), services: context.services), status: 202)
}

// GET /api/providers  — the teacher catalog: providers, models, context windows, prices and their date.
func getProvidersJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var headers = HTTPHeaders()
    headers.set("Content-Type", "application/json; charset=utf-8")
    return HTTPResponse(status: 200, headers: headers, body: .bytes(context.services.catalog.json.serializedBytes))
}

func cancelSynthesis(jobID: Int64, context: RequestContext) throws {
    let user = try context.requireUser()
    guard let job = try context.services.synthesis.job(id: jobID) else { throw AppError.notFound("No synthesis job \(jobID).") }
    guard user.isAdmin || job.createdBy == user.id else {
        throw AppError.forbidden("Only the job's starter or an admin can cancel it.")
    }
    guard job.status.isActive else { throw AppError.conflict("The job has already ended (\(job.status.rawValue)).") }
    _ = try context.services.synthesis.requestCancel(jobID: jobID)
    context.services.wakeWorkers()
}

extension HTTPRequest {
    func jobID() throws -> Int64 {
        guard let text = pathParameters["job"], let id = Int64(text), id > 0 else {
            throw AppError.notFound("No synthesis job \(pathParameters["job"] ?? "").")
        }
        return id
    }
}
