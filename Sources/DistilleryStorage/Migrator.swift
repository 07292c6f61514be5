import CSQLite

/// Applies an append-only list of migrations, counted in `PRAGMA user_version`.
enum Migrator {
    /// Runs every migration after the file's `user_version`, each in its own transaction together with
    /// the version bump, so a crash never leaves a half-applied migration counted as done.
    ///
    /// Foreign keys are off meanwhile: rebuilding a table SQLite cannot alter (a new CHECK) means dropping it,
    /// and dropping a parent table with them on would cascade into its children. Instead each migration must
    /// leave every reference intact: `foreign_key_check` runs before its commit (SQLite's documented procedure;
    /// `PRAGMA foreign_keys` does nothing inside a transaction, hence out here).
    static func migrate(_ connection: Connection, to migrations: [String], path: String) throws {
        try connection.execute("PRAGMA foreign_keys = OFF")
        do {
            try applyPending(connection, migrations: migrations, path: path)
        } catch {
            try? connection.execute("PRAGMA foreign_keys = ON")
            throw error
        }
        try connection.execute("PRAGMA foreign_keys = ON")
    }

    private static func applyPending(_ connection: Connection, migrations: [String], path: String) throws {
        let version = Int(try connection.pragmaInteger("user_version") ?? 0)
        guard version <= migrations.count else {
            throw DatabaseError(
                code: SQLITE_CANTOPEN,
                message: "the database at \(path) has schema version \(version), newer than this program knows "
                    + "(\(migrations.count)); it was written by a newer release of Distillery, so upgrade instead of "
                    + "opening it with this one")
        }
        for index in version..<migrations.count {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                try connection.execute(migrations[index])
                if let broken = try connection.queryOne("PRAGMA foreign_key_check") {
                    throw DatabaseError(
                        code: SQLITE_CONSTRAINT,
                        message: "it leaves a broken reference: row \(broken.int64("rowid").map(String.init) ?? "?") of "
                            + "\(broken.string("table") ?? "?") points to a missing row of \(broken.string("parent") ?? "?")")
                }
                // PRAGMA takes no parameters; the value is our own integer.
                try connection.execute("PRAGMA user_version = \(index + 1)")
                try connection.execute("COMMIT")
            } catch let error as DatabaseError {
                if connection.isInTransaction { try? connection.execute("ROLLBACK") }
                throw DatabaseError(
                    code: error.code, extendedCode: error.extendedCode,
                    message: "migration \(index + 1) failed: \(error.message)", sql: error.sql)
            }
        }
    }
}
