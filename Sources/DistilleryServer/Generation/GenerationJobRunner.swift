import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Runs a generation task on a worker thread: opens its key for the run, drives the engine until every stratum
/// has its quota or its attempt cap, writes the output dataset from the accepted items, and records how the task
/// ended. A task interrupted by shutdown (or killed) resumes at the next start from what was committed.
struct GenerationJobRunner: JobRunner {
    let kind = GenerationStore.jobKind
    let services: Services

    func run(_ job: Job, context: JobContext) throws {
        let store = services.generations
        guard let record = try store.job(id: job.id), record.status.isActive else { return }
        if record.cancelRequested && record.status == .queued {
            try store.finish(jobID: job.id, status: .cancelled, failure: nil, now: services.now())
            return
        }
        let settings = try GenerationSettings.decode(record.settingsJSON)
        let creator = try record.createdBy.flatMap { try services.users.user(id: $0) }
        var key: SecureBytes?
        // The plaintext key lives in sodium memory for this run only, whatever happens.
        defer { key?.free() }
        if let keyID = record.keyID {
            do {
                key = try services.vault.open(id: keyID, actor: creator, purpose: "generation task #\(job.id)", now: services.now())
            } catch {
                try store.finish(
                    jobID: job.id, status: .failed,
                    failure: "The teacher API key for this task could not be opened (deleted, or sealed under another master key).",
                    now: services.now())
                return
            }
        }
        let strata = try store.strata(jobID: job.id)
        var inputs: [[TransformInput]] = []
        if record.templateType.needsInputDataset {
            guard let source = record.sourceDatasetID else {
                try store.finish(jobID: job.id, status: .failed, failure: "The input dataset is gone.", now: services.now())
                return
            }
            inputs = GenerationService.assign(try store.transformInputs(datasetID: source), to: strata.map(\.stratum))
        }
        try store.markRunning(jobID: job.id, now: services.now())
        let live = services.synthesisRegistry.register(job.id)
        defer { services.synthesisRegistry.unregister(job.id) }
        // Seed expansion: every variation is also compared with the seeds, and filtered against its own seed (a
        // failure-mode dataset's against every prompt of the evaluated split).
        var expansion: (seeds: [String], filter: GenerationLedger.ItemFilter)?
        if let expansionSettings = settings.expansion {
            var filter = SeedExpansion.itemFilter(nearDuplicateThreshold: settings.duplicateThreshold)
            if let failures = expansionSettings.failures {
                let heldOut = try FailureModeStore(database: services.database).evaluatedPrompts(jobID: failures.evaluationJobID)
                guard !heldOut.isEmpty else {
                    try store.finish(
                        jobID: job.id, status: .failed,
                        failure: "Evaluation run #\(failures.evaluationJobID) is gone: its held-out prompts, which every variation is "
                            + "checked against, cannot be read.",
                        now: services.now())
                    return
                }
                filter = FailureModeExpansion.itemFilter(heldOutPrompts: heldOut, nearDuplicateThreshold: settings.duplicateThreshold)
            }
            expansion = (SeedExpansion.seeds(of: strata.map(\.stratum)), filter)
        }
        let engine = GenerationEngine(
            record: record, settings: settings, strata: strata, key: key, transport: services.transport, store: store,
            hooks: .init(isCancelRequested: { (try? store.cancelRequested(jobID: job.id)) ?? false }, heartbeat: { try context.heartbeat() }),
            live: live, referenceTexts: expansion?.seeds ?? [], filter: expansion?.filter, inputs: inputs)
        let outcome = try engine.run()
        if outcome == .interrupted { throw JobInterrupted() }

        guard let finished = try store.job(id: job.id) else { return }
        var outputID: Int64?
        let copiesFailingPrompts = settings.expansion?.failures?.includeFailingPrompts == true
        if finished.accepted > 0 || copiesFailingPrompts {
            outputID = try GenerationOutputBuilder.build(job: finished, settings: settings, services: services, context: context)
        }
        var accepted = finished.accepted
        if settings.expansion?.copiesFailingPromptsAlone == true && outcome == .finished {
            // Asked for the failing prompts alone: they are the task's whole output, and its target.
            accepted = finished.target
            try store.recordCopiedPrompts(jobID: job.id, count: accepted)
        }
        let (status, failure) = Self.ending(outcome, accepted: accepted, isComplete: engine.isComplete)
        // The output's data checks run after the task has ended, on a validation worker.
        let checks = outputID.map { AutomaticDataChecks(datasetID: $0, trigger: .generation) }
        try store.finish(jobID: job.id, status: status, failure: failure, now: services.now(), checks: checks)
        if checks != nil { services.wakeWorkers() }
        services.logger.info(
            "generation finished", metadata: ["job": "\(job.id)", "status": "\(status.rawValue)", "accepted": "\(finished.accepted)"])
    }

    /// How a task ends: complete when every stratum has its quota; short when the engine finished (or stopped on a
    /// failure) with some accepted; failed with nothing accepted. The report's sentences say where it fell short.
    static func ending(_ outcome: GenerationEngine.Outcome, accepted: Int, isComplete: Bool) -> (GenerationStatus, String?) {
        switch outcome {
        case .cancelled:
            return (.cancelled, nil)
        case .aborted(let failure):
            return (accepted > 0 ? .completedWithShortfall : .failed, failure.message)
        case .stoppedEarly(let reason):
            return (accepted > 0 ? .completedWithShortfall : .failed, reason)
        case .finished, .interrupted:
            if isComplete { return (.completed, nil) }
            return accepted > 0 ? (.completedWithShortfall, nil) : (.failed, "No item was accepted; see each stratum's shortfall.")
        }
    }
}

/// Writes a generation task's accepted items as its output dataset: a seeds dataset (`valid_seeds`, ready to
/// synthesize) for prompts, chat rows validated like an upload otherwise. Every row's metadata names its stratum's
/// variable values, the template, the teacher and the task.
enum GenerationOutputBuilder {
    static func build(job: GenerationJobRecord, settings: GenerationSettings, services: Services, context: JobContext) throws -> Int64 {
        let store = services.generations
        let strata = try store.strata(jobID: job.jobID).map(\.stratum)
        let seeds = job.templateType.producesSeeds
        let spec = DerivedDataset.Spec(
            existingID: job.outputDatasetID,
            new: NewDataset(
                name: job.outputName, mode: seeds ? .seeds : .chat, baseModel: BaseModelCatalog.defaultModel.id,
                skillPrompt: seeds ? (settings.skillPrompt ?? job.systemPrompt) : nil, byteSize: 0, parentID: job.sourceDatasetID,
                createdBy: job.createdBy),
            statusForValid: seeds ? .validSeeds : .readyForTraining,
            link: { connection, id in try GenerationStore.linkOutput(connection, jobID: job.jobID, datasetID: id) })
        // A failure-mode dataset that includes its failing prompts (held-out rows, on the user's request) starts with them.
        let failingPrompts = settings.expansion?.failures.map { $0.includeFailingPrompts ? SeedExpansion.seeds(of: strata) : [] } ?? []
        return try DerivedDataset.build(spec, jobID: job.jobID, services: services, context: context) { after in
            if after < 0 && !failingPrompts.isEmpty {
                let source = failingPromptMetadata(job: job, evaluationJobID: settings.expansion?.failures?.evaluationJobID ?? 0)
                return failingPrompts.map { (0, GeneratedItem.prompt($0).datasetLine(system: nil, input: nil), source) }
            }
            return try store.acceptedItems(jobID: job.jobID, afterSeq: Int(max(0, after)), limit: 1000).map { item in
                (Int64(item.seq), item.line, metadata(job: job, settings: settings, stratum: strata.indices.contains(item.stratum) ? strata[item.stratum] : nil))
            }
        }
    }

    /// `{"failing_prompt": {"evaluation", "job"}}`: a held-out prompt copied from the evaluation run, not generated.
    static func failingPromptMetadata(job: GenerationJobRecord, evaluationJobID: Int64) -> String {
        let source: [(key: String, value: SynthesisJSON)] = [("evaluation", .number(Double(evaluationJobID))), ("job", .number(Double(job.jobID)))]
        return SynthesisJSON.object([("failing_prompt", .object(source))]).serialized
    }

    /// `{"generation": {"job", "template_id", "template", "stratum", "values", "provider", "model"}}`.
    static func metadata(job: GenerationJobRecord, settings: GenerationSettings, stratum: Stratum?) -> String {
        let values = (stratum?.values ?? [:]).sorted { $0.key < $1.key }.map { (key: $0.key, value: SynthesisJSON.string($0.value)) }
        let generation: [(key: String, value: SynthesisJSON)] = [
            ("job", .number(Double(job.jobID))), ("template_id", job.templateID.map { .number(Double($0)) } ?? .null),
            ("template", .string(job.templateName)), ("stratum", .string(stratum?.label ?? "")), ("values", .object(values)),
            ("provider", .string(settings.teacher.provider)), ("model", .string(settings.teacher.model)),
        ]
        return SynthesisJSON.object([("generation", .object(generation))]).serialized
    }
}
