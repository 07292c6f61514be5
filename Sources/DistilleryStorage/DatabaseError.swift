import CSQLite

/// An SQLite failure, or a failure of this wrapper to open or use a database.
///
/// The description names the SQL that failed but never the values bound to it: those may be API keys,
/// passwords or user data, and error descriptions end up in logs and HTTP responses.
public struct DatabaseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The primary result code (`SQLITE_CONSTRAINT`, `SQLITE_BUSY`, ...).
    public var code: Int32
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, ...); equal to `code` when there is none.
    public var extendedCode: Int32
    public var message: String
    /// The SQL text as written, with `?` placeholders; never the expanded SQL.
    public var sql: String?

    public init(code: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil) {
        self.code = code
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
    }

    /// Builds the error from a connection's last failure. `resultCode` may be primary or extended.
    init(resultCode: Int32, connection: OpaquePointer?, sql: String?) {
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? resultCode
        // The connection's extended code is only trustworthy when it agrees with the code we were handed
        // (another call on the connection may have replaced it).
        let useExtended = (extended & 0xFF) == (resultCode & 0xFF)
        let message: String
        if let connection, useExtended, let text = sqlite3_errmsg(connection) {
            message = String(cString: text)
        } else {
            message = String(cString: sqlite3_errstr(resultCode))
        }
        self.init(
            code: resultCode & 0xFF,
            extendedCode: useExtended ? extended : resultCode,
            message: message,
            sql: sql
        )
    }

    public var description: String {
        var text = "SQLite error \(code)"
        if extendedCode != code { text += " (extended \(extendedCode))" }
        text += ": \(message)"
        if let sql { text += " — in SQL: \(sql)" }
        return text
    }

    /// Used after `Database.close()`.
    static let closed = DatabaseError(code: SQLITE_MISUSE, message: "the database has been closed")
}
