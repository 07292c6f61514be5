import DistilleryCore

/// A status with a life cycle in Core, as a kind's own job record stores it (`JobStatus`, `GenerationStatus`).
protocol JobRecordStatus: RawRepresentable where RawValue == String {
    static var failed: Self { get }
    var isActive: Bool { get }
    static func predecessors(of target: Self) -> [Self]
    func move(to next: Self, job id: Int64) throws(StatusTransitionError) -> Self
}

extension JobStatus: JobRecordStatus {}
extension GenerationStatus: JobRecordStatus {}

/// A kind's own job table (`generation_jobs`, `scoring_jobs`, `evaluation_runs`, …: keyed by `job_id`, with `status`,
/// `failure`, `finished_at` and `cancel_requested`): the writes that cancel and end a job, the same for every kind.
struct JobRecordTable<Status: JobRecordStatus>: Sendable {
    let table: String
    /// How the audit log names one of its jobs: "scoring job".
    let noun: String

    func requestCancel(_ database: Database, jobID: Int64) throws -> Bool {
        try database.write { connection in
            try connection.run(
                "UPDATE \(table) SET cancel_requested = 1 WHERE job_id = ? AND status IN ('queued', 'running')", .integer(jobID))
            return connection.changes > 0
        }
    }

    func cancelRequested(_ database: Database, jobID: Int64) throws -> Bool {
        try database.read { try $0.scalar("SELECT cancel_requested FROM \(table) WHERE job_id = ?", .integer(jobID))?.intValue == 1 }
    }

    /// A job of this kind whose runner threw ends `failed` with its queue entry (`JobQueue.fail`). Nothing for other
    /// kinds of job, or one already ended.
    func endAfterQueueFailure(in connection: Connection, jobID: Int64, now: Int64) throws {
        let status = try connection.scalar("SELECT status FROM \(table) WHERE job_id = ?", .integer(jobID))?.stringValue
        guard let status, Status(rawValue: status)?.isActive == true else { return }
        try end(in: connection, jobID: jobID, status: .failed, failure: SynthesisStore.serverErrorFailure, now: now)
    }

    /// The record's part of an ending: its status (refused unless its life cycle allows the move), the failure text,
    /// and the keys pasted for the job deleted.
    func end(in connection: Connection, jobID: Int64, status: Status, failure: String?, now: Int64) throws {
        try connection.run(
            """
            UPDATE \(table) SET status = ?, failure = ?, finished_at = ?
            WHERE job_id = ? AND status IN (\(Status.sqlList(Status.predecessors(of: status))))
            """, .text(status.rawValue), SQLValue(failure), .integer(now), .integer(jobID))
        guard connection.changes == 1 else { throw try refusal(connection, jobID: jobID, to: status) }
        try SynthesisStore.deleteJobKeys(in: connection, jobID: jobID, actor: "\(noun) #\(jobID)", now: now)
    }

    /// Why an update of the job's record to `target` changed nothing.
    func refusal(_ connection: Connection, jobID: Int64, to target: Status) throws -> StatusTransitionError {
        try StatusTransitions.jobRecordRefusal(connection, table: table, id: jobID, to: target)
    }
}
