import DistilleryCore
import DistilleryStorage

/// Runs the data checks a job's ending queued (`AutomaticDataChecks`) on the dataset that job made or validated, and
/// stores them under that job's trigger. A dataset deleted since, or changed so that the checks no longer apply to it
/// (validated again: that validation queues checks of its own), is left alone. A failure fails this job (the worker
/// pool logs it), never the one that queued it.
struct DataChecksJobRunner: JobRunner {
    let kind = AutomaticDataChecks.jobKind
    let services: Services
    /// Checks that kill the process every time they run must not loop forever at boot (crashes spend attempts).
    static let maxAttempts = 3

    func run(_ job: Job, context: JobContext) throws {
        guard let checks = AutomaticDataChecks(payload: job.payload) else {
            throw DataChecksJobError(description: "The data checks job \(job.id) has a payload this release cannot read: \(job.payload.prefix(200))")
        }
        guard job.attempts <= Self.maxAttempts else {
            throw DataChecksJobError(description: "The data checks of dataset \(checks.datasetID) were cut off \(job.attempts - 1) times and given up.")
        }
        guard let record = try services.datasets.dataset(id: checks.datasetID), checks.apply(mode: record.mode, status: record.status)
        else { return }
        let stored = try DataQualityRun.run(
            dataset: record, against: nil, trigger: checks.trigger, createdBy: nil, services: services, heartbeat: context.heartbeat)
        services.logger.info(
            "data checks stored", metadata: ["dataset": "\(checks.datasetID)", "trigger": "\(checks.trigger.rawValue)", "verdict": "\(stored.verdict)"])
    }
}

/// Why a data checks job failed before running the checks (the queue row's error; the log has it too).
struct DataChecksJobError: Error, CustomStringConvertible {
    let description: String
}
