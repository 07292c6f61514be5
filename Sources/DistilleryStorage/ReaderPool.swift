import Foundation

/// The reader connections of one `Database`. A caller takes an idle connection and gives it back;
/// the lock is held only to pop and push, never while a query runs, so many threads read in parallel.
final class ReaderPool: @unchecked Sendable {
    // NSCondition both guards `idle`/`lent`/`isClosed` and lets callers wait for a free connection.
    private let condition = NSCondition()
    private var idle: [Connection]
    /// Lent connections by borrowing thread, so a nested `read` on that thread reuses its connection
    /// instead of waiting for another one, which deadlocks once every reader is held by an outer read.
    private var lentByThread: [UInt: Connection] = [:]
    private var isClosed = false

    init(connections: [Connection]) {
        self.idle = connections
    }

    /// The connection already lent to `thread`, if any.
    func connection(lentTo thread: UInt) -> Connection? {
        condition.lock()
        defer { condition.unlock() }
        return lentByThread[thread]
    }

    /// An idle connection for `thread`; waits while all are lent out. Throws once the pool is closed.
    func acquire(for thread: UInt) throws -> Connection {
        condition.lock()
        defer { condition.unlock() }
        while idle.isEmpty && !isClosed { condition.wait() }
        guard !isClosed else { throw DatabaseError.closed }
        let connection = idle.removeLast()
        lentByThread[thread] = connection
        return connection
    }

    func release(_ connection: Connection, from thread: UInt) {
        condition.lock()
        idle.append(connection)
        lentByThread[thread] = nil
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
        while !lentByThread.isEmpty { condition.wait() }
        let all = idle
        idle.removeAll()
        return all
    }
}
