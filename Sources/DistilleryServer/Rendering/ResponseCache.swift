import DistilleryStorage
import Foundation

/// One cached response body that stays valid until this process commits a write, and for at most
/// `maximumAgeSeconds` (so a write by another process, such as the CLI, shows within that time).
/// The dataset list is read far more often than datasets change; this makes it a lookup.
final class ResponseCache: @unchecked Sendable {
    private struct Entry {
        let generation: UInt64
        let builtAt: Date
        let body: [UInt8]
    }

    private let lock = NSLock()
    private var entry: Entry?
    private let maximumAgeSeconds: Double

    init(maximumAgeSeconds: Double = 1) {
        self.maximumAgeSeconds = maximumAgeSeconds
    }

    func body(database: Database, build: () throws -> [UInt8]) rethrows -> [UInt8] {
        let generation = database.writeGeneration
        lock.lock()
        if let entry, entry.generation == generation, Date().timeIntervalSince(entry.builtAt) < maximumAgeSeconds {
            lock.unlock()
            return entry.body
        }
        lock.unlock()
        // Built outside the lock; a concurrent builder may overwrite it with an equally fresh body.
        let body = try build()
        lock.lock()
        entry = Entry(generation: generation, builtAt: Date(), body: body)
        lock.unlock()
        return body
    }
}
