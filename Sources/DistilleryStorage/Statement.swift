import CSQLite

/// SQLite copies a buffer bound with this destructor before the bind call returns, so the Swift
/// buffer may go away immediately. The C macro is a cast of -1 that Swift does not import.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement. Its handle is finalized in `deinit`.
///
/// Not thread-safe: a statement belongs to the connection that prepared it and is used by whichever
/// thread currently holds that connection.
public final class Statement {
    let handle: OpaquePointer
    /// The SQL as written (placeholders, not values), for error messages.
    public let sql: String

    init(connection: OpaquePointer, sql: String, persistent: Bool) throws {
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let result = sqlite3_prepare_v3(connection, sql, -1, flags, &statement, nil)
        guard result == SQLITE_OK else {
            throw DatabaseError(resultCode: result, connection: connection, sql: sql)
        }
        guard let statement else {
            throw DatabaseError(code: SQLITE_MISUSE, message: "the SQL holds no statement", sql: sql)
        }
        self.handle = statement
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    var connectionHandle: OpaquePointer? { sqlite3_db_handle(handle) }

    func error(_ result: Int32) -> DatabaseError {
        DatabaseError(resultCode: result, connection: connectionHandle, sql: sql)
    }

    private func check(_ result: Int32) throws {
        guard result == SQLITE_OK else { throw error(result) }
    }

    // MARK: Binding (parameter indexes start at 1, as in SQLite)

    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    /// Clears earlier bindings, then binds `values` to parameters 1...n.
    public func bind(_ values: [SQLValue]) throws {
        guard values.count == parameterCount else {
            throw DatabaseError(
                code: SQLITE_RANGE,
                message: "the statement has \(parameterCount) parameters but \(values.count) values were given",
                sql: sql
            )
        }
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            try bind(value, at: offset + 1)
        }
    }

    public func bind(_ value: SQLValue, at index: Int) throws {
        switch value {
        case .null: try bindNull(at: index)
        case .integer(let integer): try bind(integer, at: index)
        case .real(let real): try bind(real, at: index)
        case .text(let text): try bind(text, at: index)
        case .blob(let bytes): try bindBlob(bytes, at: index)
        }
    }

    public func bindNull(at index: Int) throws {
        try check(sqlite3_bind_null(handle, Int32(index)))
    }

    public func bind(_ value: Int64, at index: Int) throws {
        try check(sqlite3_bind_int64(handle, Int32(index), value))
    }

    public func bind(_ value: Int, at index: Int) throws {
        try bind(Int64(value), at: index)
    }

    public func bind(_ value: Double, at index: Int) throws {
        try check(sqlite3_bind_double(handle, Int32(index), value))
    }

    public func bind(_ value: String, at index: Int) throws {
        var text = value
        try text.withUTF8 { try bindText(utf8: UnsafeRawBufferPointer($0), at: index) }
    }

    /// Binds UTF-8 bytes as TEXT without building a String: the fast path for bulk inserts of lines
    /// read from a file. The bytes are copied by SQLite; they are not validated as UTF-8.
    public func bindText(utf8 bytes: UnsafeRawBufferPointer, at index: Int) throws {
        // A nil pointer would bind NULL, and an empty buffer may have one: bind a real empty string.
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            try check(sqlite3_bind_text(handle, Int32(index), "", 0, sqliteTransient))
            return
        }
        try check(
            sqlite3_bind_text64(
                handle, Int32(index), base.assumingMemoryBound(to: CChar.self), UInt64(bytes.count),
                sqliteTransient, UInt8(SQLITE_UTF8)))
    }

    public func bindText(utf8 bytes: [UInt8], at index: Int) throws {
        try bytes.withUnsafeBytes { try bindText(utf8: $0, at: index) }
    }

    public func bindBlob(_ bytes: UnsafeRawBufferPointer, at index: Int) throws {
        // As with text: an empty blob must not become NULL.
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            try check(sqlite3_bind_zeroblob(handle, Int32(index), 0))
            return
        }
        try check(sqlite3_bind_blob64(handle, Int32(index), base, UInt64(bytes.count), sqliteTransient))
    }

    public func bindBlob(_ bytes: [UInt8], at index: Int) throws {
        try bytes.withUnsafeBytes { try bindBlob($0, at: index) }
    }

    // MARK: Stepping

    /// Advances to the next row: true when a row is available, false when the statement is done.
    @discardableResult
    public func step() throws -> Bool {
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let failure = error(result)
            sqlite3_reset(handle)
            throw failure
        }
    }

    /// Rewinds the statement so it can run again; bindings are kept (`bind(_:)` replaces them).
    public func reset() {
        // The result repeats the last step's error, which step() has already thrown.
        sqlite3_reset(handle)
    }

    public func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    /// True between the first step and the reset: the statement holds a read snapshot or a cursor.
    var isBusy: Bool { sqlite3_stmt_busy(handle) != 0 }

    // MARK: Columns (indexes start at 0, as in SQLite)

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public func columnName(at index: Int) -> String {
        sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? ""
    }

    public var columnNames: [String] { (0..<columnCount).map(columnName(at:)) }

    public func isNull(at index: Int) -> Bool {
        sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL
    }

    /// The column as an integer; NULL reads as 0, as in SQLite.
    public func int64(at index: Int) -> Int64 {
        sqlite3_column_int64(handle, Int32(index))
    }

    public func int(at index: Int) -> Int {
        Int(sqlite3_column_int64(handle, Int32(index)))
    }

    public func double(at index: Int) -> Double {
        sqlite3_column_double(handle, Int32(index))
    }

    /// The column as text, or nil when it is NULL.
    public func string(at index: Int) -> String? {
        withText(at: index) { bytes in bytes.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Lends the column's UTF-8 bytes (nil for NULL) without building a String: the fast path for
    /// streaming exports. The buffer is valid only inside `body`.
    public func withText<T>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> T) rethrows -> T {
        // sqlite3_column_text must come before sqlite3_column_bytes, or the length may be stale.
        guard let text = sqlite3_column_text(handle, Int32(index)) else {
            // NULL, or an out-of-memory conversion, which SQLite reports as NULL too.
            return try body(isNull(at: index) ? nil : UnsafeBufferPointer(start: nil, count: 0))
        }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return try body(UnsafeBufferPointer(start: text, count: count))
    }

    /// The column as bytes, or nil when it is NULL (an empty blob reads as []).
    public func blob(at index: Int) -> [UInt8]? {
        if isNull(at: index) { return nil }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        guard count > 0, let pointer = sqlite3_column_blob(handle, Int32(index)) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The column with its SQLite storage class.
    public func value(at index: Int) -> SQLValue {
        switch sqlite3_column_type(handle, Int32(index)) {
        case SQLITE_INTEGER: return .integer(int64(at: index))
        case SQLITE_FLOAT: return .real(double(at: index))
        case SQLITE_TEXT: return .text(string(at: index) ?? "")
        case SQLITE_BLOB: return .blob(blob(at: index) ?? [])
        default: return .null
        }
    }
}
