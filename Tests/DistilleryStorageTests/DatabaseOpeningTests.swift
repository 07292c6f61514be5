import CSQLite
import Foundation
import Testing

@testable import DistilleryStorage

@Suite struct DatabaseOpeningTests {
    @Test func everyConnectionHasThePragmasInEffect() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"), readerCount: 3)
        defer { database.close() }

        @Sendable func pragmas(_ connection: Connection) throws -> [String: String] {
            var result: [String: String] = [:]
            for name in ["journal_mode", "foreign_keys", "busy_timeout", "synchronous", "query_only"] {
                result[name] = try connection.scalar("PRAGMA \(name)").map { value in
                    value.stringValue ?? value.int64Value.map(String.init) ?? "?"
                }
            }
            return result
        }

        let writerPragmas = try database.write { try pragmas($0) }
        #expect(
            writerPragmas == [
                "journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000", "synchronous": "1",
                "query_only": "0",
            ])

        // Three threads hold the three readers at once, so each reader is checked, not one thrice.
        let readerPragmas = Locked<[[String: String]]>([])
        let handles = Locked<Set<OpaquePointer>>([])
        let inside = Locked(0)
        let errors = runOnThreads(3) { _ in
            try database.read { connection in
                let found = try pragmas(connection)
                readerPragmas.withLock { $0.append(found) }
                handles.withLock { _ = $0.insert(connection.handle) }
                inside.withLock { $0 += 1 }
                let deadline = Date().addingTimeInterval(10)
                while inside.current < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
            }
        }
        #expect(errors.isEmpty)
        #expect(handles.current.count == 3)
        for pragmas in readerPragmas.current {
            #expect(
                pragmas == [
                    "journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000", "synchronous": "1",
                    "query_only": "1",
                ])
        }
    }

    @Test func readersRefuseToWrite() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let error = #expect(throws: DatabaseError.self) {
            try database.read { try insertDataset($0) }
        }
        #expect(error?.code == SQLITE_READONLY)
    }

    @Test func migrationsRunOnceAndAreCountedInUserVersion() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("db.sqlite")
        do {
            let database = try Database(path: path)
            let version = try database.read { try $0.scalar("PRAGMA user_version")?.intValue }
            #expect(version == Schema.migrations.count)
            let tables = try database.read { connection in
                try connection.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
                    .compactMap { $0.string("name") }
            }
            #expect(tables.contains("jobs"))
            #expect(tables.contains("datasets"))
            _ = try database.write { try insertDataset($0, name: "kept") }
            database.close()
        }
        // Reopening must not run migration 1 again (its CREATE TABLE would fail) nor lose data.
        let reopened = try Database(path: path)
        defer { reopened.close() }
        #expect(try reopened.read { try $0.scalar("PRAGMA user_version")?.intValue } == Schema.migrations.count)
        #expect(try reopened.read { try $0.scalar("SELECT name FROM datasets")?.stringValue } == "kept")
    }

    @Test func aNewerSchemaVersionIsRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("db.sqlite")
        let tooNew = Schema.migrations.count + 1
        do {
            let database = try Database(path: path)
            try database.write { try $0.execute("PRAGMA user_version = \(tooNew)") }
            database.close()
        }
        let error = #expect(throws: DatabaseError.self) { try Database(path: path) }
        #expect(error?.description.contains("schema version \(tooNew)") == true)
        #expect(error?.description.contains("newer") == true)
    }

    @Test func aMissingFolderIsAClearError() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("no-such-folder/db.sqlite")
        let error = #expect(throws: DatabaseError.self) { try Database(path: path) }
        #expect(error?.message.contains("does not exist") == true)
        #expect(error?.message.contains("no-such-folder") == true)
    }

    @Test func closeSucceedsWhenEveryStatementIsFinalized() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        try database.write { connection in
            let id = try insertDataset(connection)
            let statement = try connection.prepare("UPDATE datasets SET name = ? WHERE id = ?")
            try statement.bind(["renamed", .integer(id)])
            try statement.step()
            _ = try connection.query("SELECT * FROM datasets")
        }
        try database.read { connection in
            try connection.forEachRow("SELECT id FROM datasets") { _ in false }  // stops early
            let statement = try connection.prepare("SELECT name FROM datasets")
            #expect(try statement.step())
            #expect(statement.string(at: 0) == "renamed")
        }
        try database.checkedClose()
        #expect(throws: DatabaseError.closed) { try database.read { _ in } }
        #expect(throws: DatabaseError.closed) { try database.write { _ in } }
        database.close()  // a second close is harmless
    }

    @Test func closeReportsALeakedStatement() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        var leaked: Statement? = try database.write { try $0.prepare("SELECT 1") }
        let error = #expect(throws: DatabaseError.self) { try database.checkedClose() }
        #expect(error?.code == SQLITE_BUSY)
        #expect(leaked != nil)
        leaked = nil  // finalizing it lets the zombie connection close
        _ = leaked
    }
}
