import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// A template's dry run: one teacher call per category (stratum) of the given variables, at most
/// `maximumItemsPerCall` items each, sent and read by the generation engine itself (the same pipeline, request
/// builder, answer parser, pacing and cost as a task) but with nothing stored: no job, no dataset, no items, and the
/// key only in memory for the run (a pasted key is never sealed). Each call gets one attempt, so what the teacher
/// does with the template shows as it is: its items, or why the answer could not be used.
enum TemplateDryRun {
    static let maximumItemsPerCall = 10
    static let maximumCalls = 20
    /// The request's fields: the generation request's, less what only a task has.
    static let fields: Set<String> = ["variables", "combinations", "items_per_call", "seed", "teacher", "recipe_id", "api_key", "saved_key_id"]

    /// One call's outcome.
    struct Call: Sendable {
        var stratum: Stratum
        var prompt: String
        var asked: Int
        var items: [GeneratedItem] = []
        var failure: String?
        var tokensIn = 0
        var tokensOut = 0
        var costUSD = 0.0
    }

    struct Outcome: Sendable {
        var calls: [Call]
        var categories: Int
        var costKnown: Bool
    }

    /// The template, unless it is a transform (refused: its calls need a dataset's rows).
    static func runnableTemplate(_ request: HTTPRequest, _ context: RequestContext) throws -> TemplateRecord {
        let template = try requireTemplate(request, context)
        if template.type.needsInputDataset { throw AppError.conflict(transformRefusal) }
        return template
    }

    static let transformRefusal = "A transform template runs on the rows of a dataset: start a task on a few rows instead of a dry run."

    /// Reads the dry run's JSON body through the generation request's reader (errors keyed by JSON path).
    static func read(_ json: SynthesisJSON, template: TemplateRecord) throws -> GenerationRequest {
        guard case .object(let members) = json else { throw AppError.badRequest("The request body must be a JSON object.") }
        var problems: [String: String] = [:]
        for (key, _) in members where !fields.contains(key) {
            problems[key] = "Not used by a dry run; the fields are: \(fields.sorted().joined(separator: ", "))."
        }
        if template.type.needsInputDataset {
            problems["template_id"] = transformRefusal
        }
        if let count = json["items_per_call"]?.intValue, count > maximumItemsPerCall {
            problems["items_per_call"] = "A dry run asks for at most \(maximumItemsPerCall) items per call."
        }
        // The generation reader wants an output name and a count; a dry run has neither (each call asks items_per_call).
        let generation = members.filter { fields.contains($0.key) }
            + [("template_id", .number(Double(template.id))), ("name", .string("dry run")), ("count", .number(1))]
        do {
            let request = try GenerationService.read(.object(generation)) { _ in TemplateSnapshot(template) }
            guard problems.isEmpty else { throw AppError.invalid("Check the fields marked.", fields: problems) }
            return request
        } catch AppError.invalid(let message, let fields) {
            throw AppError.invalid(message, fields: problems.merging(fields) { mine, _ in mine })
        }
    }

    /// Checks the request, resolves the teacher and opens a saved key here, then runs the calls off this (HTTP)
    /// thread; `answer` turns the outcome, or the error, into the response. The key is freed when the run ends.
    static func start(
        _ request: GenerationRequest, context: RequestContext, answer: @escaping @Sendable (Result<Outcome, any Error>) throws -> HTTPResponse
    ) throws -> HTTPResponse {
        let services = context.services
        let user = try context.requireUser()
        do {
            let strata = try GenerationService.plan(request)
            let keyed = try GenerationService.keyedTeacher(request, user: user, context: context)
            return .later(
                waitingFor: { done in
                    DispatchQueue.global(qos: .userInitiated).async {
                        done(Result {
                            try run(request, strata: strata, teacher: keyed.settings, key: keyed.key, transport: services.transport, now: services.now())
                        })
                    }
                },
                then: { outcome in
                    defer { keyed.free() }
                    return try answer(outcome)
                })
        } catch {
            return try answer(.failure(error))
        }
    }

    /// Sends one call per category (the first `maximumCalls`) and waits for them all. A key the teacher refuses (or an
    /// account without balance) stops the run: an error naming the field, never the key.
    static func run(
        _ request: GenerationRequest, strata: [Stratum], teacher: SynthesisSettings, key: SecureBytes?, transport: TeacherTransport, now: Int64
    ) throws -> Outcome {
        let template = request.template
        let pipeline = try GenerationEngine.pipeline(
            teacher: teacher, type: template.type, systemPrompt: template.systemPrompt, prompt: template.prompt, strata: strata,
            seed: request.seed ?? 0, createdAt: now)
        let count = min(request.itemsPerCall, maximumItemsPerCall)
        var calls: [Call] = []
        for stratum in strata.prefix(maximumCalls) {
            let call = GenerationCall(stratum: stratum.index, firstIndex: 1 + calls.count * count, count: count)
            calls.append(Call(stratum: stratum, prompt: (try? pipeline.request(for: call).request.userPrompt) ?? "", asked: count))
        }
        let scheduler = Scheduler(
            pipeline: pipeline, endpoints: Array(teacher.engineEndpoints.prefix(1)), retryPolicy: RetryPolicy(maxAttempts: 1),
            random: SeededRandom(seed: UInt64(bitPattern: Int64(request.seed ?? 0))))
        for (key, call) in calls.enumerated() {
            scheduler.add(key: Int64(key), item: GenerationCall(stratum: call.stratum.index, firstIndex: 1 + key * count, count: count))
        }
        // The review hook runs on this thread, before each commit: it collects the changes the commit then discards.
        var events: [Scheduler<GenerationPipeline>.Event] = []
        let driver = EngineDriver(
            scheduler: scheduler, connections: Array(teacher.connections(keys: [key]).prefix(1)), transport: transport,
            hooks: .init(
                isCancelRequested: { false }, heartbeat: {}, commit: { _ in },
                review: { batch in
                    events += batch
                    return []
                }),
            live: LiveSynthesisProgress())
        if case .aborted(let failure) = try driver.run() {
            let field = PreflightCheck.field(for: failure, selfHosted: teacher.selfHosted == true)
            throw AppError.invalid("The teacher refused the dry run; see the field marked.", fields: [field: failure.message])
        }
        for event in events {
            switch event {
            case .finished(let key, let state, let outputs, _):
                calls[Int(key)].items = outputs.map(\.item)
                calls[Int(key)].record(state)
            case .skipped(let key, let state, _):
                calls[Int(key)].failure = state.lastMessage ?? "The call was not answered."
                calls[Int(key)].record(state)
            case .added, .started, .retrying, .usage, .answered:
                break
            }
        }
        return Outcome(calls: calls, categories: strata.count, costKnown: teacher.costKnown)
    }
}

extension TemplateDryRun.Call {
    fileprivate mutating func record(_ state: WorkItemState) {
        tokensIn = state.tokensIn
        tokensOut = state.tokensOut
        costUSD = state.costUSD
    }
}
