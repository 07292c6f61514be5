import CSQLite

/// One SQLite connection.
///
/// Not thread-safe by itself, on purpose: `Database` hands each connection to one thread at a time
/// (the writer behind a lock, readers through a pool), which is why connections are opened with
/// SQLITE_OPEN_NOMUTEX. Do not keep a connection, or a statement from it, beyond the `read`/`write`
/// closure that lent it to you.
public final class Connection {
    let handle: OpaquePointer
    private var statementCache: [String: Statement] = [:]
    private var isClosed = false

    init(path: String, flags: Int32) throws {
        var handle: OpaquePointer?
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        guard result == SQLITE_OK, let handle else {
            let error = DatabaseError(resultCode: result, connection: handle, sql: nil)
            // sqlite3_open_v2 allocates a handle even on failure; it must still be closed.
            sqlite3_close_v2(handle)
            throw DatabaseError(
                code: error.code, extendedCode: error.extendedCode,
                message: "cannot open the database at \(path): \(error.message)")
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit {
        // close_v2 defers the real close until the last statement is finalized, so a leaked statement
        // cannot make deinit fail; `close()` is the strict form.
        if !isClosed {
            statementCache.removeAll()
            sqlite3_close_v2(handle)
        }
    }

    /// Finalizes cached statements and closes the connection. Throws SQLITE_BUSY when a statement
    /// prepared on this connection is still alive, which is a leak worth hearing about.
    func close() throws {
        guard !isClosed else { return }
        statementCache.removeAll()
        let result = sqlite3_close(handle)
        guard result == SQLITE_OK else {
            throw DatabaseError(resultCode: result, connection: handle, sql: nil)
        }
        isClosed = true
    }

    // MARK: Running SQL

    /// Runs one or more `;`-separated statements that take no parameters (migrations, pragmas).
    public func execute(_ sql: String) throws {
        try sql.withCString { start in
            var next: UnsafePointer<CChar>? = start
            while let current = next, current.pointee != 0 {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let result = sqlite3_prepare_v2(handle, current, -1, &statement, &tail)
                guard result == SQLITE_OK else {
                    // Name the statement that failed, not the whole script.
                    throw DatabaseError(resultCode: result, connection: handle, sql: Self.text(from: current, to: tail))
                }
                // A trailing comment or whitespace prepares to no statement.
                guard let statement else { break }
                defer { sqlite3_finalize(statement) }
                var stepResult = sqlite3_step(statement)
                while stepResult == SQLITE_ROW { stepResult = sqlite3_step(statement) }
                guard stepResult == SQLITE_DONE else {
                    let sqlText = sqlite3_sql(statement).map { String(cString: $0) }
                    throw DatabaseError(resultCode: stepResult, connection: handle, sql: sqlText)
                }
                next = tail
            }
        }
    }

    private static func text(from start: UnsafePointer<CChar>, to end: UnsafePointer<CChar>?) -> String {
        guard let end, end > start else { return String(cString: start) }
        let bytes = UnsafeRawBufferPointer(start: start, count: end - start)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Prepares a statement owned by the caller; it is finalized when released.
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(connection: handle, sql: sql, persistent: false)
    }

    /// A prepared statement from this connection's cache, reset and with bindings cleared.
    ///
    /// If the cached statement is still in use (a query nested inside a loop over the same SQL),
    /// a fresh uncached statement is returned instead, so nesting is safe.
    public func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] {
            if statement.isBusy { return try prepare(sql) }
            statement.reset()
            statement.clearBindings()
            return statement
        }
        let statement = try Statement(connection: handle, sql: sql, persistent: true)
        statementCache[sql] = statement
        return statement
    }

    /// Runs one statement that returns no rows of interest.
    public func run(_ sql: String, _ values: SQLValue...) throws {
        try run(sql, values)
    }

    public func run(_ sql: String, _ values: [SQLValue]) throws {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
    }

    /// Every row of a query, detached from the statement.
    public func query(_ sql: String, _ values: SQLValue...) throws -> [Row] {
        try query(sql, values)
    }

    public func query(_ sql: String, _ values: [SQLValue]) throws -> [Row] {
        var rows: [Row] = []
        var columns: Row.Columns?
        try forEachRow(sql, values) { statement in
            let shared = columns ?? Row.Columns(names: statement.columnNames)
            columns = shared
            rows.append(Row(statement: statement, columns: shared))
            return true
        }
        return rows
    }

    /// The first row of a query, or nil.
    public func queryOne(_ sql: String, _ values: SQLValue...) throws -> Row? {
        var row: Row?
        try forEachRow(sql, values) { statement in
            row = Row(statement: statement, columns: Row.Columns(names: statement.columnNames))
            return false
        }
        return row
    }

    /// The first column of the first row, or nil when there is no row (`SELECT count(*) ...`).
    public func scalar(_ sql: String, _ values: SQLValue...) throws -> SQLValue? {
        var value: SQLValue?
        try forEachRow(sql, values) { statement in
            value = statement.value(at: 0)
            return false
        }
        return value
    }

    /// Streams rows without materializing them: `body` reads columns from the statement and
    /// returns false to stop early. The statement is only valid inside `body`.
    public func forEachRow(_ sql: String, _ values: [SQLValue] = [], body: (Statement) throws -> Bool) throws {
        let statement = try cachedStatement(sql)
        // Reset even when stopping early, so the statement releases its read snapshot.
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {
            guard try body(statement) else { break }
        }
    }

    /// The rowid of the last successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE on this connection.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// True inside BEGIN ... COMMIT.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The first column of a pragma as text (`journal_mode` answers "wal").
    func pragmaText(_ name: String) throws -> String? {
        try scalar("PRAGMA \(name)")?.stringValue
    }

    func pragmaInteger(_ name: String) throws -> Int64? {
        try scalar("PRAGMA \(name)")?.int64Value
    }
}
