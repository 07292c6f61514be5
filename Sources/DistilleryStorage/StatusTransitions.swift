import DistilleryCore

/// Storage's side of the status life cycles in Core (`JobStatus`, `DatasetStatus`): a status changes with an
/// `UPDATE … WHERE status IN (its legal predecessors)`, and an update that changed no row is refused with the
/// move that was attempted.
extension RawRepresentable where RawValue == String {
    /// `'queued', 'running'`: the raw values are our own constants without quotes, so they are inlined
    /// rather than bound (a `WHERE … IN (…)` list of fixed length).
    static func sqlList(_ values: [Self]) -> String {
        values.map { "'\($0.rawValue)'" }.joined(separator: ", ")
    }
}

enum StatusTransitions {
    /// Why an update of dataset `id` to `target` changed nothing: Core's verdict on the move from its current
    /// status, or its absence.
    static func datasetRefusal(_ connection: Connection, id: Int64, to target: DatasetStatus) throws -> StatusTransitionError {
        let current = try connection.scalar("SELECT status FROM datasets WHERE id = ?", .integer(id))?.stringValue
        return refusal(current, DatasetStatus.init(rawValue:), subject: "Dataset #\(id)", to: target.rawValue) {
            (status: DatasetStatus) throws(StatusTransitionError) in try status.move(to: target, dataset: id)
        }
    }

    /// Why an update of job `id`'s own record in `table` (a kind's `…_jobs` table, keyed by `job_id`) to `target`
    /// changed nothing.
    static func jobRecordRefusal<Status: JobRecordStatus>(
        _ connection: Connection, table: String, id: Int64, to target: Status
    ) throws -> StatusTransitionError {
        let current = try connection.scalar("SELECT status FROM \(table) WHERE job_id = ?", .integer(id))?.stringValue
        return refusal(current, Status.init(rawValue:), subject: "Job \(JobNumber.text(id))", to: target.rawValue) {
            (status: Status) throws(StatusTransitionError) in try status.move(to: target, job: id)
        }
    }

    /// Why an update of queue entry `id` to `target` changed nothing.
    static func queueRefusal(_ connection: Connection, id: Int64, to target: JobStatus) throws -> StatusTransitionError {
        let current = try connection.scalar("SELECT state FROM jobs WHERE id = ?", .integer(id))?.stringValue
        return refusal(current, JobStatus.init(rawValue:), subject: "Job \(JobNumber.text(id))", to: target.rawValue) {
            (status: JobStatus) throws(StatusTransitionError) in try status.move(to: target, job: id)
        }
    }

    /// Core's error for an illegal move; a move Core allows that still changed nothing was refused by the
    /// caller's narrower condition (only an ended job retries its skipped seeds), and is named the same way.
    private static func refusal<Status>(
        _ current: String?, _ parse: (String) -> Status?, subject: String, to target: String,
        move: (Status) throws(StatusTransitionError) -> Status
    ) -> StatusTransitionError {
        if let current, let status = parse(current) {
            do { _ = try move(status) } catch { return error }
        }
        return StatusTransitionError(subject: subject, from: current, to: target)
    }
}
