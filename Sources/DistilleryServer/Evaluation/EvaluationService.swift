import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// What `POST /api/evaluations` asks for, read and checked.
struct EvaluationRequest: Sendable {
    /// The held-out rows: the split named, the dataset's test split when the field is absent and the dataset is split,
    /// or every row when it is `"all"` or null.
    enum SplitChoice: Sendable, Equatable {
        case defaultSplit
        case all
        case named(String)
    }

    var name: String
    var datasetID: Int64
    var split: SplitChoice
    /// The endpoints' fields as the synthesis dialog names them (`provider`, `model`, `base_url`, `api_key`,
    /// `saved_key_id`, `temperature`, `max_new_tokens`, …).
    var studentFields: [String: String]
    var judgeFields: [String: String]
    var dimensions: [JudgeDimension]
}

/// Starting and cancelling evaluation runs: checks the request (every problem at once, keyed by JSON path), picks the
/// held-out rows, pre-flights both endpoints at no cost, seals pasted keys for the run, estimates the cost and queues it.
enum EvaluationService {
    static let topLevelFields: Set<String> = ["name", "dataset_id", "split", "student", "judge", "dimensions", "recipe_id"]
    static let splits = ["train", "validation", "test"]

    // MARK: Reading

    static func read(_ json: SynthesisJSON) throws -> EvaluationRequest {
        guard case .object(let members) = json else { throw AppError.badRequest("The request body must be a JSON object.") }
        var problems: [String: String] = [:]
        for (key, _) in members where !topLevelFields.contains(key) {
            problems[key] = "Unknown field; the fields are: \(topLevelFields.sorted().joined(separator: ", "))."
        }
        let name = json["name"]?.stringValue.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        if name.isEmpty { problems["name"] = "Required: a name for the run (e.g. student v2 on test)." }
        if name.count > 200 { problems["name"] = "At most 200 characters." }
        var datasetID: Int64 = 0
        if let id = json["dataset_id"]?.intValue, id > 0 { datasetID = Int64(id) } else { problems["dataset_id"] = "Required: the id of a chat dataset." }
        var split = EvaluationRequest.SplitChoice.defaultSplit
        if let value = json["split"] {
            if value.isNull || value.stringValue == "all" {
                split = .all
            } else if let name = value.stringValue, splits.contains(name) {
                split = .named(name)
            } else {
                problems["split"] = "Must be one of train, validation, test, or \"all\" (every row)."
            }
        }
        let student = endpointFields(json["student"], path: "student", required: true, problems: &problems)
        var judge = endpointFields(json["judge"], path: "judge", required: true, problems: &problems)
        // The judge's limit is its verdict's: reasoning per dimension before each decision.
        if judge["max_new_tokens"] == nil { judge["max_new_tokens"] = "1024" }
        var studentFields = student
        if let recipe = json["recipe_id"], !recipe.isNull {
            if let id = recipe.intValue, id > 0 { studentFields["recipe_id"] = String(id) } else { problems["recipe_id"] = "Must be a recipe id." }
        }
        var dimensions = JudgeDimension.builtIns
        if let value = json["dimensions"], !value.isNull {
            do { dimensions = try JudgeDimensionsReader.read(passFailList: value) } catch { problems[error.path] = error.message }
        }
        guard problems.isEmpty else { throw AppError.invalid("Check the fields marked.", fields: problems) }
        return EvaluationRequest(
            name: name, datasetID: datasetID, split: split, studentFields: studentFields, judgeFields: judge, dimensions: dimensions)
    }

    /// An endpoint object's fields as strings, `key_id` read as the dialog's `saved_key_id`.
    private static func endpointFields(_ value: SynthesisJSON?, path: String, required: Bool, problems: inout [String: String]) -> [String: String] {
        guard let value, !value.isNull else {
            if required { problems[path] = "Required: {\"provider\", \"model\", \"base_url\", \"api_key\" or \"key_id\", …}." }
            return [:]
        }
        guard case .object(let members) = value else {
            problems[path] = "Must be an object of endpoint settings."
            return [:]
        }
        var fields: [String: String] = [:]
        for (key, member) in members {
            let name = key == "key_id" ? "saved_key_id" : key
            switch member {
            case .string(let string): fields[name] = string
            case .number: fields[name] = member.serialized
            case .bool(let flag): fields[name] = flag ? "true" : "false"
            case .null: break
            default: problems["\(path).\(key)"] = "Must be a string, a number or a boolean."
            }
        }
        for key in ["judge_provider", "rejection_sampling", "recipe_id"] where fields[key] != nil {
            problems["\(path).\(key)"] = "Not an endpoint setting."
        }
        return fields
    }

    // MARK: Held-out rows

    /// Chat rows that passed validation, or failed it only for being too few to train on (a held-out set is small).
    static func isEvaluable(_ dataset: DatasetRecord) -> Bool {
        guard dataset.mode == .chat, dataset.rowCount > 0 else { return false }
        if [.valid, .validWithWarnings, .readyForTraining].contains(dataset.status) { return true }
        guard dataset.status == .invalid, let summary = dataset.summary else { return false }
        return summary.invalidLines == 0 && summary.datasetErrors.allSatisfy { $0.code == "too_few_examples" }
    }

    /// The rows the run evaluates, with the split it records (nil: every row).
    static func heldOutRows(_ request: EvaluationRequest, services: Services) throws -> (split: String?, rows: [NewEvaluationRow]) {
        guard let dataset = try services.datasets.dataset(id: request.datasetID) else {
            throw AppError.invalid("Unknown dataset.", fields: ["dataset_id": "No dataset \(request.datasetID)."])
        }
        guard isEvaluable(dataset) else {
            throw AppError.invalid(
                "Only a chat dataset that passed validation has reference answers to evaluate against.",
                fields: ["dataset_id": "Dataset #\(dataset.id) is a \(dataset.mode.rawValue) dataset, \(dataset.status.rawValue)."])
        }
        let store = services.evaluations
        let split: String?
        switch request.split {
        case .all: split = nil
        case .named(let name): split = name
        case .defaultSplit:
            guard try store.isSplit(datasetID: dataset.id) else {
                throw AppError.invalid(
                    "The dataset is not split.",
                    fields: ["split": "Split the dataset first (its test split is the held-out set), or give \"all\" to evaluate every row."])
            }
            split = "test"
        }
        let stored = try store.heldOutRows(datasetID: dataset.id, split: split)
        guard !stored.isEmpty else {
            throw AppError.invalid("No rows to evaluate.", fields: ["split": "Dataset #\(dataset.id) has no \(split ?? "") rows."])
        }
        var rows: [NewEvaluationRow] = []
        rows.reserveCapacity(stored.count)
        for row in stored {
            guard let heldOut = HeldOutRow.read(body: row.body) else {
                throw AppError.invalid(
                    "A row has no reference answer.",
                    fields: ["dataset_id": "Line \(row.line): no assistant turn after a user turn to compare the student's answer with."])
            }
            rows.append(NewEvaluationRow(idx: row.idx, line: row.line, row: heldOut, category: RowCategory.of(metadata: row.metadata)))
        }
        return (split, rows)
    }

    // MARK: Endpoints

    /// One endpoint's settings with its key (a generation teacher's shape): a saved key opened for the pre-flight, the
    /// key to send (pasted or saved).
    typealias KeyedEndpoint = GenerationService.KeyedTeacher

    /// A field error of an endpoint, named under its object (`student.base_url`); `recipe_id` keeps its own name.
    static func named(_ fields: [String: String], under role: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: fields.map { ($0.key == "recipe_id" ? $0.key : "\(role).\($0.key)", $0.value) })
    }

    /// Resolves an endpoint (a recipe's fields under the student's) and opens its saved key, errors named under `role.`;
    /// a provider that needs a key and got none is refused naming `role.api_key`. On an error nothing stays open.
    static func endpoint(_ fields: [String: String], role: String, user: User, context: RequestContext) throws -> KeyedEndpoint {
        let services = context.services
        let request: SynthesisRequest
        let settings: SynthesisSettings
        do {
            var parsed = try SynthesisRecipeFields.request(fields, services: services)
            parsed.rejectionSampling = false
            request = parsed
            do {
                settings = try SynthesisService.settings(for: request, catalog: services.catalog)
            } catch {
                request.pastedKey?.free()
                throw error
            }
        } catch AppError.invalid(let message, let problems) {
            throw AppError.invalid(message, fields: named(problems, under: role))
        }
        return try GenerationService.keyed(request, settings: settings, user: user, context: context, role: role)
    }

    // MARK: Starting

    /// Checks the request and opens saved keys here, pre-flights both endpoints off this (HTTP) thread, then seals pasted
    /// keys and queues the run; `answer` turns the job id, or the error, into the response.
    static func start(
        _ request: EvaluationRequest, context: RequestContext, answer: @escaping @Sendable (Result<Int64, any Error>) throws -> HTTPResponse
    ) throws -> HTTPResponse {
        let services = context.services
        let user = try context.requireUser()
        let student: KeyedEndpoint
        let judge: KeyedEndpoint
        let heldOut: (split: String?, rows: [NewEvaluationRow])
        do {
            heldOut = try heldOutRows(request, services: services)
            student = try endpoint(request.studentFields, role: "student", user: user, context: context)
            do {
                judge = try endpoint(request.judgeFields, role: "judge", user: user, context: context)
            } catch {
                student.free()
                throw error
            }
        } catch {
            return try answer(.failure(error))
        }
        return .later(
            waitingFor: { done in
                preflight(student, role: "student", services: services) { studentResult in
                    guard case .success = studentResult else { return done(studentResult) }
                    preflight(judge, role: "judge", services: services, completion: done)
                }
            },
            then: { preflight in
                defer {
                    student.free()
                    judge.free()
                }
                return try answer(Result {
                    try preflight.get()
                    return try create(
                        request, heldOut: heldOut, student: student, judge: judge, user: user, remoteAddress: context.remoteAddress, services: services)
                })
            })
    }

    /// The free pre-flight of one endpoint (`GET {base}/models` with its key); an error names the field under `role.`.
    private static func preflight(
        _ endpoint: KeyedEndpoint, role: String, services: Services, completion: @escaping @Sendable (Result<Void, AppError>) -> Void
    ) {
        SynthesisService.preflight(
            settings: endpoint.settings, key: endpoint.key, transport: services.transport, requireModelListed: endpoint.provider.baseURL != nil,
            timeSelfHosted: false
        ) { result in
            switch result {
            case .success: completion(.success(()))
            case .failure(.invalid(let message, let fields)):
                completion(.failure(.invalid(message, fields: named(fields, under: role))))
            case .failure(let error): completion(.failure(error))
            }
        }
    }

    /// After both pre-flights passed: seals pasted keys for the run, estimates and queues it. Returns the job id.
    static func create(
        _ request: EvaluationRequest, heldOut: (split: String?, rows: [NewEvaluationRow]), student: KeyedEndpoint, judge: KeyedEndpoint,
        user: User?, remoteAddress: String, services: Services
    ) throws -> Int64 {
        var sealed: [Int64] = []
        func keyID(_ endpoint: KeyedEndpoint, role: String) throws -> Int64? {
            guard let pasted = endpoint.request.pastedKey else { return endpoint.request.savedKeyID }
            let id = try services.vault.save(
                key: pasted, provider: endpoint.provider.id, label: "pasted for an evaluation run's \(role)", userID: nil, actor: user,
                remoteAddress: remoteAddress, now: services.now())
            sealed.append(id)
            return id
        }
        do {
            let settings = EvaluationSettings(student: student.settings, judge: judge.settings)
            let estimate = EvaluationEstimate(
                rows: heldOut.rows.map(\.row), dimensions: request.dimensions.count, studentMaxTokens: student.settings.maxNewTokens,
                student: prices(student.settings), judge: prices(judge.settings))
            let jobID = try services.evaluations.create(
                NewEvaluationRun(
                    name: request.name, datasetID: request.datasetID, split: heldOut.split, createdBy: user?.id,
                    studentProvider: student.settings.provider, studentModel: student.settings.model, studentKeyID: try keyID(student, role: "student"),
                    judgeProvider: judge.settings.provider, judgeModel: judge.settings.model, judgeKeyID: try keyID(judge, role: "judge"),
                    recipeID: student.request.recipeID, settingsJSON: settings.json, dimensions: request.dimensions, estimateJSON: estimate.json),
                rows: heldOut.rows, now: services.now())
            services.wakeWorkers()
            return jobID
        } catch {
            // A key sealed for a run that could not be created must not linger.
            for id in sealed { _ = try? TeacherKeyStore(database: services.database).delete(id: id, userID: nil) }
            throw error
        }
    }

    static func prices(_ settings: SynthesisSettings) -> EvaluationEstimate.Prices {
        EvaluationEstimate.Prices(
            inputPerMillionUSD: settings.inputPricePerMillionUSD, outputPerMillionUSD: settings.outputPricePerMillionUSD, known: settings.costKnown)
    }

    /// Cancels a queued or running run (its starter or an admin); what was judged so far is kept.
    static func cancel(jobID: Int64, context: RequestContext) throws {
        let user = try context.requireUser()
        guard let run = try context.services.evaluations.run(jobID: jobID) else { throw AppError.notFound("No evaluation run \(jobID).") }
        guard user.isAdmin || run.createdBy == user.id else { throw AppError.forbidden("Only the run's starter or an admin can cancel it.") }
        guard run.status.isActive else { throw AppError.conflict("The run has already ended (\(run.status.rawValue)).") }
        _ = try context.services.evaluations.requestCancel(jobID: jobID)
        context.services.wakeWorkers()
    }
}
