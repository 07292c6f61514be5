import CSQLite
import Foundation
import Testing

@testable import DistilleryStorage

@Suite struct StatementTests {
    @Test func errorDescriptionsNameTheSQLButNeverTheBoundValues() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let secret = "sk-live-ZEBRA-7f3a9c-do-not-log"
        let sql = "INSERT INTO datasets (name, mode, base_model, status, created_at, updated_at) VALUES (?, ?, 'b', 's', 0, 0)"
        // 'mode' must be 'chat' or 'seeds': the secret violates the CHECK constraint.
        let error = #expect(throws: DatabaseError.self) {
            try database.write { try $0.run(sql, .text("name"), .text(secret)) }
        }
        let description = error.map { String(describing: $0) } ?? ""
        #expect(error?.code == SQLITE_CONSTRAINT)
        #expect(error?.extendedCode == 275)  // SQLITE_CONSTRAINT_CHECK
        #expect(description.contains(sql))
        #expect(description.contains("CHECK constraint failed"))
        #expect(!description.contains("ZEBRA"))
        #expect(!"\(error as Any)".contains("ZEBRA"))
    }

    @Test func foreignKeysAreEnforced() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let error = #expect(throws: DatabaseError.self) {
            try database.write { connection in
                try connection.run(
                    "INSERT INTO dataset_rows (dataset_id, idx, line, body, tokens) VALUES (?, 0, 1, 'x', 1)", 424242)
            }
        }
        #expect(error?.extendedCode == 787)  // SQLITE_CONSTRAINT_FOREIGNKEY
    }

    @Test func valuesRoundTripWithTheirStorageClass() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let values: [SQLValue] = [.null, .integer(-7), .real(2.5), .text(""), .text("héllo ✓"), .blob([]), .blob([0, 1, 255])]
        let row = try database.write { connection -> Row in
            try connection.execute("CREATE TABLE sample (a ANY, b ANY, c ANY, d ANY, e ANY, f ANY, g ANY) STRICT")
            try connection.run("INSERT INTO sample VALUES (?, ?, ?, ?, ?, ?, ?)", values)
            return try #require(try connection.queryOne("SELECT * FROM sample"))
        }
        #expect(row.values == values)
        #expect(row["A"] == .null)
        #expect(row.int64("b") == -7)
        #expect(row[2].doubleValue == 2.5)
        #expect(row.string("d") == "")  // an empty string stays text, not NULL
        #expect(row.string("e") == "héllo ✓")
        #expect(row.blob("f") == [])
        #expect(row.columnNames == ["a", "b", "c", "d", "e", "f", "g"])
        #expect(!row.hasColumn("missing"))

        try database.read { connection in
            let statement = try connection.prepare("SELECT a, b, d, e, f FROM sample")
            #expect(try statement.step())
            #expect(statement.isNull(at: 0))
            #expect(statement.string(at: 0) == nil)
            #expect(statement.int(at: 1) == -7)
            #expect(statement.string(at: 2) == "")
            #expect(statement.withText(at: 3) { $0.map(Array.init) } == Array("héllo ✓".utf8))
            #expect(statement.blob(at: 4) == [])
            #expect(try !statement.step())
        }
    }

    @Test func rawUTF8BindsAsText() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let type = try database.write { connection in
            try connection.execute("CREATE TABLE t (v ANY) STRICT")
            let insert = try connection.prepare("INSERT INTO t VALUES (?)")
            try insert.bindText(utf8: Array("bytes ✓".utf8), at: 1)
            try insert.step()
            return try connection.scalar("SELECT typeof(v) || ':' || v FROM t")?.stringValue
        }
        #expect(type == "text:bytes ✓")
    }

    @Test func cachedStatementsAreResetAndSafeToNest() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        try database.write { connection in
            for name in ["a", "b", "c"] { _ = try insertDataset(connection, name: name) }
        }
        let pairs = try database.read { connection -> [String] in
            var pairs: [String] = []
            let sql = "SELECT name FROM datasets WHERE id >= ? ORDER BY id"
            try connection.forEachRow(sql, [2]) { outer in
                let outerName = outer.string(at: 0) ?? ""
                // Same SQL while the outer loop still holds the cached statement.
                try connection.forEachRow(sql, [3]) { inner in
                    pairs.append(outerName + (inner.string(at: 0) ?? ""))
                    return true
                }
                return true
            }
            // The cached statement came back reset, with fresh bindings.
            let again = try connection.query(sql, [1]).compactMap { $0.string("name") }
            #expect(again == ["a", "b", "c"])
            #expect(try connection.cachedStatement(sql) === connection.cachedStatement(sql))
            return pairs
        }
        #expect(pairs == ["bc", "cc"])
    }

    @Test func bindingTheWrongNumberOfValuesIsAnError() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let error = #expect(throws: DatabaseError.self) {
            try database.read { try $0.query("SELECT ? + ?", 1) }
        }
        #expect(error?.message.contains("2 parameters but 1 values") == true)
    }

    @Test func executeReportsTheFailingStatementOfAScript() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        let error = #expect(throws: DatabaseError.self) {
            try database.write { try $0.execute("CREATE TABLE ok (x INTEGER); SELECT * FROM missing_table; CREATE TABLE never (y)") }
        }
        #expect(error?.sql?.contains("missing_table") == true)
        #expect(error?.sql?.contains("never") == false)
        #expect(try database.read { try $0.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'ok'")?.intValue } == 0)
    }

    @Test func doubleQuotedStringLiteralsAreRejected() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("db.sqlite"))
        defer { database.close() }
        #expect(throws: DatabaseError.self) {
            try database.read { try $0.query(#"SELECT id FROM datasets WHERE name = "oops""#) }
        }
    }
}
