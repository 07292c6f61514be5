/// Where a job is in its life. One vocabulary for the queue (`jobs.state`) and for each kind's own row
/// (`synthesis_jobs.status`): both are written in the same transaction, so the queue can never say a job
/// ended otherwise than it did. `queued` and `running` are active; the other three say how it ended.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued, running, completed, failed, cancelled

    public var isActive: Bool { self == .queued || self == .running }

    /// The statuses a job may move to from this one; every other move is refused.
    public var successors: [JobStatus] {
        switch self {
        // Claimed by a worker; cancelled before it ran; failed before it could start (its input is gone).
        case .queued: return [.running, .failed, .cancelled]
        // Running again: taken over after a lost lease, or resumed after a restart. Queued: handed back at a
        // clean stop, or requeued at boot after a crash.
        case .running: return [.queued, .running, .completed, .failed, .cancelled]
        // An ended job is queued again only to retry what it skipped.
        case .completed, .failed, .cancelled: return [.queued]
        }
    }

    public func canMove(to next: JobStatus) -> Bool { successors.contains(next) }

    /// The statuses from which `target` may be reached, in declaration order (for `WHERE status IN (…)`).
    public static func predecessors(of target: JobStatus) -> [JobStatus] {
        allCases.filter { $0.canMove(to: target) }
    }

    /// `next`, or an error naming the job and the refused move.
    public func move(to next: JobStatus, job id: Int64) throws(StatusTransitionError) -> JobStatus {
        guard canMove(to: next) else {
            throw StatusTransitionError(subject: "Job \(JobNumber.text(id))", from: rawValue, to: next.rawValue)
        }
        return next
    }

    /// How the status reads on the jobs page ("Running" is worded by kind there: "Validating", "Synthesizing").
    public var label: String {
        switch self {
        case .queued: return "Queued"
        case .running: return "Running"
        case .completed: return "Completed"
        case .failed: return "Failed"
        case .cancelled: return "Cancelled"
        }
    }

    /// The badge colour class: ok, warn, bad or busy.
    public var tone: String {
        switch self {
        case .queued, .running: return "busy"
        case .completed: return "ok"
        case .failed: return "bad"
        case .cancelled: return "warn"
        }
    }
}

/// A status change that the life cycle does not allow ("Job J-12 cannot go from completed to failed.").
public struct StatusTransitionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// "Job J-12", "Dataset #3".
    public let subject: String
    /// Raw values, as stored; `from` is nil when the row does not exist.
    public let from: String?
    public let to: String

    public init(subject: String, from: String?, to: String) {
        self.subject = subject
        self.from = from
        self.to = to
    }

    public var message: String {
        guard let from else { return "\(subject) does not exist, so it cannot become \(to)." }
        return "\(subject) cannot go from \(from) to \(to)."
    }

    public var description: String { message }
}

/// Job numbers and dataset numbers look alike; each gets its own prefix everywhere ("Job J-12", "Dataset #12").
public enum JobNumber {
    public static func text(_ id: Int64) -> String { "J-\(id)" }
}
