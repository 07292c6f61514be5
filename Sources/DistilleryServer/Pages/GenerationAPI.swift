import DistilleryCore
import DistilleryStorage
import Foundation

// POST /api/generations  (JSON: template_id, name, count, items_per_call, variables, combinations?, teacher {provider, model,
// base_url, …} or recipe_id, api_key or saved_key_id, attempt_cap_factor?, duplicate_threshold?, seed?, skill_prompt?)
//   ->  201 with the task's report, once the teacher's pre-flight has passed (answered off the HTTP thread); 400 for a body
//   that is not JSON, 422 with errors keyed by JSON path.  HTML twin: POST /templates/{id}/generate
func startGenerationJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let generation = try GenerationService.read(try request.jsonBody()) { id in try context.services.templates.get(id: id).map(TemplateSnapshot.init) }
    return try GenerationService.start(generation, context: context) { try GenerationTaskView.created($0, context: context) }
}

// GET /api/generations/{job}  — the report: status, target, accepted, strata with target / accepted / duplicates /
// unparseable / rejected / shortfall, totals, cost, shortfall sentences, dropped items, datasetID when done.
// HTML twin: GET /generations/{job}
func getGenerationJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try GenerationTaskView.response(jobID: try request.generationID(), context: context)
}

// POST /api/generations/{job}/cancel  ->  202 with the report; what was accepted is kept.  HTML twin: POST /generations/{job}/cancel
func cancelGenerationJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let jobID = try request.generationID()
    try GenerationService.cancel(jobID: jobID, context: context)
    return try GenerationTaskView.response(jobID: jobID, status: 202, context: context)
}

// GET /generations/{job}  — the report, refreshed while the task runs; cancel.  JSON twin: GET /api/generations/{job}
func showGenerationPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var view = try GenerationTaskView.load(jobID: try request.generationID(), services: context.services)
    view.chrome = context.chrome(section: .jobs)
    return context.renderer.html(.generationTask, view)
}

// POST /generations/{job}/cancel  ->  303 /generations/{job}.  JSON twin: POST /api/generations/{job}/cancel
func submitGenerationCancel(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let jobID = try request.generationID()
    try GenerationService.cancel(jobID: jobID, context: context)
    return Renderer.redirect(to: "/generations/\(jobID)")
}

extension TemplateSnapshot {
    init(_ record: TemplateRecord) {
        self.init(
            id: record.id, name: record.name, type: record.type, systemPrompt: record.systemPrompt, prompt: record.prompt,
            settings: TemplateSettings(storedJSON: record.settingsJSON))
    }
}

extension HTTPRequest {
    func generationID() throws -> Int64 {
        guard let text = pathParameters["job"], let id = Int64(text), id > 0 else {
            throw AppError.notFound("No generation task \(pathParameters["job"] ?? "").")
        }
        return id
    }
}
