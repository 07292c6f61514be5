import DistilleryPlatform
import DistilleryStorage
import Dispatch
import Foundation
import Logging
import Synchronization

/// Builds the row explorer's search index in the background (README "Row explorer"): one low-priority thread that
/// indexes the newest settled dataset not fully indexed, a short transaction per batch, until none is left, then
/// sleeps until woken (a validation finished) or for a few seconds. Progress lives in the database, so what a stop
/// or a crash cut short, and datasets stored before the index existed, are picked up at the next start.
final class SearchIndexer: Sendable {
    static let idleSeconds = 5.0

    private let store: DatasetStore
    private let logger: Logger
    private let started = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let wakeups = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(store: DatasetStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func start() {
        started.store(true, ordering: .relaxed)
        let thread = Thread { [self] in indexLoop() }
        thread.name = "search-indexer"
        thread.start()
    }

    /// A dataset has settled with rows: index it now rather than at the next idle check.
    func wake() {
        wakeups.signal()
    }

    /// Stops after the batch in progress (a fraction of a second) and waits for it, so the database can be closed.
    /// Returns false if the thread was still busy when the timeout passed.
    @discardableResult
    func stop(timeoutSeconds: Double = 10) -> Bool {
        stopping.store(true, ordering: .relaxed)
        guard started.load(ordering: .relaxed) else { return true }
        wakeups.signal()
        return finished.wait(timeout: .now() + timeoutSeconds) == .success
    }

    private func indexLoop() {
        // Indexing yields the CPU to requests and jobs, as the workers do.
        ThreadPriority.lowerCurrentThread()
        defer { finished.signal() }
        while !stopping.load(ordering: .relaxed) {
            do {
                if let datasetID = try store.newestDatasetAwaitingSearchIndex() {
                    if try store.indexNextSearchBatch(datasetID: datasetID) {
                        logger.info("search index built", metadata: ["dataset": "\(datasetID)"])
                    }
                    continue
                }
            } catch {
                logger.error("search indexing failed; retrying later", metadata: ["cause": "\(error)"])
            }
            _ = wakeups.wait(timeout: .now() + Self.idleSeconds)
        }
    }
}
