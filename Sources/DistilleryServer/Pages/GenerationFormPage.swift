import DistilleryCore
import DistilleryStorage
import Foundation

/// The New generation task form: GET /templates/{id}/generate, and its POST (which creates the task and redirects to
/// its page, or shows the form again with the problems). Its JSON twin is POST /api/generations: the form's fields are
/// turned into that request and read by the same code.
struct GenerationForm {
    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    let chrome: PageChrome
    let templateID: Int64
    let templateName: String
    let templateTypeTitle: String
    let templatePrompt: String
    let templateVariables: String
    let isPrompts: Bool
    let values: [String: String]
    let providers: [Option]
    let savedKeys: [Option]
    let recipes: [Option]
    let structuredOutputOptions: [SynthesisDialog.StructuredOutputOption]
    var fieldErrors: [String: String] = [:]
    var formError: String?
    /// Every problem in the request's own words (JSON path: message).
    var problems: [String] = []

    /// The form's own fields; any other field is a teacher setting (provider, model, base_url, …).
    static let ownFields: Set<String> = [
        "name", "count", "items_per_call", "variables", "combinations", "attempt_cap_factor", "duplicate_threshold", "seed", "skill_prompt",
        "recipe_id", "api_key", "saved_key_id", FormFields.csrfField,
    ]

    init(template: TemplateRecord, fields: [String: String], context: RequestContext) throws {
        let services = context.services
        chrome = context.chrome(section: .jobs)
        templateID = template.id
        templateName = template.name
        templateTypeTitle = template.type.title
        templatePrompt = template.prompt
        templateVariables = template.variables.joined(separator: ", ")
        isPrompts = template.type.producesSeeds
        var values = fields
        values["api_key"] = nil
        if values["name"] == nil { values["name"] = "\(template.name) · generated" }
        if values["count"] == nil { values["count"] = "100" }
        // What will be sent: the template's settings, unless the form being shown again carries the user's own.
        let settings = TemplateSettings(storedJSON: template.settingsJSON)
        if values["items_per_call"] == nil { values["items_per_call"] = String(settings.itemsPerCall) }
        for (name, value) in settings.teacherFields where values[name] == nil { values[name] = value }
        if values["variables"] == nil { values["variables"] = template.variables.map { "\($0): " }.joined(separator: "\n") }
        self.values = values
        let provider = fields["provider"] ?? SynthesisService.defaultProvider
        providers = services.catalog.providers.map { Option(value: $0.id, label: $0.displayName, selected: $0.id == provider) }
        let user = try context.requireUser()
        savedKeys = try TeacherKeyStore(database: services.database).list(userID: user.id).map {
            Option(value: String($0.id), label: "\($0.provider): \($0.label) (…\($0.lastFour))", selected: fields["saved_key_id"] == String($0.id))
        }
        recipes = try services.recipes.list().map {
            Option(value: String($0.id), label: $0.recipe.name, selected: fields["recipe_id"] == String($0.id))
        }
        structuredOutputOptions = SynthesisDialog.structuredOutputOptions(fields: values)
    }

    /// The form's fields as `POST /api/generations`'s JSON (the variables' form text read line by line).
    static func request(_ fields: [String: String], templateID: Int64) throws -> SynthesisJSON {
        var members: [(key: String, value: SynthesisJSON)] = [("template_id", .number(Double(templateID)))]
        var problems: [String: String] = [:]
        for name in ["name", "skill_prompt", "api_key"] {
            if let value = fields[name], !value.isEmpty { members.append((name, .string(value))) }
        }
        for name in ["count", "items_per_call", "attempt_cap_factor", "duplicate_threshold", "seed", "saved_key_id", "recipe_id"] {
            guard let text = fields[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { continue }
            if let number = Double(text) { members.append((name, .number(number))) } else { members.append((name, .string(text))) }
        }
        do {
            members.append(("variables", GenerationVariablesReader.json(try GenerationVariablesReader.read(formText: fields["variables"] ?? ""))))
        } catch {
            problems["variables"] = error.description
        }
        if let text = fields["combinations"], !text.allSatisfy(\.isWhitespace) {
            do { members.append(("combinations", try SynthesisJSON.parse(text))) } catch { problems["combinations"] = "Not JSON: \(error.description)." }
        }
        let teacher = fields.filter { !ownFields.contains($0.key) && !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { ($0.key, SynthesisJSON.string($0.value)) }
        if !teacher.isEmpty { members.append(("teacher", .object(teacher))) }
        guard problems.isEmpty else { throw AppError.invalid("Check the fields marked.", fields: problems) }
        return .object(members)
    }

    /// A problem's JSON path as the form field it belongs to ("teacher.provider" → "provider", "variables.topic[1]" → "variables").
    static func formField(_ path: String) -> String {
        if path.hasPrefix("teacher.") { return String(path.dropFirst("teacher.".count)) }
        for name in ["variables", "combinations"] where path.hasPrefix(name) { return name }
        return path
    }
}

func requireTemplate(_ request: HTTPRequest, _ context: RequestContext) throws -> TemplateRecord {
    guard let text = request.pathParameters["id"], let id = Int64(text), let template = try context.services.templates.get(id: id) else {
        throw AppError.notFound("No template \(request.pathParameters["id"] ?? "").")
    }
    return template
}

// GET /templates/{id}/generate  — the New generation task form (name, count, teacher or recipe, key, items per call,
// variables, optional combinations).  JSON twin: POST /api/generations
func showNewGenerationPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let template = try requireTemplate(request, context)
    return context.renderer.html(.generationNew, try GenerationForm(template: template, fields: [:], context: context))
}

// POST /templates/{id}/generate  ->  303 /generations/{job} once the teacher's pre-flight passed; 422 with the form and
// its problems otherwise.  JSON twin: POST /api/generations
func submitNewGeneration(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let template = try requireTemplate(request, context)
    let fields = try FormFields.fields(request)
    @Sendable func answer(_ started: Result<Int64, any Error>) throws -> HTTPResponse {
        do {
            return Renderer.redirect(to: "/generations/\(try started.get())")
        } catch AppError.invalid(let message, let problems) {
            var form = try GenerationForm(template: template, fields: fields, context: context)
            form.formError = message
            form.problems = problems.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            for (path, problem) in problems { form.fieldErrors[GenerationForm.formField(path), default: problem] = problem }
            return context.renderer.html(.generationNew, form, status: 422)
        }
    }
    let generation: GenerationRequest
    do {
        generation = try GenerationService.read(try GenerationForm.request(fields, templateID: template.id)) { id in
            try context.services.templates.get(id: id).map(TemplateSnapshot.init)
        }
    } catch {
        return try answer(.failure(error))
    }
    return try GenerationService.start(generation, context: context, answer: answer)
}
