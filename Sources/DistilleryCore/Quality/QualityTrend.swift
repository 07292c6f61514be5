/// How a check's count moved between two stored runs of a dataset's data checks.
public struct QualityTrend: Sendable, Equatable {
    public enum Change: String, Sendable {
        /// No flags before, some now.
        case new
        /// Flags before, none now.
        case fixed
        case up, down, same
    }

    public let check: QualityCheck
    public let previous: Int
    public let current: Int
    public let change: Change

    /// "refusals 3 → 1", "leakage pairs: new (2)", "duplicate prompts: fixed (was 4)".
    public var text: String {
        switch change {
        case .new: "\(check.noun(current)): new (\(current))"
        case .fixed: "\(check.noun(previous)): fixed (was \(previous))"
        case .up, .down, .same: "\(check.noun(2)) \(previous) → \(current)"
        }
    }

    /// Every check that flagged rows in either run, in `QualityCheck.allCases` order. Counts are keyed by the check's
    /// rawValue (the stored `counts` JSON); a check a run does not list counts 0.
    public static func between(previous: [String: Int], current: [String: Int]) -> [QualityTrend] {
        QualityCheck.allCases.compactMap { check in
            let before = previous[check.rawValue] ?? 0, now = current[check.rawValue] ?? 0
            guard before > 0 || now > 0 else { return nil }
            let change: Change = before == 0 ? .new : now == 0 ? .fixed : now > before ? .up : now < before ? .down : .same
            return QualityTrend(check: check, previous: before, current: now, change: change)
        }
    }
}
