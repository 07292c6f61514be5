import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// "Retry skipped seeds": a finished job's skipped seeds are sent again with changed settings (a higher
/// token cap, another temperature, …); their rows join the job's child dataset, which is validated again.
enum SkippedSeedRetry {
    /// The settings a retry may change; everything else (teacher, model, base URL) stays the job's.
    static let changeableFields = [
        "temperature", "max_new_tokens", "max_tokens_cap", "judge_max_tokens", "seed", "requests_per_minute", "tokens_per_minute",
        "max_in_flight", "request_timeout_seconds",
    ]

    /// Checks and opens the key here, pre-flights without blocking this (HTTP) thread, then re-queues
    /// on a background queue. `answer` turns how many seeds go again, or the error that stopped it,
    /// into the response (at once when a check fails before the pre-flight).
    static func retry(
        jobID: Int64, fields: [String: String], context: RequestContext,
        answer: @escaping @Sendable (Result<Int, any Error>) throws -> HTTPResponse
    ) throws -> HTTPResponse {
        let prepared: PreparedRetry
        do {
            prepared = try prepare(jobID: jobID, fields: fields, context: context)
        } catch {
            return try answer(.failure(error))
        }
        return .later(
            waitingFor: { preflightDone in
                SynthesisService.preflight(
                    settings: prepared.settings, key: prepared.key, transport: context.services.transport,
                    requireModelListed: prepared.provider.baseURL != nil, completion: preflightDone)
            },
            then: { preflight in
                defer { prepared.freeKeys() }
                return try answer(Result {
                    _ = try preflight.get()
                    return try requeue(prepared, context: context)
                })
            })
    }

    /// What `retry` checked before the pre-flight, carried through it to `requeue`.
    private struct PreparedRetry: Sendable {
        let jobID: Int64
        let user: User
        let request: SynthesisRequest
        let settings: SynthesisSettings
        let provider: TeacherProvider
        let savedKey: SecureBytes?
        let savedKeyID: Int64?

        var key: SecureBytes? { request.pastedKey ?? savedKey }

        func freeKeys() {
            request.pastedKey?.free()
            savedKey?.free()
        }
    }

    private static func prepare(jobID: Int64, fields: [String: String], context: RequestContext) throws -> PreparedRetry {
        let user = try context.requireUser()
        let services = context.services
        guard let job = try services.synthesis.job(id: jobID) else { throw AppError.notFound("No synthesis job \(jobID).") }
        guard user.isAdmin || job.createdBy == user.id else {
            throw AppError.forbidden("Only the job's starter or an admin can retry its skipped seeds.")
        }
        guard !job.status.isActive else { throw AppError.conflict("The job is still running; retry its skipped seeds once it has ended.") }
        guard job.skipped > 0 else { throw AppError.conflict("The job has no skipped seeds to retry.") }
        guard let parentID = job.parentDatasetID, try services.datasets.dataset(id: parentID)?.skillPrompt != nil else {
            throw AppError.conflict("The seeds dataset of this job is gone; its skipped seeds cannot be sent again.")
        }
        let previous = try SynthesisSettings.decode(job.settingsJSON)
        let request = try SynthesisService.request(from: merged(previous, with: fields))
        do {
            var settings = try SynthesisService.settings(for: request, catalog: services.catalog)
            // The judge keeps its saved key; one pasted for the job went with it (the teacher's key is used on its provider).
            if let judgeKeyID = request.judge?.savedKeyID {
                let saved = try TeacherKeyStore(database: services.database).list(userID: user.id).contains { $0.id == judgeKeyID }
                settings.judge?.keyID = saved ? judgeKeyID : nil
            }
            guard let provider = services.catalog.provider(id: settings.provider) else { throw AppError.badRequest("Unknown teacher.") }

            // The job's own pasted key was deleted when it ended: a saved key still works, else a key is asked again.
            var savedKey: SecureBytes?
            var savedKeyID: Int64?
            if request.pastedKey == nil, let candidate = request.savedKeyID ?? job.keyID,
                let info = try TeacherKeyStore(database: services.database).list(userID: user.id).first(where: { $0.id == candidate })
            {
                savedKey = try services.vault.open(
                    id: info.id, actor: user, purpose: "retry of synthesis job #\(jobID)", remoteAddress: context.remoteAddress,
                    now: services.now())
                savedKeyID = info.id
            } else if request.savedKeyID != nil && request.pastedKey == nil {
                throw AppError.invalid("Unknown saved key.", fields: ["saved_key_id": "Choose one of your saved keys."])
            }
            if provider.keyRequired && (request.pastedKey ?? savedKey) == nil {
                savedKey?.free()
                throw AppError.invalid(
                    "An API key is needed.",
                    fields: ["api_key": "A key pasted for the job was deleted when it ended: paste it again, or pick a saved one."])
            }
            return PreparedRetry(
                jobID: jobID, user: user, request: request, settings: settings, provider: provider, savedKey: savedKey,
                savedKeyID: savedKeyID)
        } catch {
            request.pastedKey?.free()
            throw error
        }
    }

    /// After a passed pre-flight: seals a pasted key for the retry and puts the skipped seeds back. Returns how many.
    private static func requeue(_ prepared: PreparedRetry, context: RequestContext) throws -> Int {
        let services = context.services
        var keyID = prepared.savedKeyID
        if let pasted = prepared.request.pastedKey {
            keyID = try services.vault.save(
                key: pasted, provider: prepared.provider.id, label: "pasted for a synthesis retry", userID: nil, actor: prepared.user,
                remoteAddress: context.remoteAddress, now: services.now())
        }
        let count = try services.synthesis.requeueSkipped(
            jobID: prepared.jobID, settingsJSON: prepared.settings.json, keyID: keyID, now: services.now())
        guard count > 0 else {
            if prepared.request.pastedKey != nil, let keyID { _ = try? TeacherKeyStore(database: services.database).delete(id: keyID, userID: nil) }
            throw AppError.conflict("The job has no skipped seeds to retry (or it is running again).")
        }
        services.wakeWorkers()
        return count
    }

    /// The job's settings as dialog fields, with the changeable ones the user gave (and the key fields) on top.
    static func merged(_ settings: SynthesisSettings, with fields: [String: String]) -> [String: String] {
        var merged: [String: String] = [
            "provider": settings.provider, "model": settings.model, "custom_model": settings.model, "base_url": settings.baseURL,
            "supports_n": settings.supportsN ? "true" : "false", "rejection_sampling": settings.rejectionSampling ? "true" : "false",
            "keep_reasoning": settings.keepReasoning ? "true" : "false", "max_new_tokens": String(settings.maxNewTokens),
            "max_in_flight": String(settings.maxInFlight), "request_timeout_seconds": String(settings.requestTimeoutSeconds),
        ]
        merged["supports_structured_output"] = settings.capabilities.structuredOutput.rawValue
        merged["temperature"] = settings.temperature.map { String($0) }
        merged["seed"] = settings.seed.map(String.init)
        merged["requests_per_minute"] = settings.requestsPerMinute.map(String.init)
        merged["tokens_per_minute"] = settings.tokensPerMinute.map(String.init)
        merged["max_tokens_cap"] = settings.maxTokensCap.map(String.init)
        merged["judge_max_tokens"] = settings.judgeMaxTokens.map(String.init)
        merged["candidates"] = settings.candidates.map(String.init)
        merged["swap_check_fraction"] = settings.swapCheckFraction.map { String($0) }
        merged["top_p"] = settings.topP.map { String($0) }
        if let distribution = settings.distribution { merged.merge(RecipeRunFields.fields(of: distribution)) { _, split in split } }
        if let judge = settings.judge {
            merged["judge_provider"] = judge.provider
            merged["judge_model"] = judge.model
            merged["judge_custom_model"] = judge.model
            merged["judge_base_url"] = judge.baseURL
            merged["judge_saved_key_id"] = judge.keyID.map(String.init)
            merged["judge_requests_per_minute"] = judge.requestsPerMinute.map(String.init)
            merged["judge_tokens_per_minute"] = judge.tokensPerMinute.map(String.init)
            merged["judge_max_in_flight"] = String(judge.maxInFlight)
        }
        for name in changeableFields {
            if let value = fields[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { merged[name] = value }
        }
        // A raised max new tokens without a cap of its own gets the default cap above it.
        if fields["max_tokens_cap"]?.trimmingCharacters(in: .whitespaces).isEmpty ?? true, let raised = fields["max_new_tokens"].flatMap({ Int($0) }),
            let cap = merged["max_tokens_cap"].flatMap({ Int($0) }), cap < raised
        {
            merged["max_tokens_cap"] = nil
        }
        merged["api_key"] = fields["api_key"]
        merged["saved_key_id"] = fields["saved_key_id"]
        return merged
    }
}
