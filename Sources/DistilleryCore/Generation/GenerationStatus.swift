/// Where a generation task is in its life (`generation_jobs.status`). The queue entry (`jobs.state`) says the same
/// in `JobStatus`'s words: a task that ends short of its quotas is a completed job whose own row says
/// `completed_with_shortfall` (and the report says where and why).
public enum GenerationStatus: String, Sendable, Codable, CaseIterable {
    case queued, running, completed
    case completedWithShortfall = "completed_with_shortfall"
    case failed, cancelled

    /// The queue's word for this status.
    public var jobStatus: JobStatus {
        switch self {
        case .queued: return .queued
        case .running: return .running
        case .completed, .completedWithShortfall: return .completed
        case .failed: return .failed
        case .cancelled: return .cancelled
        }
    }

    public var isActive: Bool { jobStatus.isActive }

    /// The legal moves: the queue's, with either completion wherever `completed` may be reached; a generation
    /// task is never queued again once it ended (no retry of skipped calls: the task tops up by itself).
    public var successors: [GenerationStatus] {
        guard isActive else { return [] }
        return Self.allCases.filter { jobStatus.canMove(to: $0.jobStatus) }
    }

    public func canMove(to next: GenerationStatus) -> Bool { successors.contains(next) }

    public static func predecessors(of target: GenerationStatus) -> [GenerationStatus] {
        allCases.filter { $0.canMove(to: target) }
    }

    public func move(to next: GenerationStatus, job id: Int64) throws(StatusTransitionError) -> GenerationStatus {
        guard canMove(to: next) else { throw StatusTransitionError(subject: "Job \(JobNumber.text(id))", from: rawValue, to: next.rawValue) }
        return next
    }

    public var label: String {
        switch self {
        case .completedWithShortfall: return "Completed with shortfall"
        default: return jobStatus.label
        }
    }

    public var tone: String { self == .completedWithShortfall ? "warn" : jobStatus.tone }
}
