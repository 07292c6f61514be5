import CSQLite

/// Applies an append-only list of migrations, counted in `PRAGMA user_version`.
enum Migrator {
    /// Runs every migration after the file's `user_version`, each in its own transaction together with
    /// the version bump, so a crash never leaves a half-applied migration counted as done.
    static func migrate(_ connection: Connection, to migrations: [String], path: String) throws {
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
