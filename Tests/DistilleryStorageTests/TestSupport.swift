import Foundation
@testable import DistilleryStorage

/// A fresh folder under the system temp folder, removed when the value is released.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "distillery-storage-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }
}

/// A value shared between test threads, guarded by a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}

/// A clock the test moves by hand (Unix milliseconds).
final class ManualClock: @unchecked Sendable {
    private let now = Locked<Int64>(1_000_000)
    func callAsFunction() -> Int64 { now.current }
    func advance(by milliseconds: Int64) { now.withLock { $0 += milliseconds } }
}

/// Runs `body` on `count` real threads at once and waits for all of them; returns the errors they threw.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [Error] {
    let errors = Locked<[Error]>([])
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            defer { group.leave() }
            do { try body(index) } catch { errors.withLock { $0.append(error) } }
        }
        thread.start()
    }
    group.wait()
    return errors.current
}

/// Inserts a dataset row (jobs and dataset rows reference one) and returns its id.
func insertDataset(_ connection: Connection, name: String = "test") throws -> Int64 {
    try connection.run(
        """
        INSERT INTO datasets (name, mode, base_model, status, created_at, updated_at)
        VALUES (?, 'chat', 'base', 'valid', 0, 0)
        """, .text(name))
    return connection.lastInsertRowID
}

func count(_ table: String, in database: Database) throws -> Int {
    try database.read { try $0.scalar("SELECT count(*) FROM \(table)")?.intValue ?? -1 }
}
