import CSQLite
import Foundation
import Testing

@testable import DistilleryStorage

private struct Abort: Error {}

@Suite struct TransactionTests {
    @Test func aThrowingWriteLeavesNothingBehind() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        #expect(throws: Abort.self) {
            try database.write { connection in
                _ = try insertDataset(connection)
                _ = try JobQueue.enqueue(in: connection, kind: "import", datasetID: nil, payload: "{}", now: 1)
                throw Abort()
            }
        }
        #expect(try count("datasets", in: database) == 0)
        #expect(try count("jobs", in: database) == 0)
        // The writer is usable again: the transaction really ended.
        _ = try database.write { try insertDataset($0) }
        #expect(try count("datasets", in: database) == 1)
    }

    @Test func aNestedWriteFailsInsteadOfDeadlocking() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let error = #expect(throws: DatabaseError.self) {
            try database.write { _ in try database.write { _ in } }
        }
        #expect(error?.message.contains("inside a write") == true)
    }

    @Test func readersOnOtherThreadsSeeCommittedDataAndDoNotWaitForAnOpenWrite() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        _ = try database.write { try insertDataset($0, name: "committed") }

        let writeIsOpen = DispatchSemaphore(value: 0)
        let readFinished = DispatchSemaphore(value: 0)
        let writerSawReadFinish = Locked(false)
        let writer = Thread {
            try? database.write { connection in
                _ = try insertDataset(connection, name: "uncommitted")
                writeIsOpen.signal()
                // Hold the transaction open until the reader is done (or give up, failing the test).
                writerSawReadFinish.withLock { $0 = readFinished.wait(timeout: .now() + 10) == .success }
            }
        }
        writer.start()
        #expect(writeIsOpen.wait(timeout: .now() + 10) == .success)

        let readResults = Locked<[[String]]>([])
        let started = Date()
        let errors = runOnThreads(4) { _ in
            let names = try database.read { connection in
                try connection.query("SELECT name FROM datasets ORDER BY id").compactMap { $0.string("name") }
            }
            readResults.withLock { $0.append(names) }
        }
        let elapsed = Date().timeIntervalSince(started)
        readFinished.signal()
        #expect(errors.isEmpty)
        #expect(readResults.current == Array(repeating: ["committed"], count: 4))
        #expect(elapsed < 2, "reads took \(elapsed)s while a write was open; WAL readers must not wait")

        // Once the writer commits, a new read sees its row.
        while !writer.isFinished { Thread.sleep(forTimeInterval: 0.005) }
        #expect(writerSawReadFinish.current)
        #expect(try count("datasets", in: database) == 2)
    }

    @Test func concurrentWritersFromEightThreadsAllCommit() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let perThread = 50
        let errors = runOnThreads(8) { thread in
            for index in 0..<perThread {
                _ = try database.write { try insertDataset($0, name: "t\(thread)-\(index)") }
            }
        }
        #expect(errors.isEmpty, "\(errors)")
        #expect(try count("datasets", in: database) == 8 * perThread)
        let distinct = try database.read { try $0.scalar("SELECT count(DISTINCT name) FROM datasets")?.intValue }
        #expect(distinct == 8 * perThread)
    }

    @Test func readsFromManyThreadsRunAtOnce() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"), readerCount: 4)
        defer { database.close() }
        // Four readers each wait until all four are inside `read` at the same time: this only finishes
        // if the pool does not serialize them.
        let inside = Locked(0)
        let errors = runOnThreads(4) { _ in
            try database.read { _ in
                inside.withLock { $0 += 1 }
                let deadline = Date().addingTimeInterval(10)
                while inside.current < 4 && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
            }
        }
        #expect(errors.isEmpty)
        #expect(inside.current == 4)
    }

    @Test func committedDataSurvivesACrashThroughWALRecovery() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("db.sqlite")
        let crashed = try Database(path: path)
        try crashed.write { connection in
            for index in 0..<100 { _ = try insertDataset(connection, name: "row \(index)") }
        }
        // The "crash": never close `crashed`. The rows live in the WAL, not yet in the main file.
        let walSize = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
        #expect(walSize > 0)

        // The files as a killed process leaves them: main file and WAL, no shared-memory index.
        let copyFolder = try TemporaryFolder()
        let copy = copyFolder.file("db.sqlite")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
        let recovered = try Database(path: copy)
        #expect(try count("datasets", in: recovered) == 100)
        #expect(try recovered.read { try $0.scalar("SELECT name FROM datasets WHERE id = 100")?.stringValue } == "row 99")
        try recovered.checkedClose()

        // A second Database on the same file while the first is still open sees the data too.
        let second = try Database(path: path)
        #expect(try count("datasets", in: second) == 100)
        second.close()
        withExtendedLifetime(crashed) {}
    }

    @Test func bulkInsertOfAHundredThousandRowsInOneTransaction() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let rowCount = 100_000
        let line = Array(#"{"messages":[{"role":"user","content":"hello there"},{"role":"assistant","content":"hi"}]}"#.utf8)
        let started = Date()
        try database.write { connection in
            let datasetID = try insertDataset(connection)
            let insert = try connection.prepare(
                "INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens) VALUES (?, ?, ?, ?, ?)")
            try line.withUnsafeBytes { bytes in
                for index in 0..<rowCount {
                    try insert.bind(datasetID, at: 1)
                    try insert.bind(index, at: 2)
                    try insert.bind(index + 1, at: 3)
                    try insert.bindText(utf8: bytes, at: 4)
                    try insert.bind(12, at: 5)
                    try insert.step()
                    insert.reset()
                }
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("bulk insert: \(rowCount) rows in \(String(format: "%.3f", seconds)) s = \(Int(Double(rowCount) / seconds)) rows/s")
        #expect(try count("dataset_rows", in: database) == rowCount)
        let body = try database.read { try $0.scalar("SELECT body FROM dataset_rows WHERE idx = 99999")?.stringValue }
        #expect(body == String(decoding: line, as: UTF8.self))
    }
}

@Suite struct NestedReadTests {
    @Test func aNestedReadJoinsTheOuterOneInsteadOfWaitingForAFreeReader() throws {
        let folder = try TemporaryFolder()
        // One reader only: a nested read that asked the pool for a second one would wait forever.
        let database = try Database(path: folder.file("db.sqlite"), readerCount: 1)
        defer { database.close() }
        _ = try database.write { try insertDataset($0) }
        let (outerHandle, innerHandle, innerCount) = try database.read { outer in
            let (handle, count) = try database.read { inner in
                (inner.handle, try inner.scalar("SELECT count(*) FROM datasets")?.intValue)
            }
            #expect(outer.isInTransaction)  // the inner read did not end the outer snapshot
            return (outer.handle, handle, count)
        }
        #expect(outerHandle == innerHandle)
        #expect(innerCount == 1)
        // The reader went back to the pool: another thread can use it.
        let errors = runOnThreads(1) { _ in _ = try count("datasets", in: database) }
        #expect(errors.isEmpty)
    }
}
