import DistilleryCore

/// A worker's hold on a running job: what it must show to end the job.
public struct JobLease: Sendable, Equatable {
    public let jobID: Int64
    public let owner: String

    public init(jobID: Int64, owner: String) {
        self.jobID = jobID
        self.owner = owner
    }
}

/// How a runner ends its job in the same commit as its last write, so no reader ever sees the
/// output final while the job still looks active (or the reverse).
public enum JobEnding: Sendable, Equatable {
    case completed(JobLease)
    /// `error` is shown to users: no secrets in it.
    case failed(JobLease, error: String)
}

/// One row of the `jobs` table. Times are Unix milliseconds.
public struct Job: Sendable, Equatable {
    public var id: Int64
    public var kind: String
    public var datasetID: Int64?
    /// The queue's view of the job, in the vocabulary every kind of job shares (`JobStatus`).
    public var state: JobStatus
    /// Kind-specific parameters, JSON by convention.
    public var payload: String
    /// Claims not handed back by a clean stop: finished runs, crashes and takeovers after a lost
    /// lease count; a release at shutdown does not (see `JobQueue.release`).
    public var attempts: Int
    public var leaseOwner: String?
    public var leaseExpiresAt: Int64?
    public var error: String?
    public var createdAt: Int64
    public var startedAt: Int64?
    public var finishedAt: Int64?

    public init(
        id: Int64, kind: String, datasetID: Int64?, state: JobStatus, payload: String, attempts: Int,
        leaseOwner: String?, leaseExpiresAt: Int64?, error: String?, createdAt: Int64, startedAt: Int64?,
        finishedAt: Int64?
    ) {
        self.id = id
        self.kind = kind
        self.datasetID = datasetID
        self.state = state
        self.payload = payload
        self.attempts = attempts
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.error = error
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

extension Job {
    /// The column list every job query selects, in the order `init(row:)` reads.
    static let columns = """
        id, kind, dataset_id, state, payload, attempts, lease_owner, lease_expires_at, error, \
        created_at, started_at, finished_at
        """

    init(statement: Statement) throws {
        let stateText = statement.string(at: 3) ?? ""
        guard let state = JobStatus(rawValue: stateText) else {
            // The table's CHECK constraint makes this unreachable unless the schema and code disagree.
            throw DatabaseError(code: 1, message: "job \(statement.int64(at: 0)) has an unknown state '\(stateText)'")
        }
        self.init(
            id: statement.int64(at: 0),
            kind: statement.string(at: 1) ?? "",
            datasetID: statement.isNull(at: 2) ? nil : statement.int64(at: 2),
            state: state,
            payload: statement.string(at: 4) ?? "{}",
            attempts: statement.int(at: 5),
            leaseOwner: statement.string(at: 6),
            leaseExpiresAt: statement.isNull(at: 7) ? nil : statement.int64(at: 7),
            error: statement.string(at: 8),
            createdAt: statement.int64(at: 9),
            startedAt: statement.isNull(at: 10) ? nil : statement.int64(at: 10),
            finishedAt: statement.isNull(at: 11) ? nil : statement.int64(at: 11)
        )
    }
}
