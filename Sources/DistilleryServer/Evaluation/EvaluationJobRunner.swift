import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Runs an evaluation run on a worker thread: opens the student's and the judge's keys for the run, drives the engine
/// until every row is judged or skipped, and records how the run ended. A run interrupted by shutdown (or killed)
/// resumes at the next start from what was committed: no stored answer or verdict is asked for again.
struct EvaluationJobRunner: JobRunner {
    let kind = EvaluationStore.jobKind
    let services: Services

    func run(_ job: Job, context: JobContext) throws {
        let store = services.evaluations
        guard let record = try store.run(jobID: job.id), record.status.isActive else { return }
        if record.cancelRequested && record.status == .queued {
            try store.finish(jobID: job.id, status: .cancelled, failure: nil, now: services.now())
            return
        }
        let settings = try EvaluationSettings.decode(record.settingsJSON)
        let creator = try record.createdBy.flatMap { try services.users.user(id: $0) }
        var studentKey: SecureBytes?
        var judgeKey: SecureBytes?
        // The plaintext keys live in sodium memory for this run only, whatever happens.
        defer {
            studentKey?.free()
            judgeKey?.free()
        }
        for (keyID, role) in [(record.studentKeyID, "student"), (record.judgeKeyID, "judge")] {
            guard let keyID else { continue }
            do {
                let opened = try services.vault.open(id: keyID, actor: creator, purpose: "evaluation run #\(job.id)", now: services.now())
                if role == "student" { studentKey = opened } else { judgeKey = opened }
            } catch {
                try store.finish(
                    jobID: job.id, status: .failed,
                    failure: "The \(role) API key for this run could not be opened (deleted, or sealed under another master key).",
                    now: services.now())
                return
            }
        }
        try store.markRunning(jobID: job.id, now: services.now())
        let live = services.synthesisRegistry.register(job.id)
        defer { services.synthesisRegistry.unregister(job.id) }
        let engine = EvaluationEngine(
            record: record, settings: settings, studentKey: studentKey, judgeKey: judgeKey, transport: services.transport, store: store,
            hooks: .init(isCancelRequested: { (try? store.cancelRequested(jobID: job.id)) ?? false }, heartbeat: { try context.heartbeat() }),
            live: live)
        let outcome = try engine.run()
        if outcome == .interrupted { throw JobInterrupted() }

        guard let finished = try store.run(jobID: job.id) else { return }
        let (status, failure) = try Self.ending(outcome, run: finished, skipReasons: { try store.skipReasons(jobID: job.id) })
        // The failure modes before the run reads as completed: a kill in between resumes the run, which assigns them then
        // (once: a run that has modes keeps them, with their renames and merges).
        if status == .completed { try FailureModeStore(database: services.database).assign(jobID: job.id, now: services.now()) }
        try store.finish(jobID: job.id, status: status, failure: failure, now: services.now())
        services.logger.info(
            "evaluation finished",
            metadata: ["job": "\(job.id)", "status": "\(status.rawValue)", "judged": "\(finished.judged)", "skipped": "\(finished.skipped)"])
    }

    /// How a run ends: cancelled keeps what was judged; completed when any row was judged; failed with nothing judged
    /// (the commonest skip reason says why).
    static func ending(
        _ outcome: EvaluationEngine.Outcome, run: EvaluationRunRecord, skipReasons: () throws -> [SkipReason]
    ) throws -> (JobStatus, String?) {
        switch outcome {
        case .cancelled:
            return (.cancelled, nil)
        case .aborted(let failure):
            return (run.judged > 0 ? .completed : .failed, failure.message)
        case .stoppedEarly(let reason):
            return (.failed, reason)
        case .finished, .interrupted:
            guard run.judged == 0 else { return (.completed, nil) }
            let reason = try skipReasons().first.map { "\($0.count) of \(run.total) rows: \($0.example)" }
            return (.failed, reason ?? "No row could be judged.")
        }
    }
}
