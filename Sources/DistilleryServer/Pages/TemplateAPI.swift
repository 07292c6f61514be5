import DistilleryCore
import DistilleryStorage

// GET /api/templates  ->  {"templates": [...]} by name (twin of /templates)
func getTemplateListJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    jsonResponse(try templateListView(context).json)
}

// POST /api/templates  {"name", "description", "type", "system_prompt", "prompt", "settings": {...}}
//   ->  201 + Location with the template (its `variables` found in the prompt); 422 naming each field; 400 naming where the body stops being JSON
func createTemplateJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let user = try context.requireUser()
    let draft = try submittedDraft(TemplateSubmission.read(json: try request.jsonBody()))
    let created = try saveTemplate(draft, replacing: nil, user: user.id, context: context)
    var response = jsonResponse(created.json, status: 201)
    response.headers.set("Location", "/api/templates/\(created.id)")
    return response
}

// GET /api/templates/{id}  (twin of /templates/{id})
func getTemplateJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    jsonResponse(try requireTemplateSummary(request, context).json)
}

// PUT /api/templates/{id}  (the same body as POST; what GET returned is accepted back)  ->  200; 422; 404
func updateTemplateJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let user = try context.requireUser()
    let summary = try requireTemplateSummary(request, context)
    let draft = try submittedDraft(TemplateSubmission.read(json: try request.jsonBody()))
    return jsonResponse(try saveTemplate(draft, replacing: summary.id, user: user.id, context: context).json)
}

// DELETE /api/templates/{id}  ->  204; 409 while a queued or running generation task uses it; 403 unless creator or admin
func deleteTemplateJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try deleteTemplate(try requireTemplateSummary(request, context), context)
    return HTTPResponse(status: 204)
}

// POST /api/templates/{id}/duplicate  ->  201 + Location with the copy ("… (copy)")
func duplicateTemplateJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let copy = try duplicateTemplate(request, context)
    var response = jsonResponse(copy.json, status: 201)
    response.headers.set("Location", "/api/templates/\(copy.id)")
    return response
}

// POST /api/templates/{id}/preview  {"variables", "combinations", "count", "items_per_call", "seed"}
//   ->  200 with the strata and the first calls' prompts, without calling the teacher; 422 naming each field
func previewTemplateJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let summary = try requireTemplateSummary(request, context)
    let previewRequest = TemplatePreviewRequest.read(json: try request.jsonBody(), defaultItemsPerCall: summary.settings.itemsPerCall)
    switch previewRequest.flatMap({ templatePreview(summary, $0, context) }) {
    case .success(let preview): return jsonResponse(preview.json)
    case .failure(let rejection): throw invalidTemplate("Nothing to preview", rejection)
    }
}

func templateListView(_ context: RequestContext) throws -> TemplateListView {
    let usage = try context.services.templates.usage()
    return TemplateListView(
        chrome: context.chrome(section: .templates), templates: try context.services.templates.list().map { TemplateSummary($0, usage: usage[$0.id]) })
}

func requireTemplateSummary(_ request: HTTPRequest, _ context: RequestContext) throws -> TemplateSummary {
    let text = request.pathParameters["id"] ?? ""
    guard let id = Int64(text), id > 0, let record = try context.services.templates.get(id: id) else {
        throw AppError.notFound("No template \(text.prefix(40)).")
    }
    return TemplateSummary(record, usage: try context.services.templates.usage(templateID: id))
}

func submittedDraft(_ read: Result<TemplateDraft, TemplateRejection>) throws -> TemplateDraft {
    switch read {
    case .success(let draft): return draft
    case .failure(let rejection): throw invalidTemplate("The template cannot be saved", rejection)
    }
}

/// Creates the template (`replacing` nil) or replaces one. The store checks the draft: a broken rule, or a name
/// another template has, is a 422 naming the field.
func saveTemplate(_ draft: TemplateDraft, replacing id: Int64?, user: Int64, context: RequestContext) throws -> TemplateSummary {
    let templates = context.services.templates
    let record = try id.map { try templates.update(id: $0, draft) } ?? templates.create(draft, by: user)
    return TemplateSummary(record, usage: try templates.usage(templateID: record.id))
}

func duplicateTemplate(_ request: HTTPRequest, _ context: RequestContext) throws -> TemplateSummary {
    let user = try context.requireUser()
    let summary = try requireTemplateSummary(request, context)
    return TemplateSummary(try context.services.templates.duplicate(id: summary.id, by: user.id), usage: nil)
}

/// Only the template's creator or an admin may delete it; never while a queued or running task uses it
/// (a finished task keeps its own snapshot of the template).
func deleteTemplate(_ summary: TemplateSummary, _ context: RequestContext) throws {
    let user = try context.requireUser()
    guard user.mayDelete(createdBy: summary.createdBy) else {
        throw AppError.forbidden("Only the template's creator or an admin can delete it.")
    }
    try context.services.templates.delete(id: summary.id)
}

func templatePreview(_ summary: TemplateSummary, _ previewRequest: TemplatePreviewRequest, _ context: RequestContext)
    -> Result<TemplatePreview, TemplateRejection>
{
    do {
        return TemplatePreview.make(
            prompt: try PromptTemplate(summary.prompt), type: summary.type, systemPrompt: summary.systemPrompt, request: previewRequest,
            nowUnixMs: context.services.now())
    } catch {
        return .failure(TemplateRejection([RecipeProblem(path: "prompt", rule: error.description)]))
    }
}

/// A 422 whose `fields` name each path (several rules on one path joined by "; ").
func invalidTemplate(_ lead: String, _ rejection: TemplateRejection) -> AppError {
    AppError.invalid(lead + ": " + rejection.description, fields: rejection.problems.rulesByPath)
}

extension TemplateSummary {
    init(_ record: TemplateRecord, usage: TemplateUsage?) {
        self.init(
            id: record.id, name: record.name, description: record.description, type: record.type, systemPrompt: record.systemPrompt,
            prompt: record.prompt, variables: record.variables,
            settings: TemplateSettings(storedJSON: record.settingsJSON),
            usedByTasks: usage?.tasks ?? 0, activeTasks: usage?.activeTasks ?? 0, createdBy: record.createdBy, createdAt: record.createdAt,
            updatedAt: record.updatedAt)
    }
}
