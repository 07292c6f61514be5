import Foundation

/// The reader connections of one `Database`. A caller takes an idle connection and gives it back;
/// the lock is held only to pop and push, never while a query runs, so many threads read in parallel.
final class ReaderPool: @unchecked Sendable {
    // NSCondition both guards `idle`/`lent`/`isClosed` and lets callers wait for a free connection.
    private let condition = NSCondition()
    private var idle: [Connection]
    private var lent = 0
    private var isClosed = false

    init(connections: [Connection]) {
        self.idle = connections
    }

    /// An idle connection; waits while all are lent out. Throws once the pool is closed.
    func acquire() throws -> Connection {
        condition.lock()
        defer { condition.unlock() }
        while idle.isEmpty && !isClosed { condition.wait() }
        guard !isClosed else { throw DatabaseError.closed }
        lent += 1
        return idle.removeLast()
    }

    func release(_ connection: Connection) {
        condition.lock()
        idle.append(connection)
        lent -= 1
        // Broadcast, not signal: `close` waits on the same condition for every connection to return.
        condition.broadcast()
        condition.unlock()
    }

    /// Refuses new readers, waits for lent connections to come back, and hands them all over for closing.
    func drain() -> [Connection] {
        condition.lock()
        defer { condition.unlock() }
        isClosed = true
        condition.broadcast()
        while lent > 0 { condition.wait() }
        let all = idle
        idle.removeAll()
        return all
    }
}
