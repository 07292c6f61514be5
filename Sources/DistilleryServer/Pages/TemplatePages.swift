import DistilleryCore
import DistilleryStorage

// GET /templates  — JSON twin: GET /api/templates
func showTemplateListPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.html(.templateList, try templateListView(context))
}

// GET /templates/new  — the form with the default settings and the first type.
func showNewTemplatePage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let values = TemplateSubmission.formValues(TemplateDraft(name: "", type: .qa, prompt: ""))
    return context.renderer.html(.template, TemplateFormView(chrome: context.chrome(section: .templates), summary: nil, values: values))
}

// POST /templates  (the form)  ->  303 /templates/{id}; 422 with each field's error beside it.
func submitNewTemplate(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try submitTemplateForm(request, context, summary: nil)
}

// GET /templates/{id}  — the template as its edit form, its variables and the Preview form.
// JSON twin: GET /api/templates/{id}
func showTemplatePage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let summary = try requireTemplateSummary(request, context)
    return context.renderer.html(
        .template,
        TemplateFormView(
            chrome: context.chrome(section: .templates), summary: summary, values: formValues(summary),
            notice: request.query("notice").flatMap { templateNotices[$0] }))
}

// POST /templates/{id}  (the form)  ->  303 /templates/{id}; 422 with each field's error beside it.
func submitTemplateUpdate(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try submitTemplateForm(request, context, summary: try requireTemplateSummary(request, context))
}

// POST /templates/{id}/duplicate  ->  303 /templates/{new id}
func submitTemplateDuplicate(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let copy = try duplicateTemplate(request, context)
    return Renderer.redirect(to: "\(copy.url)?notice=duplicated")
}

// POST /templates/{id}/delete  ->  303 /templates; 409 (the template page with the reason) while a task uses it.
func submitTemplateDeletion(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let summary = try requireTemplateSummary(request, context)
    do {
        try deleteTemplate(summary, context)
        return Renderer.redirect(to: "/templates")
    } catch let error as AppError where error.status == 409 {
        return context.renderer.html(
            .template,
            TemplateFormView(chrome: context.chrome(section: .templates), summary: summary, values: formValues(summary), message: error.message),
            status: 409)
    }
}

// POST /templates/{id}/preview  (the page's Preview form)  ->  the page with the previewed calls; 422 naming fields.
// JSON twin: POST /api/templates/{id}/preview
func submitTemplatePreview(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let summary = try requireTemplateSummary(request, context)
    var fields = try FormFields.urlencoded(request)
    fields[FormFields.csrfField] = nil
    let previewRequest = TemplatePreviewRequest.read(form: fields, defaultItemsPerCall: summary.settings.itemsPerCall)
    let chrome = context.chrome(section: .templates)
    switch previewRequest.flatMap({ templatePreview(summary, $0, context) }) {
    case .success(let preview):
        return context.renderer.html(
            .template, TemplateFormView(chrome: chrome, summary: summary, values: formValues(summary), preview: preview, previewValues: fields))
    case .failure(let rejection):
        return context.renderer.html(
            .template,
            TemplateFormView(
                chrome: chrome, summary: summary, values: formValues(summary), previewValues: fields, previewProblems: rejection.problems),
            status: 422)
    }
}

private let templateNotices = [
    "created": "Template created.", "saved": "Changes saved.", "duplicated": "This is a copy; rename it and adjust what differs.",
]

private func formValues(_ summary: TemplateSummary) -> [String: String] {
    TemplateSubmission.formValues(
        TemplateDraft(
            name: summary.name, description: summary.description, type: summary.type, systemPrompt: summary.systemPrompt,
            prompt: summary.prompt, settingsJSON: summary.settings.json.serialized))
}

/// Saves the form (a new template when `summary` is nil) and redirects to it, or shows it again with each
/// field's error (422), the submitted values kept.
private func submitTemplateForm(_ request: HTTPRequest, _ context: RequestContext, summary: TemplateSummary?) throws -> HTTPResponse {
    let user = try context.requireUser()
    var fields = try FormFields.urlencoded(request)
    fields[FormFields.csrfField] = nil
    do {
        let draft = try submittedDraft(TemplateSubmission.read(form: fields))
        let saved = try saveTemplate(draft, replacing: summary?.id, user: user.id, context: context)
        return Renderer.redirect(to: "\(saved.url)?notice=\(summary == nil ? "created" : "saved")")
    } catch let error as AppError where error.status == 422 {
        return context.renderer.html(
            .template,
            TemplateFormView(
                chrome: context.chrome(section: .templates), summary: summary, values: fields,
                problems: error.fields.map { RecipeProblem(path: TemplateSubmission.formPath($0.key), rule: $0.value) },
                message: "The template was not saved: fix the fields marked below."),
            status: 422)
    }
}
