import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// The template a task runs, as it snapshots it (`id` nil for the command line's template file).
struct TemplateSnapshot: Sendable, Equatable {
    var id: Int64?
    var name: String
    var type: TemplateType
    var systemPrompt: String
    var prompt: String
    /// Its default model settings: under the request's and the recipe's (see `GenerationService.teacher`).
    var settings = TemplateSettings.defaults
}

/// What starting a generation task asks for (`POST /api/generations`, the New generation task form, the CLI).
struct GenerationRequest: Sendable {
    var template: TemplateSnapshot
    var outputName: String
    var count: Int
    /// Items per call as the request gives it; nil takes the template's.
    var askedItemsPerCall: Int?
    var variables: [GenerationVariable] = []
    var combinations: [CombinationRow]?
    var attemptCapFactor = GenerationLedger.defaultAttemptCapFactor
    var duplicateThreshold = NearDuplicateGrouping.defaultThreshold
    var seed: Int?
    var inputDatasetID: Int64?
    var skillPrompt: String?
    /// The teacher as synthesis reads it (provider, model, base_url, …, api_key or saved_key_id, recipe_id).
    var teacherFields: [String: String] = [:]
    /// Seed expansion: its strata (seed × mutation, planned by `SeedExpansionPlan`) and what it was asked for.
    var expansion: (strata: [Stratum], settings: SeedExpansionSettings)?

    var itemsPerCall: Int { askedItemsPerCall ?? template.settings.itemsPerCall }
}

/// Starting a generation task: reads and checks the request (errors name their JSON path), plans the strata, resolves
/// the teacher and its key as synthesis does, pre-flights the key at no cost, seals a pasted key for the task, and
/// queues it.
enum GenerationService {
    static let topLevelFields: Set<String> = [
        "template_id", "name", "count", "items_per_call", "variables", "combinations", "teacher", "recipe_id", "api_key", "saved_key_id",
        "attempt_cap_factor", "duplicate_threshold", "seed", "input_dataset_id", "skill_prompt",
    ]
    /// Fields of the request itself rather than of its teacher: their errors keep their own names.
    static let ownKeyFields: Set<String> = ["api_key", "saved_key_id", "recipe_id"]

    /// Reads `POST /api/generations`'s JSON body; every problem at once, keyed by its JSON path.
    static func read(_ json: SynthesisJSON, template lookup: (Int64) throws -> TemplateSnapshot?) throws -> GenerationRequest {
        guard case .object(let members) = json else { throw AppError.badRequest("The request body must be a JSON object.") }
        var problems: [String: String] = [:]
        for (key, _) in members where !topLevelFields.contains(key) {
            problems[key] = "Unknown field; the fields are: \(topLevelFields.sorted().joined(separator: ", "))."
        }
        func integer(_ name: String, _ range: ClosedRange<Int>, required: Bool = false) -> Int? {
            guard let value = json[name], !value.isNull else {
                if required { problems[name] = "Required: a whole number from \(range.lowerBound) to \(range.upperBound)." }
                return nil
            }
            guard let number = value.intValue, range.contains(number) else {
                problems[name] = "Must be a whole number from \(range.lowerBound) to \(range.upperBound)."
                return nil
            }
            return number
        }
        func decimal(_ name: String, _ range: ClosedRange<Double>) -> Double? {
            guard let value = json[name], !value.isNull else { return nil }
            guard let number = value.doubleValue, range.contains(number) else {
                problems[name] = "Must be a number from \(range.lowerBound) to \(range.upperBound)."
                return nil
            }
            return number
        }
        func text(_ name: String) -> String? {
            guard let value = json[name], !value.isNull else { return nil }
            guard let string = value.stringValue else {
                problems[name] = "Must be a string."
                return nil
            }
            return string
        }

        var template: TemplateSnapshot?
        if let id = integer("template_id", 1...Int(Int64.max >> 1), required: true) {
            template = try lookup(Int64(id))
            if template == nil { problems["template_id"] = "No template \(id); see /api/templates." }
        }
        let name = (text("name") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty {
            problems["name"] = problems["name"] ?? "Required: the output dataset's name."
        } else if name.count > DatasetCreation.maxNameLength {
            problems["name"] = "At most \(DatasetCreation.maxNameLength) characters."
        }
        let needsInput = template?.type.needsInputDataset ?? false
        let count = integer("count", 1...StratumPlan.maximumCount, required: !needsInput)
        var request = GenerationRequest(
            template: template ?? TemplateSnapshot(name: "", type: .prompts, systemPrompt: "", prompt: ""), outputName: name, count: count ?? 0)
        request.askedItemsPerCall = integer("items_per_call", GenerationSettings.itemsPerCallRange)
        request.attemptCapFactor = decimal("attempt_cap_factor", GenerationSettings.attemptCapRange) ?? request.attemptCapFactor
        request.duplicateThreshold = decimal("duplicate_threshold", 0.5...1.0) ?? request.duplicateThreshold
        request.seed = integer("seed", 0...Int(Int32.max))
        request.skillPrompt = text("skill_prompt").flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
        if let id = integer("input_dataset_id", 1...Int(Int64.max >> 1)) { request.inputDatasetID = Int64(id) }
        if needsInput && request.inputDatasetID == nil { problems["input_dataset_id"] = "A transform needs the dataset it is applied to." }
        if let variables = json["variables"], !variables.isNull {
            do { request.variables = try GenerationVariablesReader.read(variables) } catch { problems[error.path] = error.message }
        }
        if let combinations = json["combinations"], !combinations.isNull {
            do { request.combinations = try GenerationVariablesReader.readCombinations(combinations) } catch { problems[error.path] = error.message }
        }
        if let teacher = json["teacher"], !teacher.isNull {
            guard case .object(let fields) = teacher else {
                throw AppError.invalid("Check the fields marked.", fields: problems.merging(["teacher": "Must be an object of teacher settings."]) { $1 })
            }
            for (key, value) in fields {
                switch value {
                case .string(let string): request.teacherFields[key] = string
                case .number: request.teacherFields[key] = value.serialized
                case .bool(let flag): request.teacherFields[key] = flag ? "true" : "false"
                default: problems["teacher.\(key)"] = "Must be a string, a number or a boolean."
                }
            }
        }
        for key in ownKeyFields {
            guard let value = json[key], !value.isNull else { continue }
            if let string = value.stringValue { request.teacherFields[key] = string } else if value.intValue != nil {
                request.teacherFields[key] = value.serialized
            } else {
                problems[key] = "Must be a string or a number."
            }
        }
        if request.teacherFields["provider"] == nil && request.teacherFields["recipe_id"] == nil {
            problems["teacher"] = "Give a teacher ({\"provider\", \"model\", …}) or a recipe_id."
        }
        guard problems.isEmpty else { throw AppError.invalid("Check the fields marked.", fields: problems) }
        return request
    }

    /// The strata the task must fill, checked: every stratum's prompt can be written (a placeholder with no value is
    /// an error naming it). A transform's count is its input dataset's row count.
    static func plan(_ request: GenerationRequest, inputRows: Int? = nil) throws -> [Stratum] {
        if let expansion = request.expansion { return expansion.strata }
        let template: PromptTemplate
        do {
            template = try PromptTemplate(request.template.prompt)
        } catch {
            throw AppError.invalid("The template's prompt cannot be used.", fields: ["template_id": error.description])
        }
        let strata: [Stratum]
        do {
            strata = try StratumPlan.make(variables: request.variables, combinations: request.combinations, count: inputRows ?? request.count)
        } catch {
            throw AppError.invalid("Check the fields marked.", fields: [error.path: error.message])
        }
        for stratum in strata.prefix(1) + strata.suffix(1) {
            var values = stratum.values
            if request.template.type.needsInputDataset { values["input"] = "" }
            do {
                _ = try template.render(PromptContext(values: values, descriptions: stratum.descriptions, count: request.itemsPerCall))
            } catch {
                throw AppError.invalid("Check the fields marked.", fields: ["variables": error.description])
            }
        }
        return strata
    }

    /// The teacher settings from the request's teacher fields, a recipe's under them, the template's sampling under
    /// both; errors named under `teacher.`.
    static func teacher(_ request: GenerationRequest, services: Services) throws -> (SynthesisRequest, SynthesisSettings) {
        do {
            var teacher = try SynthesisRecipeFields.request(request.teacherFields, over: request.template.settings.teacherFields, services: services)
            teacher.rejectionSampling = false
            return (teacher, try SynthesisService.settings(for: teacher, catalog: services.catalog))
        } catch AppError.invalid(let message, let fields) {
            throw AppError.invalid(
                message, fields: Dictionary(uniqueKeysWithValues: fields.map { (ownKeyFields.contains($0.key) ? $0.key : "teacher." + $0.key, $0.value) }))
        }
    }

    /// A transform's input dataset, checked: it exists, it passed validation, it has rows. Nil for other types.
    static func inputRowCount(_ request: GenerationRequest, services: Services) throws -> Int? {
        guard request.template.type.needsInputDataset, let id = request.inputDatasetID else { return nil }
        guard let dataset = try services.datasets.dataset(id: id) else {
            throw AppError.invalid("Check the fields marked.", fields: ["input_dataset_id": "No dataset \(id)."])
        }
        let usable: Set<DatasetStatus> = [.valid, .validWithWarnings, .validSeeds, .readyForTraining, .synthesizing]
        guard usable.contains(dataset.status), dataset.rowCount > 0 else {
            throw AppError.invalid(
                "Check the fields marked.",
                fields: ["input_dataset_id": "Dataset #\(id) is \(dataset.status.label.lowercased()) with \(dataset.rowCount) rows; a transform needs a validated dataset with rows."])
        }
        return dataset.rowCount
    }

    /// A transform's rows by stratum: in the dataset's order, the first stratum's quota of rows, then the next
    /// stratum's, and so on (the strata only label the rows; every row gets one output).
    static func assign(_ rows: [TransformInput], to strata: [Stratum]) -> [[TransformInput]] {
        var assigned: [[TransformInput]] = []
        var start = 0
        for stratum in strata {
            let end = min(rows.count, start + stratum.quota)
            assigned.append(Array(rows[start..<end]))
            start = end
        }
        return assigned
    }

    /// Queues the task (after its pre-flight): its settings snapshot and strata. Returns the job id.
    static func create(
        _ request: GenerationRequest, strata: [Stratum], teacher: SynthesisSettings, keyID: Int64?, recipeID: Int64?, createdBy: Int64?,
        services: Services
    ) throws -> Int64 {
        let settings = GenerationSettings(
            teacher: teacher, itemsPerCall: request.itemsPerCall, attemptCapFactor: request.attemptCapFactor,
            duplicateThreshold: request.duplicateThreshold, seed: request.seed ?? Int(services.now() % Int64(Int32.max)),
            variablesJSON: GenerationVariablesReader.json(request.variables).serialized, combinationsJSON: nil,
            skillPrompt: request.template.type.producesSeeds ? request.skillPrompt ?? request.template.systemPrompt : nil,
            expansion: request.expansion?.settings)
        var job = NewGenerationJob(
                templateID: request.template.id, templateName: request.template.name, templateType: request.template.type,
                systemPrompt: request.template.systemPrompt, prompt: request.template.prompt, outputName: request.outputName, createdBy: createdBy,
                provider: teacher.provider, model: teacher.model, settingsJSON: settings.json, keyID: keyID, recipeID: recipeID,
                sourceDatasetID: request.inputDatasetID)
        if request.expansion?.settings.copiesFailingPromptsAlone == true { job.target = request.count }
        let jobID = try services.generations.create(job, strata: strata, now: services.now())
        services.wakeWorkers()
        return jobID
    }

    /// A prompts task makes a seeds dataset, which needs a skill prompt: the request's, else the template's system prompt.
    static func checkSkillPrompt(_ request: GenerationRequest) throws {
        guard request.template.type.producesSeeds else { return }
        if let problem = validateSkillPrompt(request.skillPrompt ?? request.template.systemPrompt) {
            throw AppError.invalid(
                "The output seeds dataset needs a skill prompt.",
                fields: ["skill_prompt": problem + " Give skill_prompt, or a system prompt in the template."])
        }
    }

    /// A request's teacher with its key: the settings (naming the key used), the provider, a saved key opened for this
    /// run and the key to send (pasted or saved). `free()` releases both keys once the run is over.
    struct KeyedTeacher: Sendable {
        let request: SynthesisRequest
        let settings: SynthesisSettings
        let provider: TeacherProvider
        let savedKey: SecureBytes?
        var key: SecureBytes? { request.pastedKey ?? savedKey }

        func free() {
            request.pastedKey?.free()
            savedKey?.free()
        }
    }

    /// Resolves the teacher and opens a saved key; a provider that needs a key and got none is refused naming
    /// `api_key`. On an error nothing stays open (a pasted key included).
    static func keyedTeacher(_ request: GenerationRequest, user: User, context: RequestContext) throws -> KeyedTeacher {
        let (teacherRequest, settings) = try teacher(request, services: context.services)
        return try keyed(teacherRequest, settings: settings, user: user, context: context)
    }

    /// A resolved endpoint (a generation task's teacher, a scoring job's judge, an evaluation's student and judge) with
    /// its key, as `keyedTeacher` says. `role` names the fields of its errors under an endpoint object (`judge.api_key`,
    /// `judge.key_id`); nil: the form's own (`api_key`, `saved_key_id`).
    static func keyed(
        _ teacherRequest: SynthesisRequest, settings: SynthesisSettings, user: User, context: RequestContext, role: String? = nil
    ) throws -> KeyedTeacher {
        let services = context.services
        var savedKey: SecureBytes?
        do {
            guard let provider = services.catalog.provider(id: settings.provider) else { throw AppError.badRequest("Unknown \(role ?? "teacher").") }
            let savedKeys = try TeacherKeyStore(database: services.database).list(userID: user.id)
            savedKey = try SynthesisService.openSavedKey(
                teacherRequest.savedKeyID, field: role.map { "\($0).key_id" } ?? "saved_key_id", savedKeys: savedKeys, user: user, context: context)
            var named = settings
            named.keyDescription = SynthesisService.describeKey(
                pasted: teacherRequest.pastedKey != nil, savedID: teacherRequest.savedKeyID, savedKeys: savedKeys)
            let keyed = KeyedTeacher(request: teacherRequest, settings: named, provider: provider, savedKey: savedKey)
            if provider.keyRequired && keyed.key == nil {
                throw AppError.invalid(
                    "An API key is needed.",
                    fields: [role.map { "\($0).api_key" } ?? "api_key": "Paste the \(provider.displayName) API key, or pick a saved one."])
            }
            return keyed
        } catch {
            teacherRequest.pastedKey?.free()
            savedKey?.free()
            throw error
        }
    }

    /// Checks the request and opens a saved key here, pre-flights the key off this (HTTP) thread, then seals a
    /// pasted key and queues the task on a background queue; `answer` turns the job id, or the error, into the response.
    static func start(
        _ request: GenerationRequest, context: RequestContext, answer: @escaping @Sendable (Result<Int64, any Error>) throws -> HTTPResponse
    ) throws -> HTTPResponse {
        let services = context.services
        let user = try context.requireUser()
        do {
            try checkSkillPrompt(request)
            let strata = try plan(request, inputRows: try inputRowCount(request, services: services))
            let keyed = try keyedTeacher(request, user: user, context: context)
            let (teacherRequest, provider, prepared, key) = (keyed.request, keyed.provider, keyed.settings, keyed.key)
            return .later(
                waitingFor: { done in
                    // A task that asks the teacher for nothing (the failing prompts copied alone) is not timed.
                    let asksTeacher = strata.contains { $0.quota > 0 }
                    SynthesisService.preflight(
                        settings: prepared, key: key, transport: services.transport, requireModelListed: provider.baseURL != nil,
                        timeSelfHosted: asksTeacher, completion: done)
                },
                then: { preflight in
                    defer { keyed.free() }
                    return try answer(Result {
                        _ = try preflight.get()
                        var keyID = teacherRequest.savedKeyID
                        if let pasted = teacherRequest.pastedKey {
                            keyID = try services.vault.save(
                                key: pasted, provider: provider.id, label: "pasted for a generation task", userID: nil, actor: user,
                                remoteAddress: context.remoteAddress, now: services.now())
                        }
                        do {
                            return try create(
                                request, strata: strata, teacher: prepared, keyID: keyID, recipeID: teacherRequest.recipeID, createdBy: user.id,
                                services: services)
                        } catch {
                            // A key sealed for a task that could not be created must not linger.
                            if teacherRequest.pastedKey != nil, let keyID {
                                _ = try? TeacherKeyStore(database: services.database).delete(id: keyID, userID: nil)
                            }
                            throw error
                        }
                    })
                })
        } catch {
            return try answer(.failure(error))
        }
    }

    /// Cancels a queued or running task (its starter or an admin); what was accepted so far is kept.
    static func cancel(jobID: Int64, context: RequestContext) throws {
        let user = try context.requireUser()
        guard let job = try context.services.generations.job(id: jobID) else { throw AppError.notFound("No generation task \(jobID).") }
        guard user.isAdmin || job.createdBy == user.id else { throw AppError.forbidden("Only the task's starter or an admin can cancel it.") }
        guard job.status.isActive else { throw AppError.conflict("The task has already ended (\(job.status.rawValue)).") }
        _ = try context.services.generations.requestCancel(jobID: jobID)
        context.services.wakeWorkers()
    }
}
