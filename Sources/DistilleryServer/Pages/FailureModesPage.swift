import DistilleryCore
import DistilleryStorage

/// The failure modes of an evaluation run (README "Failure modes"): the JSON of `GET /api/evaluations/{id}/failure-modes`
/// and what the page `GET /evaluations/{id}/failure-modes` shows. Modes in use come first, the largest first; a mode
/// merged into another keeps its name with `mergedInto` and no rows.
struct FailureModesReport: Encodable {
    struct Example: Encodable {
        let idx: Int64
        let prompt: String
        let studentAnswer: String
        let phrase: String
    }

    struct Mode: Encodable {
        let id: Int64
        let name: String
        let count: Int
        let mergedInto: Int64?
        let examples: [Example]
    }

    /// A failure-mode dataset made from this run (a generation task; its output once it has one).
    struct FailureDataset: Encodable {
        let generationID: Int64
        let generationURL: String
        let name: String
        let status: String
        let datasetID: Int64?
    }

    let evaluationID: Int64
    let runName: String
    let status: String
    /// Failed rows with a mode (every failed row the judge named a failure for).
    let failedRows: Int
    let modes: [Mode]
    let failureDatasets: [FailureDataset]

    static let examplesPerMode = 3

    static func load(run: EvaluationRunRecord, services: Services) throws -> FailureModesReport {
        let store = FailureModeStore(database: services.database)
        let rows = try store.failingRows(jobID: run.jobID, perMode: examplesPerMode)
        let modes = try store.modes(jobID: run.jobID).map { mode in
            Mode(
                id: mode.id, name: mode.name, count: mode.count, mergedInto: mode.mergedInto,
                examples: rows.filter { $0.modeID == mode.id }.map {
                    Example(idx: $0.idx, prompt: $0.prompt, studentAnswer: $0.studentAnswer, phrase: $0.phrase)
                })
        }
        let datasets = try store.failureDatasets(evaluationJobID: run.jobID).map { made in
            FailureDataset(
                generationID: made.generationJobID, generationURL: "/generations/\(made.generationJobID)", name: made.name, status: made.status,
                datasetID: made.datasetID)
        }
        return FailureModesReport(
            evaluationID: run.jobID, runName: run.name, status: run.status.rawValue, failedRows: modes.reduce(0) { $0 + $1.count }, modes: modes,
            failureDatasets: datasets)
    }
}

/// The page: the report, a rename form per mode, the merge form and the "Create failure-mode dataset" form.
struct FailureModesPage {
    struct ModeOption {
        let id: Int64
        let name: String
        let countText: String
        let field: String
        let checked: Bool
    }

    var chrome: PageChrome
    let report: FailureModesReport
    let evaluationID: Int64
    let hasMergedModes: Bool
    let hasFailureDatasets: Bool
    let activeModes: [FailureModesReport.Mode]
    let mergedModes: [MergedMode]
    let hasModes: Bool
    let canMerge: Bool
    let mergeOptions: [ModeOption]
    let datasetOptions: [ModeOption]
    let variations: String
    let datasetName: String
    let includeFailingPrompts: Bool
    let teacher: TeacherFieldsBlock
    let fieldErrors: [String: String]
    let formError: String?

    struct MergedMode {
        let name: String
        let intoName: String
    }

    init(context: RequestContext, report: FailureModesReport, fields: [String: String] = [:], problems: [String: String] = [:], formError: String? = nil)
        throws
    {
        chrome = context.chrome(section: .jobs)
        self.report = report
        evaluationID = report.evaluationID
        hasMergedModes = report.modes.contains { $0.mergedInto != nil }
        hasFailureDatasets = !report.failureDatasets.isEmpty
        let active = report.modes.filter { $0.mergedInto == nil }
        activeModes = active
        let names = Dictionary(uniqueKeysWithValues: report.modes.map { ($0.id, $0.name) })
        mergedModes = report.modes.compactMap { mode in mode.mergedInto.map { MergedMode(name: mode.name, intoName: names[$0] ?? "#\($0)") } }
        hasModes = !active.isEmpty
        canMerge = active.count >= 2
        mergeOptions = Self.options(active, prefix: FailureModeForms.mergePrefix, fields: fields, checkedByDefault: false)
        datasetOptions = Self.options(active, prefix: FailureModeForms.datasetPrefix, fields: fields, checkedByDefault: true)
        variations = fields["variations"] ?? String(FailureDatasetService.defaultVariations)
        datasetName = fields["name"] ?? FailureDatasetService.defaultName(runName: report.runName)
        includeFailingPrompts = fields["include_failing_prompts"] != nil
        teacher = try TeacherFieldsBlock(context: context, fields: fields)
        fieldErrors = TeacherFieldsBlock.formFieldErrors(problems)
        self.formError = formError
    }
}

extension FailureModesPage {
    /// A checkbox per mode in use: checked as submitted, or by default on a fresh page.
    static func options(_ modes: [FailureModesReport.Mode], prefix: String, fields: [String: String], checkedByDefault: Bool) -> [ModeOption] {
        modes.map { mode in
            let field = "\(prefix)\(mode.id)"
            return ModeOption(
                id: mode.id, name: mode.name, countText: Formatting.count(mode.count), field: field,
                checked: fields.isEmpty ? checkedByDefault : fields[field] != nil)
        }
    }
}

/// The page's forms as the JSON bodies of their API twins: checkboxes named by prefix and mode id.
enum FailureModeForms {
    static let mergePrefix = "merge_"
    static let datasetPrefix = "mode_"

    static func checkedModes(_ fields: [String: String], prefix: String) -> SynthesisJSON {
        .array(fields.keys.filter { $0.hasPrefix(prefix) }.compactMap { Int64($0.dropFirst(prefix.count)) }.sorted().map { .number(Double($0)) })
    }

    static func mergeJSON(_ fields: [String: String]) -> SynthesisJSON {
        .object([("modes", checkedModes(fields, prefix: mergePrefix)), ("name", .string(fields["name"] ?? ""))])
    }

    static func datasetJSON(_ fields: [String: String]) -> SynthesisJSON {
        var members: [(key: String, value: SynthesisJSON)] = [
            ("name", .string(fields["name"] ?? "")), ("modes", checkedModes(fields, prefix: datasetPrefix)),
            ("include_failing_prompts", .bool(fields["include_failing_prompts"] != nil)),
        ]
        for name in ["variations", "items_per_call"] {
            guard let text = fields[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { continue }
            members.append((name, Double(text).map(SynthesisJSON.number) ?? .string(text)))
        }
        return .object(members + TeacherFieldsBlock.formTeacher(fields))
    }
}

extension HTTPRequest {
    /// The `{id}` path parameter as an evaluation run's id; a non-number is a 404, as for a missing run.
    fileprivate func failureModesRunID() throws -> Int64 {
        guard let text = pathParameters["id"], let id = Int64(text), id > 0 else { throw AppError.notFound("No evaluation run \(pathParameters["id"] ?? "").") }
        return id
    }

    fileprivate func failureModeID() throws -> Int64 {
        guard let text = pathParameters["mode"], let id = Int64(text), id > 0 else { throw AppError.notFound("No failure mode \(pathParameters["mode"] ?? "").") }
        return id
    }
}

private func evaluationRun(_ request: HTTPRequest, _ context: RequestContext) throws -> EvaluationRunRecord {
    let id = try request.failureModesRunID()
    guard let run = try context.services.evaluations.run(jobID: id) else { throw AppError.notFound("No evaluation run \(id).") }
    return run
}

/// Renames and merges are the run's starter's or an admin's, as cancelling it is.
private func editableRun(_ request: HTTPRequest, _ context: RequestContext) throws -> EvaluationRunRecord {
    let run = try evaluationRun(request, context)
    let user = try context.requireUser()
    guard user.isAdmin || run.createdBy == user.id else { throw AppError.forbidden("Only the run's starter or an admin can rename or merge its failure modes.") }
    return run
}

/// A mode name: trimmed, 1 to 200 characters.
private func modeName(_ json: SynthesisJSON, required: Bool) throws -> String? {
    guard let value = json["name"], !value.isNull else {
        if required { throw AppError.invalid("Check the fields marked.", fields: ["name": "Required: the mode's new name."]) }
        return nil
    }
    guard let text = value.stringValue else { throw AppError.invalid("Check the fields marked.", fields: ["name": "Must be a string."]) }
    let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
    if name.isEmpty && !required { return nil }
    guard (1...FailureModeEdits.maximumNameLength).contains(name.count) else {
        throw AppError.invalid("Check the fields marked.", fields: ["name": "Must be 1 to \(FailureModeEdits.maximumNameLength) characters."])
    }
    return name
}

enum FailureModeEdits {
    static let maximumNameLength = 200

    static func rename(run: EvaluationRunRecord, modeID: Int64, json: SynthesisJSON, services: Services) throws {
        guard case .object = json else { throw AppError.badRequest("The request body must be a JSON object.") }
        let name = try modeName(json, required: true) ?? ""
        do {
            try FailureModeStore(database: services.database).rename(jobID: run.jobID, modeID: modeID, name: name)
        } catch FailureModeEditError.unknownMode(let id) {
            throw AppError.notFound("Evaluation run \(run.jobID) has no failure mode \(id).")
        }
    }

    /// `{"modes": [ids], "name"?}`: the name defaults to the largest merged mode's (on a tie, the first listed).
    static func merge(run: EvaluationRunRecord, json: SynthesisJSON, services: Services) throws -> Int64 {
        guard case .object = json else { throw AppError.badRequest("The request body must be a JSON object.") }
        guard case .array(let items)? = json["modes"] else {
            throw AppError.invalid("Check the fields marked.", fields: ["modes": "Required: an array of two or more failure mode ids."])
        }
        var ids: [Int64] = []
        for (position, item) in items.enumerated() {
            guard let id = item.intValue else { throw AppError.invalid("Check the fields marked.", fields: ["modes[\(position)]": "Must be a mode id."]) }
            ids.append(Int64(id))
        }
        let store = FailureModeStore(database: services.database)
        let modes = try store.modes(jobID: run.jobID)
        var name = try modeName(json, required: false)
        if name == nil {
            name = ids.compactMap { id in modes.first { $0.id == id } }.max { $0.count < $1.count }?.name
        }
        do {
            return try store.merge(jobID: run.jobID, modeIDs: ids, name: name ?? "merged", now: services.now())
        } catch let error as FailureModeEditError {
            switch error {
            case .needsTwoModes:
                throw AppError.invalid("Check the fields marked.", fields: ["modes": "Choose two or more different failure modes to merge."])
            case .unknownMode(let id):
                throw AppError.invalid("Check the fields marked.", fields: ["modes": "Evaluation run \(run.jobID) has no failure mode \(id)."])
            case .alreadyMerged(let id):
                throw AppError.invalid("Check the fields marked.", fields: ["modes": "Failure mode \(id) was merged already; merge the mode it went into."])
            }
        }
    }
}

// GET /api/evaluations/{id}/failure-modes  — the run's failure modes: each with its count and first example rows
// (prompt, student answer, the judge's phrase), merged modes with mergedInto, the failure-mode datasets made from
// the run.  HTML twin: GET /evaluations/{id}/failure-modes
func getFailureModesJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try FailureModesReport.load(run: try evaluationRun(request, context), services: context.services))
}

// GET /evaluations/{id}/failure-modes  — the same as a page, with the rename, merge and failure-dataset forms.
func showFailureModesPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let report = try FailureModesReport.load(run: try evaluationRun(request, context), services: context.services)
    return context.renderer.html(.failureModes, try FailureModesPage(context: context, report: report))
}

// POST /api/evaluations/{id}/failure-modes/{mode}  {"name": …}  ->  200 with the failure modes; 404 for a mode of
// another run, 422 naming `name`.  HTML twin: POST /evaluations/{id}/failure-modes/{mode}
func renameFailureModeJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let run = try editableRun(request, context)
    try FailureModeEdits.rename(run: run, modeID: try request.failureModeID(), json: try request.jsonBody(), services: context.services)
    return context.renderer.json(try FailureModesReport.load(run: run, services: context.services))
}

// POST /api/evaluations/{id}/failure-modes/merge  {"modes": [ids], "name"?: …}  ->  201 with the failure modes (the new
// mode first, its count the sum of theirs; the merged ones kept with mergedInto); 422 naming `modes` or `name`.
// HTML twin: POST /evaluations/{id}/failure-modes/merge
func mergeFailureModesJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let run = try editableRun(request, context)
    _ = try FailureModeEdits.merge(run: run, json: try request.jsonBody(), services: context.services)
    return context.renderer.json(try FailureModesReport.load(run: run, services: context.services), status: 201)
}

// POST /evaluations/{id}/failure-modes/{mode}  (form: name)  ->  303 back to the page; 422 shows it with the message.
func submitFailureModeRename(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let run = try editableRun(request, context)
    let fields = try FormFields.fields(request)
    return try failureModesFormAnswer(run: run, context: context) {
        try FailureModeEdits.rename(run: run, modeID: try request.failureModeID(), json: .object([("name", .string(fields["name"] ?? ""))]), services: context.services)
    }
}

// POST /evaluations/{id}/failure-modes/merge  (form: merge_<id> checkboxes, name)  ->  303 back to the page; 422 shows it.
func submitFailureModeMerge(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let run = try editableRun(request, context)
    let fields = try FormFields.fields(request)
    return try failureModesFormAnswer(run: run, context: context) {
        _ = try FailureModeEdits.merge(run: run, json: FailureModeForms.mergeJSON(fields), services: context.services)
    }
}

/// Runs a form's edit: 303 to the page when it worked; the page again (422) with the message when it did not.
private func failureModesFormAnswer(
    run: EvaluationRunRecord, context: RequestContext, edit: () throws -> Void
) throws -> HTTPResponse {
    do {
        try edit()
        return Renderer.redirect(to: "/evaluations/\(run.jobID)/failure-modes")
    } catch AppError.invalid(let message, let problems) {
        let report = try FailureModesReport.load(run: run, services: context.services)
        let detail = problems.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: " ")
        let page = try FailureModesPage(context: context, report: report, formError: "\(message) \(detail)")
        return context.renderer.html(.failureModes, page, status: 422)
    }
}

// POST /api/evaluations/{id}/failure-dataset  (JSON: modes [ids], variations? (3), name?, include_failing_prompts?,
// mutations?, teacher {…} or recipe_id, api_key or saved_key_id, items_per_call?, duplicate_threshold?, seed?,
// skill_prompt?)  ->  201 with the generation task that writes the seeds dataset once its pre-flight passed; 409
// before the run has failure modes; 422 naming each bad field.  HTML twin: POST /evaluations/{id}/failure-dataset
func createFailureDatasetJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let run = try evaluationRun(request, context)
    let generation = try FailureDatasetService.read(try request.jsonBody(), run: run, services: context.services)
    return try GenerationService.start(generation, context: context) { try GenerationTaskView.created($0, context: context) }
}

// POST /evaluations/{id}/failure-dataset  (the page's form)  ->  303 /generations/{job} once the pre-flight passed; a bad
// field or a failed pre-flight shows the page again (422) with the messages.
func submitFailureDataset(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let run = try evaluationRun(request, context)
    let fields = try FormFields.fields(request)
    return try startGenerationFromForm(fields, context: context) {
        try FailureDatasetService.read(FailureModeForms.datasetJSON(fields), run: run, services: context.services)
    } showForm: { kept, problems, message in
        let report = try FailureModesReport.load(run: run, services: context.services)
        let page = try FailureModesPage(context: context, report: report, fields: kept, problems: problems, formError: message)
        return context.renderer.html(.failureModes, page, status: 422)
    }
}
