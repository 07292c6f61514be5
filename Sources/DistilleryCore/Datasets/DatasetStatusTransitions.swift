/// A dataset's legal status changes. A dataset is created `validating`; storage refuses every move not listed
/// here (`DatasetStore`, `SynthesisStore`) and its `CHECK` refuses any other word.
extension DatasetStatus {
    public var successors: [DatasetStatus] {
        switch self {
        // A validation ends in one of the outcomes (a synthesized child's pass is `ready_for_training`); a run
        // restarted after a crash starts over, still validating.
        case .validating: return [.validating, .valid, .validWithWarnings, .invalid, .validSeeds, .readyForTraining]
        // Validate again (a run cut off by crashes or a server error); a child rebuilt after retrying skipped seeds.
        case .invalid, .readyForTraining: return [.validating]
        case .validSeeds: return [.synthesizing]
        // Another job on the same seeds keeps it synthesizing; it is ready again when the last one ends.
        case .synthesizing: return [.synthesizing, .validSeeds]
        case .valid, .validWithWarnings: return []
        }
    }

    public func canMove(to next: DatasetStatus) -> Bool { successors.contains(next) }

    /// The statuses from which `target` may be reached, in declaration order (for `WHERE status IN (…)`).
    public static func predecessors(of target: DatasetStatus) -> [DatasetStatus] {
        allCases.filter { $0.canMove(to: target) }
    }

    /// `next`, or an error naming the dataset and the refused move.
    public func move(to next: DatasetStatus, dataset id: Int64) throws(StatusTransitionError) -> DatasetStatus {
        guard canMove(to: next) else {
            throw StatusTransitionError(subject: "Dataset #\(id)", from: rawValue, to: next.rawValue)
        }
        return next
    }
}
