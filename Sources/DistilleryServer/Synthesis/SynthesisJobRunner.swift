import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Runs a synthesis job on a worker thread: decrypts its key for the run, drives the engine, builds
/// the child dataset and records the outcome. A job interrupted by shutdown stays `running` in the
/// queue and resumes at the next start, sending only seeds that had no committed answer.
struct SynthesisJobRunner: JobRunner {
    let kind = SynthesisStore.jobKind
    let services: Services

    func run(_ job: Job, context: JobContext) throws {
        let store = services.synthesis
        guard let record = try store.job(id: job.id), record.status.isActive else { return }
        if record.cancelRequested && record.status == .queued {
            try store.finish(jobID: job.id, status: .cancelled, childDatasetID: nil, failure: nil, now: services.now())
            return
        }
        guard let parentID = record.parentDatasetID, let parent = try services.datasets.dataset(id: parentID),
            let skillPrompt = parent.skillPrompt
        else {
            try store.finish(jobID: job.id, status: .failed, childDatasetID: nil, failure: "The seeds dataset is gone.", now: services.now())
            return
        }
        let settings = try SynthesisSettings.decode(record.settingsJSON)
        let creator = try record.createdBy.flatMap { try services.users.user(id: $0) }
        var key: SecureBytes?
        var judgeKey: SecureBytes?
        // The plaintext keys live in sodium memory for this run only, whatever happens.
        defer {
            key?.free()
            judgeKey?.free()
        }
        for (keyID, role) in [(record.keyID, "teacher"), (settings.judge?.keyID, "judge")] {
            guard let keyID else { continue }
            do {
                let opened = try services.vault.open(id: keyID, actor: creator, purpose: "synthesis job #\(job.id)", now: services.now())
                if role == "teacher" { key = opened } else { judgeKey = opened }
            } catch {
                try store.finish(
                    jobID: job.id, status: .failed, childDatasetID: nil,
                    failure: "The \(role) API key for this job could not be opened (deleted, or sealed under another master key).",
                    now: services.now())
                return
            }
        }
        // A judge without a key of its own on the teacher's provider uses the teacher's key.
        let judgeUsesTeacherKey = settings.judge.map { $0.keyID == nil && $0.provider == settings.provider } ?? false

        try store.markRunning(jobID: job.id, now: services.now())
        let live = services.synthesisRegistry.register(job.id)
        defer { services.synthesisRegistry.unregister(job.id) }
        let engine = SynthesisEngine(
            jobID: job.id, settings: settings, skillPrompt: skillPrompt, keys: [key, judgeUsesTeacherKey ? key : judgeKey], transport: services.transport, store: store,
            hooks: .init(
                isCancelRequested: { (try? store.cancelRequested(jobID: job.id)) ?? false },
                heartbeat: { try context.heartbeat() }),
            live: live)
        let outcome = try engine.run()
        if outcome == .interrupted { throw JobInterrupted() }

        guard let finished = try store.job(id: job.id) else { return }
        var childID: Int64?
        if finished.written > 0 {
            childID = try SynthesisChildBuilder.build(job: finished, parent: parent, services: services, context: context)
        }
        let status: JobStatus
        var failure: String?
        switch outcome {
        case .cancelled:
            status = .cancelled
        case .aborted(let teacherFailure):
            status = finished.written > 0 ? .completed : .failed
            failure = teacherFailure.message
        case .stoppedEarly(let reason):
            status = .failed
            failure = reason
        case .finished, .interrupted:
            status = finished.written > 0 ? .completed : .failed
            if finished.written == 0 {
                failure = try store.skipReasons(jobID: job.id).first.map { "\($0.count) of \(finished.total) seeds: \($0.example)" }
                    ?? "No seed could be answered."
            }
        }
        // The child's data checks run after the job has ended, on a validation worker.
        let checks = childID.map { AutomaticDataChecks(datasetID: $0, trigger: .synthesis) }
        try store.finish(jobID: job.id, status: status, childDatasetID: childID, failure: failure, now: services.now(), checks: checks)
        if checks != nil { services.wakeWorkers() }
        services.logger.info(
            "synthesis finished",
            metadata: ["job": "\(job.id)", "status": "\(status.rawValue)", "written": "\(finished.written)", "skipped": "\(finished.skipped)"])
    }
}
