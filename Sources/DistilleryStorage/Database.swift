import CSQLite
import Foundation

/// One SQLite database file: a single writer connection behind a lock and a pool of readers.
///
/// WAL mode lets readers run while the writer holds a transaction, and each reader sees the data
/// committed when its `read` began. Opening runs `Schema.migrations`.
public final class Database: @unchecked Sendable {
    private let generationLock = NSLock()
    private var generation: UInt64 = 0
    public let path: String

    /// How long a connection waits for a lock held by another connection before SQLITE_BUSY.
    public static let busyTimeoutMilliseconds = 5000

    // `writer` is only touched with `writerLock` held; `writerThread` lets a nested `write` on the
    // same thread fail clearly instead of deadlocking on the non-recursive lock.
    private let writerLock = NSLock()
    private var writer: Connection?
    // A plain lock rather than Synchronization.Atomic, which needs macOS 15 and the package says 14.
    private let writerThreadLock = NSLock()
    private var writerThreadStorage: UInt = 0
    private var writerThread: UInt {
        get { writerThreadLock.withLock { writerThreadStorage } }
        set { writerThreadLock.withLock { writerThreadStorage = newValue } }
    }
    private let readers: ReaderPool

    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    /// The folder must already exist and be writable (SQLite also writes `-wal` and `-shm` files beside it).
    public init(path: String, readerCount: Int = 4) throws {
        guard readerCount >= 1 else {
            throw DatabaseError(code: SQLITE_MISUSE, message: "readerCount must be at least 1, got \(readerCount)")
        }
        // NOMUTEX below relies on SQLite's own locking being compiled in for multi-threaded use.
        guard sqlite3_threadsafe() != 0 else {
            throw DatabaseError(code: SQLITE_MISUSE, message: "the linked SQLite was built without thread support")
        }
        try Self.checkLocation(path)
        try Self.restrictToOwner(path)
        self.path = path

        // SQLITE_OPEN_NOMUTEX ("multi-thread" mode): each connection is used by one thread at a time,
        // guaranteed by `writerLock` and the reader pool, so SQLite's per-connection mutex (FULLMUTEX)
        // would only add a lock/unlock to every call. Access from several threads stays safe because
        // SQLite's shared structures are still guarded in this mode.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let writer = try Connection(path: path, flags: flags)
        try Self.configure(writer, isReader: false)
        try Migrator.migrate(writer, to: Schema.migrations, path: path)
        self.writer = writer

        var readerConnections: [Connection] = []
        for _ in 0..<readerCount {
            let reader = try Connection(path: path, flags: flags)
            try Self.configure(reader, isReader: true)
            readerConnections.append(reader)
        }
        self.readers = ReaderPool(connections: readerConnections)
    }

    deinit {
        close()
    }

    private static func checkLocation(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let folderPath = folder.isEmpty ? "." : folder
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folderPath, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatabaseError(
                code: SQLITE_CANTOPEN,
                message: "cannot open the database at \(path): the folder \(folderPath) does not exist")
        }
        guard access(folderPath, W_OK | X_OK) == 0 else {
            throw DatabaseError(
                code: SQLITE_CANTOPEN,
                message: "cannot open the database at \(path): the folder \(folderPath) is not writable "
                    + "(SQLite needs to create the -wal and -shm files there)")
        }
        if FileManager.default.fileExists(atPath: path), access(path, R_OK | W_OK) != 0 {
            throw DatabaseError(
                code: SQLITE_CANTOPEN,
                message: "cannot open the database at \(path): the file is not readable and writable")
        }
    }

    /// The database holds password hashes, sealed keys and every dataset: owner only (0600). SQLite
    /// creates `-wal` and `-shm` with the database file's mode, so creating the file here first is
    /// enough for a new database; an older one (and its journal files) is tightened in place.
    private static func restrictToOwner(_ path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw DatabaseError(
                code: SQLITE_CANTOPEN, message: "cannot open the database at \(path): \(String(cString: strerror(errno)))")
        }
        _ = fchmod(descriptor, 0o600)
        Glibc.close(descriptor)
        // Absent files are fine: SQLite creates them later with the database file's mode.
        for journal in [path + "-wal", path + "-shm"] { _ = chmod(journal, 0o600) }
    }

    /// Per-connection settings. busy_timeout comes first: switching to WAL takes a lock, and without
    /// a timeout a second process or connection opening at the same moment fails with SQLITE_BUSY
    /// at once (PocketBase core/db_connect.go puts it first for that reason).
    private static func configure(_ connection: Connection, isReader: Bool) throws {
        try connection.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
        let journalMode = try connection.pragmaText("journal_mode = WAL")
        guard journalMode?.lowercased() == "wal" else {
            throw DatabaseError(
                code: SQLITE_CANTOPEN,
                message: "cannot switch \(connection.filename) to WAL mode (journal_mode is \(journalMode ?? "unknown"))")
        }
        try connection.execute("PRAGMA foreign_keys = ON")
        // NORMAL is durable against application crashes in WAL mode; only a power loss can drop the
        // last commits, and never corrupts the file.
        try connection.execute("PRAGMA synchronous = NORMAL")
        // Reject "double-quoted" string literals, so a misquoted column name fails loudly instead of
        // silently becoming a string, and forbid the features that can corrupt a file (writable_schema).
        for option in [SQLITE_DBCONFIG_DQS_DML, SQLITE_DBCONFIG_DQS_DDL] {
            try connection.setConfig(option, enabled: false)
        }
        try connection.setConfig(SQLITE_DBCONFIG_DEFENSIVE, enabled: true)
        if isReader {
            try connection.execute("PRAGMA query_only = ON")
        }
    }

    // MARK: Access

    /// Runs `body` on a reader connection inside a read transaction, so every query in `body` sees
    /// the same committed snapshot. Many threads read at once, up to `readerCount`, and readers never
    /// wait for the writer. Writes through this connection fail (query_only).
    ///
    /// A `read` nested in another on the same thread joins the outer one (same connection, same
    /// snapshot). A `read` inside a `write` does not see the write's uncommitted changes.
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        let thread = currentThreadID()
        if let outer = readers.connection(lentTo: thread) {
            return try body(outer)
        }
        let reader = try readers.acquire(for: thread)
        defer { readers.release(reader, from: thread) }
        try reader.run("BEGIN DEFERRED")
        defer {
            // Ends the snapshot; a read-only transaction cannot fail to commit in a way worth reporting.
            if reader.isInTransaction { try? reader.run("COMMIT") }
        }
        return try body(reader)
    }

    /// Runs `body` in a `BEGIN IMMEDIATE … COMMIT` transaction on the single writer connection.
    /// If `body` throws, the transaction is rolled back and the error rethrown.
    /// Do not call `write` from inside `write`: use the connection you were given.
    public func write<T>(_ body: (Connection) throws -> T) throws -> T {
        let thread = currentThreadID()
        guard writerThread != thread else {
            throw DatabaseError(
                code: SQLITE_MISUSE,
                message: "write was called inside a write on the same thread; use the connection you were given")
        }
        writerLock.lock()
        defer { writerLock.unlock() }
        guard let writer else { throw DatabaseError.closed }
        writerThread = thread
        defer { writerThread = 0 }

        try writer.run("BEGIN IMMEDIATE")
        do {
            let result = try body(writer)
            try writer.run("COMMIT")
            generationLock.lock()
            generation &+= 1
            generationLock.unlock()
            return result
        } catch {
            if writer.isInTransaction { try? writer.run("ROLLBACK") }
            throw error
        }
    }

    /// Counts this process's committed write transactions, so derived data (a cached response) can
    /// tell whether it may be stale. Writes by other processes are not counted.
    public var writeGeneration: UInt64 {
        generationLock.lock()
        defer { generationLock.unlock() }
        return generation
    }

    /// Closes every connection, waiting for reads in progress. Later calls to `read` and `write` throw.
    /// Safe to call more than once.
    public func close() {
        do {
            try checkedClose()
        } catch {
            // A leaked statement kept a connection open; it closes (close_v2) when the statement dies.
        }
    }

    /// `close()`, but throws when SQLite refuses to close a connection because a statement prepared
    /// on it is still alive (a leak): the strict form, for tests and orderly shutdown.
    public func checkedClose() throws {
        var firstError: Error?
        for reader in readers.drain() {
            do { try reader.close() } catch { firstError = firstError ?? error }
        }
        writerLock.lock()
        let writer = self.writer
        self.writer = nil
        writerLock.unlock()
        do { try writer?.close() } catch { firstError = firstError ?? error }
        if let firstError { throw firstError }
    }
}

/// An identifier for the calling thread, never 0.
func currentThreadID() -> UInt {
    #if canImport(Glibc)
        return UInt(pthread_self())
    #else
        return UInt(bitPattern: pthread_self())
    #endif
}

extension Connection {
    var filename: String {
        sqlite3_db_filename(handle, "main").map { String(cString: $0) } ?? "the database"
    }

    func setConfig(_ option: Int32, enabled: Bool) throws {
        var current: Int32 = 0
        let result = distillery_sqlite3_db_config_int(handle, option, enabled ? 1 : 0, &current)
        guard result == SQLITE_OK else {
            throw DatabaseError(resultCode: result, connection: handle, sql: nil)
        }
    }
}
