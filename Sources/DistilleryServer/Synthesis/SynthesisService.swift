import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation
import Synchronization

/// What the synthesis dialog, its JSON twin and the CLI ask for.
struct SynthesisRequest: Sendable {
    var provider: String
    var model: String
    /// The model name typed for a custom server (the catalog's models are chosen from a list).
    var customModel: String?
    var customBaseURL: String?
    /// A key pasted for this job; sealed in the vault for the job's lifetime only.
    var pastedKey: SecureBytes?
    /// Or a key saved in the user's account.
    var savedKeyID: Int64?
    var rejectionSampling = false
    var keepReasoning = false
    var temperature: Double? = 0.7
    var maxNewTokens = 1024
    /// The highest limit a truncated answer is retried with (nil: four times max new tokens).
    var maxTokensCap: Int?
    /// The judge's own limit (nil: derived from max new tokens).
    var judgeMaxTokens: Int?
    var seed: Int?
    var requestsPerMinute: Int?
    var tokensPerMinute: Int?
    var maxInFlight = 16
    var requestTimeoutSeconds: Double = 120
    var expectedCompletionTokens: Int?
    /// For custom servers only: whether they accept `n` (vLLM does; llama.cpp and Ollama do not).
    var customSupportsN: Bool?
    /// For custom servers only: how they take an answer's JSON schema (structured output), if at all.
    var customStructuredOutput: StructuredOutputStyle?
    /// For custom servers only: what the user pays per million tokens, if anything is known.
    var inputPricePerMillionUSD: Double?
    var outputPricePerMillionUSD: Double?
    /// The recipe the run starts from (`recipe_id`), stored with the job; its fields are already merged in.
    var recipeID: Int64?
    /// Candidates per seed with rejection sampling (1 to 5; nil: 3).
    var candidates: Int?
    /// The share of judged seeds the swap check asks again with the candidates reversed (0 to 1; nil: 10%).
    var swapCheckFraction: Double?
    var topP: Double?
    /// Rejection sampling's judge as its own endpoint; nil: the teacher judges.
    var judge: JudgeRequest?
    /// The distribution the child is split by (`split_train`, `split_validation`, `split_test`); nil: not split.
    var distribution: RecipeDistribution?
}

/// The judge the dialog asked for: any provider and model, with its own key.
struct JudgeRequest: Sendable {
    var provider: String
    var model: String
    var customModel: String?
    var customBaseURL: String?
    var pastedKey: SecureBytes?
    var savedKeyID: Int64?
    /// The judge's own pacing; nil: the teacher's.
    var requestsPerMinute: Int?
    var tokensPerMinute: Int?
    var maxInFlight: Int?
}

/// Starting a synthesis job: checks the choices, pre-flights the key at no cost, seals a pasted key
/// for the job, estimates cost and time, and queues the job.
enum SynthesisService {
    static let defaultProvider = "deepseek"

    /// Reads the dialog's fields (form or JSON). Problems come back together, keyed by field (422).
    static func request(from fields: [String: String]) throws -> SynthesisRequest {
        var problems: [String: String] = [:]
        func number<T: LosslessStringConvertible>(_ name: String, _ range: ClosedRange<T>, optional: Bool = true) -> T?
        where T: Comparable {
            guard let text = fields[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                if !optional { problems[name] = "Required." }
                return nil
            }
            guard let value = T(text), range.contains(value) else {
                problems[name] = "Must be a number from \(range.lowerBound) to \(range.upperBound)."
                return nil
            }
            return value
        }
        var request = SynthesisRequest(provider: fields["provider"] ?? defaultProvider, model: fields["model"] ?? "")
        request.customModel = fields["custom_model"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
        request.customBaseURL = fields["base_url"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
        request.rejectionSampling = ["on", "true", "1", "yes"].contains(fields["rejection_sampling"]?.lowercased() ?? "")
        request.keepReasoning = ["on", "true", "1", "yes"].contains(fields["keep_reasoning"]?.lowercased() ?? "")
        if let supportsN = fields["supports_n"]?.lowercased(), !supportsN.isEmpty {
            request.customSupportsN = ["on", "true", "1", "yes"].contains(supportsN)
        }
        if let structured = fields["supports_structured_output"], !structured.isEmpty {
            request.customStructuredOutput = StructuredOutputStyle(field: structured)
            if request.customStructuredOutput == nil {
                problems["supports_structured_output"] =
                    "Must be one of \(StructuredOutputStyle.allCases.map(\.rawValue).joined(separator: ", ")) (or true/false)."
            }
        }
        request.temperature = number("temperature", 0.0...2.0) ?? 0.7
        request.maxNewTokens = number("max_new_tokens", 1...131_072) ?? 1024
        request.maxTokensCap = number("max_tokens_cap", 1...1_048_576)
        request.judgeMaxTokens = number("judge_max_tokens", 16...131_072)
        if let cap = request.maxTokensCap, problems["max_new_tokens"] == nil, cap < request.maxNewTokens {
            problems["max_tokens_cap"] = "Must be at least max new tokens (\(request.maxNewTokens)); a truncated answer is retried with a doubled limit up to this cap."
        }
        request.seed = number("seed", 0...Int(Int32.max))
        request.requestsPerMinute = number("requests_per_minute", 1...1_000_000)
        request.tokensPerMinute = number("tokens_per_minute", 1...100_000_000)
        request.maxInFlight = number("max_in_flight", 1...1024) ?? 16
        request.requestTimeoutSeconds = number("request_timeout_seconds", 1.0...3600.0) ?? 120
        request.expectedCompletionTokens = number("expected_completion_tokens", 1...131_072)
        request.inputPricePerMillionUSD = number("input_price_per_million", 0.0...10_000.0)
        request.outputPricePerMillionUSD = number("output_price_per_million", 0.0...10_000.0)
        request.candidates = number("candidates", 1...5)
        request.swapCheckFraction = number("swap_check_fraction", 0.0...1.0)
        request.topP = number("top_p", 0.0...1.0)
        func savedKey(_ name: String) -> Int64? {
            guard let saved = fields[name], !saved.isEmpty else { return nil }
            if let id = Int64(saved) { return id }
            problems[name] = "Choose one of your saved keys."
            return nil
        }
        request.savedKeyID = savedKey("saved_key_id")
        request.distribution = RecipeRunFields.distribution(in: fields, problems: &problems)
        let judgeProvider = trimmed(fields["judge_provider"])
        if let judgeProvider {
            request.judge = JudgeRequest(
                provider: judgeProvider, model: trimmed(fields["judge_model"]) ?? "", customModel: trimmed(fields["judge_custom_model"]),
                customBaseURL: trimmed(fields["judge_base_url"]), savedKeyID: savedKey("judge_saved_key_id"),
                requestsPerMinute: number("judge_requests_per_minute", 1...1_000_000),
                tokensPerMinute: number("judge_tokens_per_minute", 1...100_000_000), maxInFlight: number("judge_max_in_flight", 1...1024))
        }
        guard problems.isEmpty else { throw AppError.invalid("Check the fields marked.", fields: problems) }
        request.pastedKey = try pastedKey(fields["api_key"], field: "api_key")
        if judgeProvider != nil {
            do {
                request.judge?.pastedKey = try pastedKey(fields["judge_api_key"], field: "judge_api_key")
            } catch {
                request.pastedKey?.free()
                throw error
            }
        }
        return request
    }

    private static func trimmed(_ value: String?) -> String? {
        value.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
    }

    /// A pasted key, straight into sodium memory.
    private static func pastedKey(_ value: String?, field: String) throws -> SecureBytes? {
        let pasted = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !pasted.isEmpty else { return nil }
        guard pasted.utf8.count <= 4096, pasted.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
            throw AppError.invalid("Check the fields marked.", fields: [field: "An API key is printable ASCII without spaces."])
        }
        return try Array(pasted.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
    }

    /// A provider, model and base URL resolved against the catalog (the teacher's, or the judge's with field
    /// names prefixed `judge_`).
    struct ResolvedEndpoint {
        var provider: TeacherProvider
        var model: TeacherModel
        var modelName: String
        var baseURL: String
    }

    static func resolve(
        provider providerID: String, model requestedModel: String, customModel: String?, customBaseURL: String?, catalog: ProviderCatalog,
        fieldPrefix: String = ""
    ) throws -> ResolvedEndpoint {
        guard let provider = catalog.provider(id: providerID) else {
            let known = catalog.providers.map(\.id).joined(separator: ", ")
            throw AppError.invalid(fieldPrefix.isEmpty ? "Unknown teacher." : "Unknown judge.", fields: [fieldPrefix + "provider": "Choose one of: \(known)."])
        }
        var modelName = (provider.baseURL == nil ? customModel ?? requestedModel : requestedModel).trimmingCharacters(in: .whitespaces)
        if modelName.isEmpty, provider.baseURL != nil, let first = provider.models.first(where: { !$0.acceptsAnyName }) {
            modelName = first.id  // the provider's default (first-listed) model
        }
        guard !modelName.isEmpty, let model = provider.model(named: modelName) else {
            let known = provider.models.filter { !$0.acceptsAnyName }.map(\.id).joined(separator: ", ")
            let field = fieldPrefix + (provider.baseURL == nil ? "custom_model" : "model")
            throw AppError.invalid(
                "Unknown model.", fields: [field: modelName.isEmpty ? "Enter the model name." : "\(provider.displayName) offers: \(known)."])
        }
        let base: String
        if let fixed = provider.baseURL {
            base = fixed
        } else {
            guard let custom = customBaseURL, custom.hasPrefix("http://") || custom.hasPrefix("https://") else {
                throw AppError.invalid(
                    "A base URL is needed.", fields: [fieldPrefix + "base_url": "Enter the server's base URL, e.g. http://127.0.0.1:8081/v1."])
            }
            base = custom
        }
        return ResolvedEndpoint(provider: provider, model: model, modelName: model.acceptsAnyName ? modelName : model.id, baseURL: base)
    }

    /// The provider and model from the catalog, and the settings the job will run with.
    static func settings(for request: SynthesisRequest, catalog: ProviderCatalog) throws -> SynthesisSettings {
        let teacher = try resolve(
            provider: request.provider, model: request.model, customModel: request.customModel, customBaseURL: request.customBaseURL,
            catalog: catalog)
        let (provider, model, modelName, base) = (teacher.provider, teacher.model, teacher.modelName, teacher.baseURL)
        if request.rejectionSampling && request.maxNewTokens < 16 {
            throw AppError.invalid("Check the fields marked.", fields: ["max_new_tokens": "Rejection sampling needs room for the judge's answer (at least 16)."])
        }
        var settings = SynthesisSettings(
            provider: provider.id, model: modelName, baseURL: base, temperature: request.temperature,
            maxNewTokens: request.maxNewTokens, seed: request.seed, requestsPerMinute: request.requestsPerMinute,
            tokensPerMinute: request.tokensPerMinute, maxInFlight: request.maxInFlight, rejectionSampling: request.rejectionSampling,
            keepReasoning: request.keepReasoning, requestTimeoutSeconds: request.requestTimeoutSeconds,
            supportsN: provider.baseURL == nil ? (request.customSupportsN ?? model.capabilities.supportsN) : model.capabilities.supportsN,
            supportsSeed: model.capabilities.supportsSeed,
            returnsReasoning: model.capabilities.returnsReasoning, inputPricePerMillionUSD: model.inputPricePerMillionUSD,
            outputPricePerMillionUSD: model.outputPricePerMillionUSD)
        settings.teacherDisplayName = provider.displayName
        if provider.baseURL == nil {
            settings.selfHosted = true
            let given = request.inputPricePerMillionUSD != nil || request.outputPricePerMillionUSD != nil
            settings.priceGiven = given
            if given {
                settings.inputPricePerMillionUSD = request.inputPricePerMillionUSD ?? 0
                settings.outputPricePerMillionUSD = request.outputPricePerMillionUSD ?? 0
            }
        }
        settings.chatCompletionsPath = provider.chatCompletionsPath
        settings.modelsPath = provider.modelsPath
        settings.maxTokensCap = request.maxTokensCap ?? SynthesisSettings.defaultCap(maxNewTokens: request.maxNewTokens)
        settings.judgeMaxTokens = request.judgeMaxTokens
        settings.contextWindow = model.contextWindow
        let capabilities = provider.baseURL == nil
            ? request.customStructuredOutput.map { $0.applied(to: model.capabilities) } ?? model.capabilities : model.capabilities
        settings.supportsJSONObject = capabilities.supportsJSONObject
        settings.supportsJSONSchema = capabilities.supportsJSONSchema
        settings.supportsJSONObjectSchema = capabilities.supportsJSONObjectSchema
        settings.topP = request.topP
        settings.distribution = request.distribution
        if request.rejectionSampling {
            settings.candidates = request.candidates ?? 3
            settings.swapCheckFraction = request.swapCheckFraction ?? SwapCheck.defaultFraction
        }
        if request.rejectionSampling, let judge = request.judge {
            settings.judge = try judgeSettings(judge, teacher: settings, catalog: catalog)
        }
        return settings
    }

    /// The judge's endpoint, paced at the job's limits; nil when it is the teacher's own (same provider, model and
    /// base URL, no key of its own), so both share one pacer and one key.
    static func judgeSettings(_ judge: JudgeRequest, teacher: SynthesisSettings, catalog: ProviderCatalog) throws -> JudgeEndpointSettings? {
        let resolved = try resolve(
            provider: judge.provider, model: judge.model, customModel: judge.customModel, customBaseURL: judge.customBaseURL, catalog: catalog,
            fieldPrefix: "judge_")
        let ownKey = judge.pastedKey != nil || judge.savedKeyID != nil
        if resolved.provider.id == teacher.provider && resolved.modelName == teacher.model && resolved.baseURL == teacher.baseURL && !ownKey {
            return nil
        }
        var settings = JudgeEndpointSettings(
            provider: resolved.provider.id, model: resolved.modelName, baseURL: resolved.baseURL,
            maxInFlight: judge.maxInFlight ?? teacher.maxInFlight, requestTimeoutSeconds: teacher.requestTimeoutSeconds)
        settings.chatCompletionsPath = resolved.provider.chatCompletionsPath
        settings.modelsPath = resolved.provider.modelsPath
        // Its own limits where given: a judge on another account (or server) has other limits than the teacher.
        settings.requestsPerMinute = judge.requestsPerMinute ?? teacher.requestsPerMinute
        settings.tokensPerMinute = judge.tokensPerMinute ?? teacher.tokensPerMinute
        let capabilities = resolved.model.capabilities
        settings.supportsSeed = capabilities.supportsSeed
        settings.returnsReasoning = capabilities.returnsReasoning
        settings.supportsJSONObject = capabilities.supportsJSONObject
        settings.supportsJSONSchema = capabilities.supportsJSONSchema
        settings.inputPricePerMillionUSD = resolved.model.inputPricePerMillionUSD
        settings.outputPricePerMillionUSD = resolved.model.outputPricePerMillionUSD
        settings.contextWindow = resolved.model.contextWindow
        settings.displayName = resolved.provider.displayName
        settings.selfHosted = resolved.provider.baseURL == nil
        return settings
    }

    /// The answer length the estimate assumes: what the user expects, never more than the limit.
    static func expectedCompletionTokens(request: SynthesisRequest, settings: SynthesisSettings) -> Int {
        min(request.expectedCompletionTokens ?? 500, settings.maxNewTokens)
    }

    /// The teacher's speed for the estimate: a pre-flight measurement, else the catalog's typical figures, else a
    /// stated assumption.
    static func speed(model: TeacherModel, measuredFirstTokenMs: Int64?) -> TeacherSpeed {
        let generation = model.typicalSpeed ?? .assumed
        return measuredFirstTokenMs.map { TeacherSpeed.measured(firstTokenMs: $0, generation: generation) } ?? generation
    }

    static func estimate(
        seeds: [String], skillPrompt: String, settings: SynthesisSettings, request: SynthesisRequest, model: TeacherModel,
        measuredFirstTokenMs: Int64? = nil
    ) -> EstimateView {
        let completion = expectedCompletionTokens(request: request, settings: settings)
        let speed = speed(model: model, measuredFirstTokenMs: measuredFirstTokenMs)
        var priced = model
        priced.inputPricePerMillionUSD = settings.inputPricePerMillionUSD
        priced.outputPricePerMillionUSD = settings.outputPricePerMillionUSD
        priced.capabilities.supportsN = settings.supportsN
        var input = SynthesisEstimate.Input(
            seeds: seeds, skillPrompt: skillPrompt, expectedCompletionTokens: completion,
            rejectionSampling: settings.rejectionSampling, candidatesPerSeed: settings.candidateCount,
            requestsPerMinute: settings.requestsPerMinute, tokensPerMinute: settings.tokensPerMinute, maxInFlight: settings.maxInFlight,
            typicalLatencyMs: speed.latencyMs(completionTokens: completion))
        input.swapCheckFraction = settings.swapCheckFraction ?? 0
        let estimate = SynthesisEstimate(
            input,
            model: priced, judge: settings.judge.map { judge in
                var priced = model
                priced.inputPricePerMillionUSD = judge.inputPricePerMillionUSD
                priced.outputPricePerMillionUSD = judge.outputPricePerMillionUSD
                return priced
            })
        return EstimateView(
            estimate, costKnown: settings.costKnown, assumption: speed.assumptionText(completionTokens: completion, maxInFlight: settings.maxInFlight),
            seedCount: seeds.count, distribution: settings.distribution)
    }

    /// The free pre-flight: `GET {base}/models` with the key. A bad key, an unreachable URL or an
    /// unknown model fails here, before any job exists or any seed is sent. A self-hosted server then
    /// gets one timed answer of a single token, whose time (ms) the estimate uses. It waits on the
    /// network (up to 60 s for a local server), so it does not block its caller: `completion` runs on
    /// the transport's thread with the measured time (nil when not measured) or the error to show.
    /// `key` must stay allocated until then.
    /// `timeSelfHosted`: false skips the timed request (the command line shows no estimate before it starts).
    static func preflight(
        settings: SynthesisSettings, key: SecureBytes?, transport: TeacherTransport, requireModelListed: Bool,
        timeSelfHosted: Bool = true, completion: @escaping @Sendable (Result<Int64?, AppError>) -> Void
    ) {
        // Local servers answer /models only between generations (llama.cpp queues it behind them): allow time.
        var request = TeacherHTTPRequest(
            url: settings.modelsURL, method: "GET", timeoutSeconds: requireModelListed ? 15 : 60, connectTimeoutSeconds: 5)
        if let key { request.secretHeaders = [TeacherSecretHeader(secret: key)] }
        // Never cancelled (its own timeout bounds it), so its transfer id is not kept.
        _ = transport.submit(request) { result in
            if let error = preflightError(result, settings: settings, requireModelListed: requireModelListed) {
                completion(.failure(error))
            } else if settings.selfHosted == true && timeSelfHosted {
                timeOneToken(settings: settings, key: key, transport: transport) { completion(.success($0)) }
            } else {
                completion(.success(nil))
            }
        }
    }

    /// A self-hosted server has no typical figures: time one answer of a single token (free on it). Only the
    /// estimate depends on it, so a failed timing leaves the stated assumption in place and blocks nothing.
    private static func timeOneToken(
        settings: SynthesisSettings, key: SecureBytes?, transport: TeacherTransport, completion: @escaping @Sendable (Int64?) -> Void
    ) {
        var timing = TeacherHTTPRequest(
            url: settings.chatCompletionsURL, method: "POST", headers: [("Content-Type", "application/json")],
            body: Array(PreflightCheck.timingRequest(model: settings.model).jsonBody(capabilities: settings.capabilities).utf8),
            timeoutSeconds: 60, connectTimeoutSeconds: 5)
        if let key { timing.secretHeaders = [TeacherSecretHeader(secret: key)] }
        let started = SynthesisEngine.nowMs()
        _ = transport.submit(timing) { result in
            guard case .success(let response) = result,
                PreflightCheck.evaluateTiming(status: response.status, body: response.body) == nil
            else { return completion(nil) }
            completion(SynthesisEngine.nowMs() - started)
        }
    }

    /// A pre-flight under way, for the command line (which validates the seeds meanwhile).
    final class PendingPreflight: Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let outcome = Mutex<Result<Int64?, AppError>?>(nil)

        fileprivate func finish(_ result: Result<Int64?, AppError>) {
            outcome.withLock { $0 = result }
            done.signal()
        }

        /// Waits for the teacher's answer: the measured time to a first token (self-hosted), or the error.
        func wait() throws -> Int64? {
            done.wait()
            done.signal()  // a second wait returns at once
            return try outcome.withLock { $0 ?? .success(nil) }.get()
        }
    }

    /// Starts the pre-flight without waiting; `key` must stay allocated until `wait()` returns.
    static func startPreflight(
        settings: SynthesisSettings, key: SecureBytes?, transport: TeacherTransport, requireModelListed: Bool, timeSelfHosted: Bool
    ) -> PendingPreflight {
        let pending = PendingPreflight()
        preflight(
            settings: settings, key: key, transport: transport, requireModelListed: requireModelListed, timeSelfHosted: timeSelfHosted
        ) { pending.finish($0) }
        return pending
    }

    /// What the teacher's answer to the pre-flight means: nil when it passed, else the error naming
    /// the field to fix.
    private static func preflightError(
        _ result: Result<TeacherHTTPResponse, TeacherTransportError>, settings: SynthesisSettings, requireModelListed: Bool
    ) -> AppError? {
        let failure: TeacherFailure?
        switch result {
        case .success(let response):
            failure = PreflightCheck.evaluate(
                status: response.status, body: response.body, model: settings.model, requireModelListed: requireModelListed)
                ?? unlistedCustomModel(settings.model, body: response.body)
        case .failure(let error):
            failure = TeacherFailure.transport(SynthesisEngine.transportFailure(error))
        }
        guard let failure else { return nil }
        let field = PreflightCheck.field(for: failure, selfHosted: settings.selfHosted == true)
        // The reason goes next to the field it concerns, once; the form-level message only points there.
        return AppError.invalid("The pre-flight check failed; see the field marked.", fields: [field: failure.message])
    }

    /// Custom servers may answer any model name (llama.cpp does, with its one model), so a typo would
    /// go unnoticed: when the server lists its models, the name must be one of them (Ollama's
    /// `name:latest` counts for `name`).
    static func unlistedCustomModel(_ model: String, body: [UInt8]) -> TeacherFailure? {
        guard let ids = PreflightCheck.modelIDs(body), !ids.isEmpty, !ids.contains(model), !ids.contains(model + ":latest") else {
            return nil
        }
        return TeacherFailure(
            .unknownModel, detail: "The server does not list the model \"\(model)\"; it lists: \(ids.prefix(12).joined(separator: ", ")).")
    }

    /// Checks the choices and opens a saved key here, pre-flights the key without blocking this
    /// (HTTP) thread, then, once the teacher has answered, seals a pasted key, estimates and queues
    /// the job on a background queue. `answer` turns the job id, or the error that stopped it, into
    /// the response: on that queue, or at once when a check fails before the pre-flight.
    static func start(
        datasetID: Int64, request: SynthesisRequest, context: RequestContext,
        answer: @escaping @Sendable (Result<Int64, any Error>) throws -> HTTPResponse
    ) throws -> HTTPResponse {
        let prepared: PreparedStart
        do {
            prepared = try prepare(datasetID: datasetID, request: request, context: context)
        } catch {
            request.pastedKey?.free()
            request.judge?.pastedKey?.free()
            return try answer(.failure(error))
        }
        return .later(
            waitingFor: { preflightDone in
                let transport = context.services.transport
                preflight(
                    settings: prepared.settings, key: prepared.key, transport: transport,
                    requireModelListed: prepared.provider.baseURL != nil
                ) { teacher in
                    // The judge's own endpoint is checked the same way, after the teacher's (its errors name judge fields).
                    guard case .success = teacher, let judge = prepared.settings.judge else { return preflightDone(teacher) }
                    preflight(
                        settings: judge.preflightSettings, key: prepared.judgeKey, transport: transport, requireModelListed: !judge.selfHosted
                    ) { verdict in
                        switch verdict {
                        case .success: preflightDone(teacher)
                        case .failure(let error): preflightDone(.failure(judgeFields(error)))
                        }
                    }
                }
            },
            then: { preflight in
                defer { prepared.freeKeys() }
                return try answer(Result { try queueJob(prepared, measuredFirstTokenMs: try preflight.get(), context: context) })
            })
    }

    /// A judge pre-flight's error, with its fields renamed to the dialog's judge fields.
    static func judgeFields(_ error: AppError) -> AppError {
        guard case .invalid(let message, let fields) = error else { return error }
        return .invalid(message, fields: Dictionary(uniqueKeysWithValues: fields.map { ("judge_" + $0.key, $0.value) }))
    }

    /// What `start` checked before the pre-flight, carried through it to `queueJob`.
    private struct PreparedStart: Sendable {
        let dataset: DatasetRecord
        let user: User
        let request: SynthesisRequest
        let settings: SynthesisSettings
        let provider: TeacherProvider
        let savedKey: SecureBytes?
        let judgeSavedKey: SecureBytes?

        var key: SecureBytes? { request.pastedKey ?? savedKey }
        /// The judge's own key, else the teacher's when the judge is on the teacher's provider.
        var judgeKey: SecureBytes? {
            request.judge?.pastedKey ?? judgeSavedKey ?? (settings.judge?.provider == settings.provider ? key : nil)
        }

        func freeKeys() {
            request.pastedKey?.free()
            request.judge?.pastedKey?.free()
            freeSavedKeys()
        }

        func freeSavedKeys() {
            savedKey?.free()
            judgeSavedKey?.free()
        }
    }

    private static func prepare(datasetID: Int64, request: SynthesisRequest, context: RequestContext) throws -> PreparedStart {
        let user = try context.requireUser()
        let services = context.services
        let dataset = try services.datasets.requireDataset(id: datasetID)
        guard dataset.mode == .seeds, dataset.status == .validSeeds || dataset.status == .synthesizing else {
            throw AppError.conflict("Only a seeds dataset that passed validation (ready to synthesize) can be synthesized; this one is \(dataset.status.label.lowercased()).")
        }
        var settings = try settings(for: request, catalog: services.catalog)
        guard let provider = services.catalog.provider(id: settings.provider) else { throw AppError.badRequest("Unknown teacher.") }

        let savedKeys = try TeacherKeyStore(database: services.database).list(userID: user.id)
        func openSaved(_ id: Int64?, field: String) throws -> SecureBytes? {
            try openSavedKey(id, field: field, savedKeys: savedKeys, user: user, context: context)
        }
        func describe(pasted: Bool, savedID: Int64?) -> String {
            describeKey(pasted: pasted, savedID: savedID, savedKeys: savedKeys)
        }
        let savedKey = try openSaved(request.savedKeyID, field: "saved_key_id")
        let judgeSavedKey: SecureBytes?
        do {
            judgeSavedKey = try openSaved(request.judge?.savedKeyID, field: "judge_saved_key_id")
        } catch {
            savedKey?.free()
            throw error
        }
        settings.keyDescription = describe(pasted: request.pastedKey != nil, savedID: request.savedKeyID)
        settings.judge?.keyDescription = request.judge?.pastedKey != nil || request.judge?.savedKeyID != nil
            ? describe(pasted: request.judge?.pastedKey != nil, savedID: request.judge?.savedKeyID) : "the teacher's"
        settings.judge?.keyID = request.judge?.savedKeyID
        let prepared = PreparedStart(
            dataset: dataset, user: user, request: request, settings: settings, provider: provider, savedKey: savedKey,
            judgeSavedKey: judgeSavedKey)
        if provider.keyRequired && prepared.key == nil {
            prepared.freeSavedKeys()
            throw AppError.invalid("An API key is needed.", fields: ["api_key": "Paste the \(provider.displayName) API key, or pick a saved one."])
        }
        if let judge = settings.judge, services.catalog.provider(id: judge.provider)?.keyRequired == true, prepared.judgeKey == nil {
            prepared.freeSavedKeys()
            throw AppError.invalid(
                "An API key is needed for the judge.",
                fields: ["judge_api_key": "Paste the \(judge.displayName ?? judge.provider) API key for the judge, or pick a saved one."])
        }
        return prepared
    }

    /// One of the user's saved keys, opened for a pre-flight; another id is refused naming `field`.
    static func openSavedKey(
        _ id: Int64?, field: String, savedKeys: [TeacherKeyInfo], user: User, context: RequestContext
    ) throws -> SecureBytes? {
        guard let id else { return nil }
        guard let info = savedKeys.first(where: { $0.id == id }) else {
            throw AppError.invalid("Unknown saved key.", fields: [field: "Choose one of your saved keys."])
        }
        let services = context.services
        return try services.vault.open(id: info.id, actor: user, purpose: "pre-flight", remoteAddress: context.remoteAddress, now: services.now())
    }

    /// Which key a job uses, as its page names it: "pasted for this job", "team key (…7f3a)" or "none".
    static func describeKey(pasted: Bool, savedID: Int64?, savedKeys: [TeacherKeyInfo]) -> String {
        pasted ? "pasted for this job" : savedID.flatMap { id in savedKeys.first { $0.id == id }.map { "\($0.label) (…\($0.lastFour))" } } ?? "none"
    }

    /// After a passed pre-flight: seals a pasted key for the job, estimates and queues it. Returns the job id.
    private static func queueJob(_ prepared: PreparedStart, measuredFirstTokenMs: Int64?, context: RequestContext) throws -> Int64 {
        let services = context.services
        let (request, provider, dataset) = (prepared.request, prepared.provider, prepared.dataset)
        var settings = prepared.settings
        var keyID = request.savedKeyID
        if let pasted = request.pastedKey {
            keyID = try services.vault.save(
                key: pasted, provider: provider.id, label: "pasted for a synthesis job", userID: nil, actor: prepared.user,
                remoteAddress: context.remoteAddress, now: services.now())
        }
        var judgeKeyID: Int64?
        do {
            if let pasted = request.judge?.pastedKey, let judge = settings.judge {
                judgeKeyID = try services.vault.save(
                    key: pasted, provider: judge.provider, label: "pasted for a synthesis job's judge", userID: nil, actor: prepared.user,
                    remoteAddress: context.remoteAddress, now: services.now())
                settings.judge?.keyID = judgeKeyID
            }
            let seeds = try seedInputs(datasetID: dataset.id, services: services)
            let estimate = Self.estimate(
                seeds: seeds, skillPrompt: dataset.skillPrompt ?? "", settings: settings, request: request,
                model: provider.model(named: settings.model) ?? provider.models[0], measuredFirstTokenMs: measuredFirstTokenMs)
            let jobID = try services.synthesis.create(
                SynthesisStore.NewJob(
                    parentDatasetID: dataset.id, createdBy: prepared.user.id, provider: provider.id, model: settings.model,
                    settingsJSON: settings.json, keyID: keyID, estimateJSON: estimate.json, recipeID: request.recipeID),
                now: services.now())
            if let judgeKeyID { try services.synthesis.attachKey(jobID: jobID, keyID: judgeKeyID) }
            services.wakeWorkers()
            return jobID
        } catch {
            // A key sealed for a job that could not be created must not linger.
            if request.pastedKey != nil, let keyID { _ = try? TeacherKeyStore(database: services.database).delete(id: keyID, userID: nil) }
            if let judgeKeyID { _ = try? TeacherKeyStore(database: services.database).delete(id: judgeKeyID, userID: nil) }
            throw error
        }
    }

    static func seedInputs(datasetID: Int64, services: Services) throws -> [String] {
        try services.database.read { connection in
            try connection.query(
                "SELECT json_extract(body, '$.input') AS input FROM dataset_rows WHERE dataset_id = ? ORDER BY idx", .integer(datasetID)
            ).map { $0.string("input") ?? "" }
        }
    }
}

/// The estimate as shown before starting (and stored with the job).
struct EstimateView: Codable, Sendable {
    let requests: Int
    let promptTokens: Int
    let completionTokens: Int
    let costUSD: Double
    /// False for a self-hosted teacher without a price: `costText` then says so instead of "$0.00".
    let costKnown: Bool?
    let durationSeconds: Double
    let costText: String
    let durationText: String
    /// What the duration assumes: latency per answer, tokens per second, where the figures come from.
    let assumption: String?
    /// Set when the seeds cannot make a trainable child (fewer than 100 rows, in the train split when it is split).
    let warning: String?

    init(_ estimate: SynthesisEstimate, costKnown: Bool, assumption: String, seedCount: Int, distribution: RecipeDistribution? = nil) {
        requests = estimate.requests
        promptTokens = estimate.promptTokens
        completionTokens = estimate.completionTokens
        costUSD = estimate.costUSD
        self.costKnown = costKnown
        durationSeconds = Double(estimate.durationMs) / 1000
        costText = costKnown ? Formatting.usd(estimate.costUSD) : SelfHostedCost.unknownText
        durationText = Formatting.duration(seconds: Double(estimate.durationMs) / 1000)
        self.assumption = assumption
        warning = SynthesisSizeCheck.warning(seedCount: seedCount, distribution: distribution)
    }

    var json: String {
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
