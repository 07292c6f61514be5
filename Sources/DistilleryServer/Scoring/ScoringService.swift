import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// What starting a scoring job asks for: the judge endpoint as synthesis reads a teacher (provider, model, base_url,
/// …, api_key or saved_key_id, or recipe_id), the dimensions, and whether to insist on a judge of the rows' family.
struct ScoringRequest: Sendable {
    var judgeFields: [String: String]
    var dimensions: [JudgeDimension]
    var insistSameFamily: Bool
}

/// Starting a scoring job: reads the request (errors name their field or JSON path), checks the dataset and the
/// judge's family against the rows' teachers, resolves the judge and its key as synthesis does, pre-flights the key
/// at no cost, estimates, seals a pasted key for the job and queues it.
enum ScoringService {
    /// The request's own fields; every other field is the judge endpoint's.
    static let ownFields: Set<String> = ["dimensions", "custom", "insist_same_family"]
    static let formDimensionPrefix = "dimension_"
    /// The judge endpoint's fields, as synthesis reads a teacher's (rejection sampling and the child's split do not apply).
    static let judgeFieldNames: Set<String> = [
        "provider", "model", "custom_model", "base_url", "api_key", "saved_key_id", "recipe_id", "temperature", "top_p", "seed",
        "max_new_tokens", "max_tokens_cap", "requests_per_minute", "tokens_per_minute", "max_in_flight", "request_timeout_seconds",
        "supports_structured_output", "input_price_per_million", "output_price_per_million",
    ]

    /// Reads `POST /api/datasets/{id}/judge-scores`'s JSON body: `dimensions` (built-in ids), `custom` (an array of
    /// dimension objects, or the form's lines as one string), `insist_same_family`, and the judge's fields.
    static func read(json: SynthesisJSON) throws -> ScoringRequest {
        guard case .object(let members) = json else { throw AppError.badRequest("The request body must be a JSON object.") }
        var problems: [String: String] = [:]
        var judgeFields: [String: String] = [:]
        for (key, value) in members where !ownFields.contains(key) {
            guard judgeFieldNames.contains(key) else {
                problems[key] = "Unknown field; the fields are: \((ownFields.union(judgeFieldNames)).sorted().joined(separator: ", "))."
                continue
            }
            switch value {
            case .string(let string): judgeFields[key] = string
            case .number: judgeFields[key] = value.serialized
            case .bool(let flag): judgeFields[key] = flag ? "true" : "false"
            case .null: continue
            default: problems[key] = "Must be a string, a number or a boolean."
            }
        }
        var builtIns: [String] = []
        if let given = json["dimensions"], !given.isNull {
            if let items = given.arrayValue {
                for (index, item) in items.enumerated() {
                    if let id = item.stringValue { builtIns.append(id) } else { problems["dimensions[\(index)]"] = "Must be a dimension id (a string)." }
                }
            } else {
                problems["dimensions"] = "Must be an array of built-in dimension ids, e.g. [\"answers_request\", \"safe\"]."
            }
        }
        var custom: [JudgeDimension] = []
        if let given = json["custom"], !given.isNull {
            do {
                if let lines = given.stringValue { custom = try JudgeDimensionsReader.read(lines: lines) } else {
                    custom = try JudgeDimensionsReader.read(json: given)
                }
            } catch {
                problems[error.path] = error.message
            }
        }
        var insist = false
        if let given = json["insist_same_family"], !given.isNull {
            if let flag = given.boolValue { insist = flag } else { problems["insist_same_family"] = "Must be true or false." }
        }
        return try request(judgeFields: judgeFields, builtIns: builtIns, custom: custom, insist: insist, problems: problems)
    }

    /// Reads the form: a `dimension_<id>` checkbox per built-in, the `custom` textarea, the `insist_same_family` box.
    static func read(form fields: [String: String]) throws -> ScoringRequest {
        var problems: [String: String] = [:]
        let builtIns = JudgeDimension.builtIns.map(\.id).filter { isChecked(fields[formDimensionPrefix + $0]) }
        var custom: [JudgeDimension] = []
        do { custom = try JudgeDimensionsReader.read(lines: fields["custom"] ?? "") } catch { problems[error.path] = error.message }
        var judgeFields = fields.filter { !ownFields.contains($0.key) && !$0.key.hasPrefix(formDimensionPrefix) && $0.key != "_csrf" }
        judgeFields["dialog"] = nil
        return try request(
            judgeFields: judgeFields, builtIns: builtIns, custom: custom, insist: isChecked(fields["insist_same_family"]), problems: problems)
    }

    static func isChecked(_ value: String?) -> Bool { ["on", "true", "1", "yes"].contains(value?.lowercased() ?? "") }

    private static func request(
        judgeFields: [String: String], builtIns: [String], custom: [JudgeDimension], insist: Bool, problems: [String: String]
    ) throws -> ScoringRequest {
        var problems = problems
        var dimensions: [JudgeDimension] = []
        do {
            dimensions = try JudgeDimensionsReader.select(builtIns: builtIns, custom: custom)
        } catch {
            if problems.isEmpty { problems[error.path] = error.message }
        }
        if judgeFields["provider"] == nil && judgeFields["recipe_id"] == nil {
            problems["provider"] = "Give the judge's provider (with model, base_url, …) or a recipe_id."
        }
        guard problems.isEmpty else { throw AppError.invalid("Check the fields marked.", fields: problems) }
        return ScoringRequest(judgeFields: judgeFields, dimensions: dimensions, insistSameFamily: insist)
    }

    /// A chat dataset whose validation has ended with rows (an invalid one's stored rows are its valid lines); another is
    /// refused saying why (409).
    static func scorableDataset(id: Int64, context: RequestContext) throws -> DatasetRecord {
        let dataset = try context.datasets.requireDataset(id: id)
        guard isScorable(dataset) else {
            throw AppError.conflict(
                "Only a chat dataset with rows, once validated, can be scored; this one is a \(dataset.mode.rawValue) dataset, "
                    + "\(dataset.status.label.lowercased()), with \(dataset.rowCount) rows.")
        }
        return dataset
    }

    static func isScorable(_ dataset: DatasetRecord) -> Bool {
        dataset.mode == .chat && dataset.status != .validating && dataset.rowCount > 0
    }

    /// The judge's settings: its fields over a recipe's, the verdict's token limit by default sized for the dimensions.
    static func judge(_ request: ScoringRequest, services: Services) throws -> (SynthesisRequest, SynthesisSettings) {
        let defaults = ["max_new_tokens": String(ScoringSettings.defaultMaxNewTokens(dimensions: request.dimensions.count))]
        var judge = try SynthesisRecipeFields.request(request.judgeFields, over: defaults, services: services)
        judge.rejectionSampling = false
        do {
            return (judge, try SynthesisService.settings(for: judge, catalog: services.catalog))
        } catch {
            judge.pastedKey?.free()
            throw error
        }
    }

    /// The family guard: a judge of the family of a teacher that wrote the rows (their metadata, or the synthesis job
    /// that made the dataset) is refused (422 naming both families) unless the user insists; then the returned
    /// warning is stored with the job and shown on its page.
    static func familyWarning(dataset: DatasetRecord, judge: SynthesisSettings, insist: Bool, services: Services) throws -> String? {
        var teachers = try services.scoring.rowTeachers(datasetID: dataset.id)
        if let job = try services.synthesis.job(childDatasetID: dataset.id) { teachers.append((job.provider, job.model)) }
        let judgeFamily = ModelFamily.of(provider: judge.provider, model: judge.model)
        var clashing: [String] = []
        for teacher in teachers where ModelFamily.of(provider: teacher.provider, model: teacher.model) == judgeFamily {
            if !clashing.contains(teacher.model) { clashing.append(teacher.model) }
        }
        guard !clashing.isEmpty else { return nil }
        let rows = "the rows' teacher\(clashing.count == 1 ? "" : "s") (\(clashing.prefix(5).joined(separator: ", ")))"
        guard insist else {
            throw AppError.invalid(
                "The judge is of the rows' own teacher family.",
                fields: ["insist_same_family":
                    "The judge \(judge.model) (family \(judgeFamily)) is of the family of \(rows), family \(judgeFamily): judges prefer "
                    + "their own family's answers. Pick a judge of another family, or insist to score anyway (the job will carry a warning)."])
        }
        return "The judge \(judge.model) is of the family of \(rows), family \(judgeFamily), and was used at the user's insistence: judges "
            + "prefer their own family's answers (GPT-4 picked its own 87% of the time in a published MT-Bench analysis), so these scores may favour them."
    }

    /// Checks the request and opens a saved key here, pre-flights the key off this (HTTP) thread, then estimates, seals a
    /// pasted key and queues the job on a background queue; `answer` turns the job id, or the error, into the response.
    static func start(
        datasetID: Int64, request: ScoringRequest, context: RequestContext,
        answer: @escaping @Sendable (Result<Int64, any Error>) throws -> HTTPResponse
    ) throws -> HTTPResponse {
        let services = context.services
        do {
            let user = try context.requireUser()
            let dataset = try scorableDataset(id: datasetID, context: context)
            let (judgeRequest, settings) = try judge(request, services: services)
            let warning: String?
            do {
                warning = try familyWarning(dataset: dataset, judge: settings, insist: request.insistSameFamily, services: services)
            } catch {
                judgeRequest.pastedKey?.free()
                throw error
            }
            let keyed = try GenerationService.keyed(judgeRequest, settings: settings, user: user, context: context)
            return .later(
                waitingFor: { done in
                    SynthesisService.preflight(
                        settings: keyed.settings, key: keyed.key, transport: services.transport, requireModelListed: keyed.provider.baseURL != nil,
                        completion: done)
                },
                then: { preflight in
                    defer { keyed.free() }
                    return try answer(Result {
                        let measured = try preflight.get()
                        return try queue(
                            request, dataset: dataset, keyed: keyed, familyWarning: warning, measuredFirstTokenMs: measured, user: user, context: context)
                    })
                })
        } catch {
            return try answer(.failure(error))
        }
    }

    /// After a passed pre-flight: seals a pasted key for the job, estimates and queues it. Returns the job id.
    private static func queue(
        _ request: ScoringRequest, dataset: DatasetRecord, keyed: GenerationService.KeyedTeacher, familyWarning: String?,
        measuredFirstTokenMs: Int64?, user: User, context: RequestContext
    ) throws -> Int64 {
        let services = context.services
        let judge = keyed.settings
        var keyID = keyed.request.savedKeyID
        if let pasted = keyed.request.pastedKey {
            keyID = try services.vault.save(
                key: pasted, provider: keyed.provider.id, label: "pasted for a scoring job", userID: nil, actor: user,
                remoteAddress: context.remoteAddress, now: services.now())
        }
        do {
            let model = keyed.provider.model(named: judge.model) ?? keyed.provider.models[0]
            let estimate = try ScoringEstimateView.make(
                datasetID: dataset.id, dimensions: request.dimensions, judge: judge, model: model, measuredFirstTokenMs: measuredFirstTokenMs,
                services: services)
            let settings = ScoringSettings(judge: judge, dimensions: request.dimensions)
            let jobID = try services.scoring.create(
                NewScoringJob(
                    datasetID: dataset.id, createdBy: user.id, provider: judge.provider, model: judge.model, settingsJSON: settings.json,
                    dimensionsJSON: ScoringSettings.dimensionsJSON(request.dimensions), promptVersion: ScoringPrompt.version, keyID: keyID,
                    recipeID: keyed.request.recipeID, insistedSameFamily: familyWarning != nil, familyWarning: familyWarning,
                    estimateJSON: estimate.json),
                pastedKeyIDs: keyed.request.pastedKey != nil ? [keyID].compactMap { $0 } : [], now: services.now())
            services.wakeWorkers()
            return jobID
        } catch {
            // A key sealed for a job that could not be created must not linger.
            if keyed.request.pastedKey != nil, let keyID { _ = try? TeacherKeyStore(database: services.database).delete(id: keyID, userID: nil) }
            throw error
        }
    }

    /// The estimate for the form's fields (or the API's, with `dimensions` as a comma-separated list of built-in ids), at
    /// the judge's list price and typical speed; no key is needed and nothing is sent.
    static func estimate(dataset: DatasetRecord, fields given: [String: String], services: Services) throws -> ScoringEstimateView {
        var fields = given
        fields["api_key"] = nil
        if let ids = fields.removeValue(forKey: "dimensions") {
            for id in ids.split(separator: ",") { fields[formDimensionPrefix + id.trimmingCharacters(in: .whitespaces)] = "on" }
        }
        let request = try read(form: fields)
        let (judgeRequest, settings) = try judge(request, services: services)
        judgeRequest.pastedKey?.free()
        guard let provider = services.catalog.provider(id: settings.provider), let model = provider.model(named: settings.model) else {
            throw AppError.invalid("Unknown model.", fields: ["model": "Unknown model."])
        }
        return try ScoringEstimateView.make(
            datasetID: dataset.id, dimensions: request.dimensions, judge: settings, model: model, measuredFirstTokenMs: nil,
            services: services)
    }

    /// Cancels a queued or running job (its starter or an admin); the scores committed so far are kept.
    static func cancel(jobID: Int64, context: RequestContext) throws {
        let user = try context.requireUser()
        guard let job = try context.services.scoring.job(id: jobID) else { throw AppError.notFound("No scoring job \(jobID).") }
        guard user.isAdmin || job.createdBy == user.id else { throw AppError.forbidden("Only the job's starter or an admin can cancel it.") }
        guard job.status.isActive else { throw AppError.conflict("The job has already ended (\(job.status.rawValue)).") }
        _ = try context.services.scoring.requestCancel(jobID: jobID)
        context.services.wakeWorkers()
    }
}

/// The estimate shown before a scoring job starts and stored with it: one judge call per row, whose prompt holds the
/// fixed instructions, the dimensions and the row, and whose answer is about `ScoringPipeline.tokensPerDimension` tokens
/// per dimension; priced at the judge's list price, timed at its typical (or measured) speed and the job's pacing.
struct ScoringEstimateView: Codable, Sendable, Equatable {
    let requests: Int
    let promptTokens: Int
    let completionTokens: Int
    let costUSD: Double
    let costKnown: Bool
    let costText: String
    let durationSeconds: Double
    let durationText: String
    let assumption: String

    static func make(
        datasetID: Int64, dimensions: [JudgeDimension], judge: SynthesisSettings, model: TeacherModel, measuredFirstTokenMs: Int64?,
        services: Services
    ) throws -> ScoringEstimateView {
        let (rows, rowTokens) = try services.database.read { connection in
            let row = try connection.queryOne(
                "SELECT COUNT(*) AS n, COALESCE(SUM(tokens), 0) AS tokens FROM dataset_rows WHERE dataset_id = ?", .integer(datasetID))
            return (row?.int("n") ?? 0, row?.int("tokens") ?? 0)
        }
        let instructions = ScoringPrompt(conversation: ScoredConversation(systemPrompt: "", turns: [], answer: ""), dimensions: dimensions)
            .request(model: judge.model, maxNewTokens: judge.maxNewTokens).estimatedPromptTokens
        let completion = min(judge.maxNewTokens, dimensions.count * ScoringPipeline.tokensPerDimension)
        let speed = SynthesisService.speed(model: model, measuredFirstTokenMs: measuredFirstTokenMs)
        var priced = model
        priced.inputPricePerMillionUSD = judge.inputPricePerMillionUSD
        priced.outputPricePerMillionUSD = judge.outputPricePerMillionUSD
        let estimate = SynthesisEstimate(
            SynthesisEstimate.Input(
                seedCount: rows, seedTokens: rowTokens + rows * instructions, skillPrompt: "", expectedCompletionTokens: completion,
                rejectionSampling: false, requestsPerMinute: judge.requestsPerMinute, tokensPerMinute: judge.tokensPerMinute,
                maxInFlight: judge.maxInFlight, typicalLatencyMs: speed.latencyMs(completionTokens: completion)),
            model: priced)
        return ScoringEstimateView(
            requests: estimate.requests, promptTokens: estimate.promptTokens, completionTokens: estimate.completionTokens, costUSD: estimate.costUSD,
            costKnown: judge.costKnown, costText: judge.costKnown ? Formatting.usd(estimate.costUSD) : SelfHostedCost.unknownText,
            durationSeconds: Double(estimate.durationMs) / 1000, durationText: Formatting.duration(seconds: Double(estimate.durationMs) / 1000),
            assumption: speed.assumptionText(completionTokens: completion, maxInFlight: judge.maxInFlight))
    }

    var json: String {
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ json: String?) -> ScoringEstimateView? {
        json.flatMap { try? JSONDecoder().decode(ScoringEstimateView.self, from: Data($0.utf8)) }
    }
}
