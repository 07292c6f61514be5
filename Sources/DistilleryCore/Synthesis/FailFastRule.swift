/// Fail fast: when the first items of a job all fail the same way (after their retries) for a reason
/// that will not go away by itself (a truncated answer, an unreadable verdict, a rejected request),
/// the rest would almost surely fail too, so the job stops and says why instead of spending its budget.
/// Transient reasons (rate limits, 5xx, timeouts, connections) never stop a job this way.
public struct FailFastRule: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        /// Not decided yet: fewer than `window` items have ended, all failed alike.
        case undecided
        /// Keep going (some early item succeeded, or the early failures differ or are transient).
        case keepGoing
        /// Stop: the first `window` items all failed with this failure class.
        case stop(FailureClass, example: String)
    }

    public let window: Int
    public private(set) var verdict: Verdict = .undecided
    private var failures = 0
    private var firstFailure: TeacherFailure?

    /// `alreadySucceeded`: rows written before (a resumed job): the job is past its early items.
    public init(window: Int = 5, alreadySucceeded: Int = 0) {
        self.window = max(1, window)
        if alreadySucceeded > 0 { verdict = .keepGoing }
    }

    /// Whether a failure class is a property of the request or the model (it will happen again) rather
    /// than of the moment.
    public static func isPersistent(_ failure: FailureClass) -> Bool {
        switch failure {
        case .rateLimited, .serverError, .timeout, .connection, .cancelled, .notAttempted: return false
        default: return true
        }
    }

    /// An item ended with a row.
    @discardableResult
    public mutating func recordSuccess() -> Verdict {
        if verdict == .undecided { verdict = .keepGoing }
        return verdict
    }

    /// An item ended skipped (its retries used up) with `failure`.
    @discardableResult
    public mutating func recordFailure(_ failure: TeacherFailure) -> Verdict {
        guard verdict == .undecided else { return verdict }
        guard Self.isPersistent(failure.failureClass) else {
            verdict = .keepGoing
            return verdict
        }
        if let firstFailure, firstFailure.failureClass != failure.failureClass {
            verdict = .keepGoing
            return verdict
        }
        firstFailure = firstFailure ?? failure
        failures += 1
        if failures >= window, let firstFailure {
            verdict = .stop(firstFailure.failureClass, example: firstFailure.message)
        }
        return verdict
    }

    /// The job's failure text for a stop.
    public static func stopMessage(window: Int, items: String = "seeds", failure: FailureClass, example: String) -> String {
        "Stopped early: the first \(window) \(items) all failed the same way (\(failure.code)), so the rest would too. \(example)"
    }
}
