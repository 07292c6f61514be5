import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Runs a scoring job on a worker thread: opens its key for the run, drives the engine, and records how the job
/// ended. A job interrupted by shutdown (or killed) resumes at the next start, sending only rows with no committed
/// verdict; a cancelled one keeps every score committed before.
struct ScoringJobRunner: JobRunner {
    let kind = ScoringStore.jobKind
    let services: Services

    func run(_ job: Job, context: JobContext) throws {
        let store = services.scoring
        guard let record = try store.job(id: job.id), record.status.isActive else { return }
        if record.cancelRequested && record.status == .queued {
            try store.finish(jobID: job.id, status: .cancelled, failure: nil, now: services.now())
            return
        }
        guard record.datasetID != nil else {
            try store.finish(jobID: job.id, status: .failed, failure: "The dataset is gone.", now: services.now())
            return
        }
        let settings = try ScoringSettings.decode(record.settingsJSON)
        let creator = try record.createdBy.flatMap { try services.users.user(id: $0) }
        var key: SecureBytes?
        // The plaintext key lives in sodium memory for this run only, whatever happens.
        defer { key?.free() }
        if let keyID = record.keyID {
            do {
                key = try services.vault.open(id: keyID, actor: creator, purpose: "scoring job #\(job.id)", now: services.now())
            } catch {
                try store.finish(
                    jobID: job.id, status: .failed,
                    failure: "The judge's API key for this job could not be opened (deleted, or sealed under another master key).", now: services.now())
                return
            }
        }
        try store.markRunning(jobID: job.id, now: services.now())
        let live = services.synthesisRegistry.register(job.id)
        defer { services.synthesisRegistry.unregister(job.id) }
        let engine = ScoringEngine(
            record: record, settings: settings, key: key, transport: services.transport, store: store,
            hooks: .init(isCancelRequested: { (try? store.cancelRequested(jobID: job.id)) ?? false }, heartbeat: { try context.heartbeat() }),
            live: live, now: { [services] in services.now() })
        let outcome = try engine.run()
        if outcome == .interrupted { throw JobInterrupted() }

        guard let finished = try store.job(id: job.id) else { return }
        let (status, failure) = try Self.ending(outcome, job: finished, store: store)
        try store.finish(jobID: job.id, status: status, failure: failure, now: services.now())
        services.logger.info(
            "scoring finished",
            metadata: ["job": "\(job.id)", "status": "\(status.rawValue)", "scored": "\(finished.scored)", "unscored": "\(finished.unscored)"])
    }

    /// Completed when any row was scored (unscored rows are counted and listed by reason); failed with none.
    static func ending(_ outcome: ScoringEngine.Outcome, job: ScoringJobRecord, store: ScoringStore) throws -> (JobStatus, String?) {
        switch outcome {
        case .cancelled:
            return (.cancelled, nil)
        case .aborted(let failure):
            return (job.scored > 0 ? .completed : .failed, failure.message)
        case .stoppedEarly(let reason):
            return (.failed, reason)
        case .finished, .interrupted:
            if job.scored > 0 || job.total == 0 { return (.completed, nil) }
            let reason = try store.unscoredReasons(jobID: job.jobID).first.map { "\($0.count) of \(job.total) rows: \($0.example)" }
            return (.failed, reason ?? "No row could be scored.")
        }
    }
}
