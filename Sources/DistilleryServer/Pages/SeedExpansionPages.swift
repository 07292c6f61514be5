import DistilleryCore
import DistilleryStorage
import Foundation

/// The "Expand these seeds" form of a seeds dataset: variations per seed, the mutation mix, the teacher, the output.
struct SeedExpansionForm {
    struct MutationRow {
        let name: String
        let label: String
        let instruction: String
        let weight: String
        let error: String?
    }

    var chrome: PageChrome
    let datasetID: Int64
    let datasetName: String
    let seedCountText: String
    let variationsPerSeed: String
    let mutations: [MutationRow]
    let outputName: String
    let itemsPerCall: String
    /// "12 seeds × 4 variations = 48 new prompts", when the number reads.
    let totalText: String?
    let teacher: TeacherFieldsBlock
    let fieldErrors: [String: String]
    let formError: String?

    static let defaultVariationsPerSeed = 5

    init(context: RequestContext, dataset: DatasetRecord, fields: [String: String], problems: [String: String] = [:], formError: String? = nil) throws {
        chrome = context.chrome(section: .datasets)
        datasetID = dataset.id
        datasetName = dataset.name
        seedCountText = Formatting.count(dataset.rowCount)
        variationsPerSeed = fields["variations_per_seed"] ?? String(Self.defaultVariationsPerSeed)
        mutations = EvolMutation.allCases.map { mutation in
            MutationRow(
                name: Self.weightField(mutation), label: mutation.label, instruction: mutation.instruction,
                weight: fields[Self.weightField(mutation)] ?? "1", error: problems["mutations.\(mutation.rawValue)"])
        }
        outputName = fields["name"] ?? "\(dataset.name) (expanded)"
        itemsPerCall = fields["items_per_call"] ?? String(GenerationLedger.defaultItemsPerCall)
        totalText = Int(variationsPerSeed.trimmingCharacters(in: .whitespaces)).map { count in
            "\(Formatting.count(dataset.rowCount)) seeds × \(Formatting.count(count)) variations = \(Formatting.count(dataset.rowCount * count)) new prompts"
        }
        teacher = try TeacherFieldsBlock(context: context, fields: fields)
        fieldErrors = TeacherFieldsBlock.formFieldErrors(problems)
        self.formError = formError
    }

    static func weightField(_ mutation: EvolMutation) -> String { "mutation_\(mutation.rawValue)" }

    /// The form as `POST /api/datasets/{id}/expand`'s body: numbers where they read as numbers (else the text, which
    /// the reader refuses naming the field), an empty weight as 0, the teacher as `TeacherFieldsBlock` posts it.
    static func requestJSON(_ fields: [String: String]) -> SynthesisJSON {
        func number(_ text: String?) -> SynthesisJSON? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return Double(text).map(SynthesisJSON.number) ?? .string(text)
        }
        var members: [(key: String, value: SynthesisJSON)] = [("name", .string(fields["name"] ?? ""))]
        for name in ["variations_per_seed", "items_per_call"] { if let value = number(fields[name]) { members.append((name, value)) } }
        members.append(("mutations", .object(EvolMutation.allCases.map { ($0.rawValue, number(fields[weightField($0)]) ?? .number(0)) })))
        return .object(members + TeacherFieldsBlock.formTeacher(fields))
    }
}

// GET /datasets/{id}/expand  — the "Expand these seeds" form.  JSON twin: POST /api/datasets/{id}/expand
func showSeedExpansionForm(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let dataset = try SeedExpansionService.expandableDataset(id: try request.datasetID(), context: context)
    return context.renderer.html(.seedExpansion, try SeedExpansionForm(context: context, dataset: dataset, fields: [:]))
}

// POST /datasets/{id}/expand  ->  303 /generations/{job} once the teacher's pre-flight has passed; a bad field or a
// failed pre-flight re-renders the form (422) with the messages.
func submitSeedExpansion(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let dataset = try SeedExpansionService.expandableDataset(id: try request.datasetID(), context: context)
    let fields = try FormFields.fields(request)
    return try startGenerationFromForm(fields, context: context) {
        try SeedExpansionService.read(SeedExpansionForm.requestJSON(fields), dataset: dataset, services: context.services)
    } showForm: { kept, problems, message in
        let form = try SeedExpansionForm(context: context, dataset: dataset, fields: kept, problems: problems, formError: message)
        return context.renderer.html(.seedExpansion, form, status: 422)
    }
}

/// Starts a generation task from a page's form: 303 to the task once its pre-flight has passed; a bad field or a
/// failed pre-flight shows the form again (`showForm`, 422) with the messages and the fields without the pasted key.
func startGenerationFromForm(
    _ fields: [String: String], context: RequestContext, read: () throws -> GenerationRequest,
    showForm: @escaping @Sendable (_ kept: [String: String], _ problems: [String: String], _ message: String) throws -> HTTPResponse
) throws -> HTTPResponse {
    @Sendable func answer(_ started: Result<Int64, any Error>) throws -> HTTPResponse {
        do {
            return Renderer.redirect(to: "/generations/\(try started.get())")
        } catch AppError.invalid(let message, let problems) {
            var kept = fields
            kept["api_key"] = nil
            return try showForm(kept, problems, message)
        }
    }
    let generation: GenerationRequest
    do {
        generation = try read()
    } catch {
        return try answer(.failure(error))
    }
    return try GenerationService.start(generation, context: context, answer: answer)
}

// POST /api/datasets/{id}/expand  (JSON: variations_per_seed, mutations? {"deepen": 2, …}, name, teacher {…} or recipe_id,
// api_key or saved_key_id, items_per_call?, attempt_cap_factor?, duplicate_threshold?, seed?, skill_prompt?)
//   ->  201 with the generation task's report once the pre-flight has passed; 409 for a dataset that is not valid seeds,
//   422 with errors keyed by JSON path.  HTML twin: POST /datasets/{id}/expand
func startSeedExpansionJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let dataset = try SeedExpansionService.expandableDataset(id: try request.datasetID(), context: context)
    let expansion = try SeedExpansionService.read(try request.jsonBody(), dataset: dataset, services: context.services)
    return try GenerationService.start(expansion, context: context) { try GenerationTaskView.created($0, context: context) }
}
