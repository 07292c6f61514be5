import DistilleryCore
import Foundation

/// What only the running engine knows (in flight, rate, a 429 pause), for the progress endpoint;
/// the counters themselves come from the database, which is the truth across restarts.
final class LiveSynthesisProgress: @unchecked Sendable {
    struct Snapshot {
        var startedAtMs: Int64 = 0
        var inFlight = 0
        var written = 0
        var skipped = 0
        var retries = 0
        var pausedUntilMs: Int64?
        var meter = CompletionRateMeter()
    }

    private let lock = NSLock()
    private var snapshot = Snapshot()

    func update(_ change: (inout Snapshot) -> Void) {
        lock.lock()
        change(&snapshot)
        lock.unlock()
    }

    var current: Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return snapshot
    }
}

/// The live progress of every running synthesis job in this process.
final class SynthesisRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var running: [Int64: LiveSynthesisProgress] = [:]

    func register(_ jobID: Int64) -> LiveSynthesisProgress {
        lock.lock()
        defer { lock.unlock() }
        let progress = LiveSynthesisProgress()
        running[jobID] = progress
        return progress
    }

    func unregister(_ jobID: Int64) {
        lock.lock()
        running[jobID] = nil
        lock.unlock()
    }

    func progress(_ jobID: Int64) -> LiveSynthesisProgress.Snapshot? {
        lock.lock()
        defer { lock.unlock() }
        return running[jobID]?.current
    }
}
