import DistilleryCore

/// A saved teacher key as shown to its owner: never the key, only its provider, label and last four characters.
public struct TeacherKeyInfo: Sendable, Equatable, Codable {
    public let id: Int64
    public let userID: Int64?
    public let provider: String
    public let label: String
    public let lastFour: String
    public let jobID: Int64?
    public let createdAt: Int64
    public let lastUsedAt: Int64?
}

/// The `teacher_keys` table holds only sealed ciphertext (see `Vault` in the server layer).
/// Keys saved in an account have a `user_id`; keys pasted for one synthesis job have a `job_id`
/// and are deleted when the job ends.
public struct TeacherKeyStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Inserts the row first so its id exists, then stores what `seal` makes with that id as the
    /// associated data, in one transaction: a ciphertext is bound to its row.
    public func insert(
        userID: Int64?, provider: String, label: String, lastFour: String, jobID: Int64?, now: Int64,
        auditedAs audit: (Connection, Int64) throws -> Void = { _, _ in },
        seal: (Int64) throws -> [UInt8]
    ) throws -> Int64 {
        try database.write { connection in
            try connection.run(
                "INSERT INTO teacher_keys (user_id, provider, label, last_four, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                SQLValue(userID), .text(provider), .text(label), .text(lastFour), SQLValue(jobID), .integer(now))
            let id = connection.lastInsertRowID
            try connection.run("UPDATE teacher_keys SET sealed = ? WHERE id = ?", .blob(try seal(id)), .integer(id))
            try audit(connection, id)
            return id
        }
    }

    public func list(userID: Int64) throws -> [TeacherKeyInfo] {
        try database.read { connection in
            try connection.query(
                "\(Self.selectInfo) WHERE user_id = ? AND job_id IS NULL ORDER BY id DESC", .integer(userID)
            ).map(Self.info)
        }
    }

    public func key(id: Int64) throws -> (info: TeacherKeyInfo, sealed: [UInt8])? {
        try database.read { connection in
            try connection.queryOne("SELECT \(Self.columns), sealed FROM teacher_keys WHERE id = ?", .integer(id))
                .map { (Self.info($0), $0.blob("sealed") ?? []) }
        }
    }

    public func markUsed(id: Int64, now: Int64) throws {
        try database.write { try $0.run("UPDATE teacher_keys SET last_used_at = ? WHERE id = ?", .integer(now), .integer(id)) }
    }

    /// Deletes a key saved by `userID` (any user's when `userID` is nil); returns what was deleted.
    public func delete(id: Int64, userID: Int64?, auditedAs audit: (Connection, TeacherKeyInfo) throws -> Void = { _, _ in }) throws -> TeacherKeyInfo? {
        try database.write { connection in
            guard let row = try connection.queryOne("\(Self.selectInfo) WHERE id = ?", .integer(id)) else { return nil }
            let info = Self.info(row)
            if let userID, info.userID != userID { return nil }
            try connection.run("DELETE FROM teacher_keys WHERE id = ?", .integer(id))
            try audit(connection, info)
            return info
        }
    }

    /// Every sealed value, re-sealed by `reseal(id, sealed)`, and the canary replaced, in one
    /// transaction: either all rows move to the new master key or none do.
    public func resealAll(canary: [UInt8], reseal: (Int64, [UInt8]) throws -> [UInt8]) throws -> Int {
        try database.write { connection in
            let rows = try connection.query("SELECT id, sealed FROM teacher_keys WHERE sealed IS NOT NULL")
            for row in rows {
                let id = row.int64("id") ?? 0
                try connection.run("UPDATE teacher_keys SET sealed = ? WHERE id = ?", .blob(try reseal(id, row.blob("sealed") ?? [])), .integer(id))
            }
            try connection.run("INSERT OR REPLACE INTO vault_canary (id, sealed) VALUES (1, ?)", .blob(canary))
            return rows.count
        }
    }

    public func canary() throws -> [UInt8]? {
        try database.read { try $0.scalar("SELECT sealed FROM vault_canary WHERE id = 1")?.blobValue }
    }

    public func setCanaryIfMissing(_ sealed: [UInt8]) throws {
        try database.write { try $0.run("INSERT OR IGNORE INTO vault_canary (id, sealed) VALUES (1, ?)", .blob(sealed)) }
    }

    private static let columns = "id, user_id, provider, label, last_four, job_id, created_at, last_used_at"
    private static let selectInfo = "SELECT \(columns) FROM teacher_keys"

    static func info(_ row: Row) -> TeacherKeyInfo {
        TeacherKeyInfo(
            id: row.int64("id") ?? 0, userID: row.int64("user_id"), provider: row.string("provider") ?? "",
            label: row.string("label") ?? "", lastFour: row.string("last_four") ?? "", jobID: row.int64("job_id"),
            createdAt: row.int64("created_at") ?? 0, lastUsedAt: row.int64("last_used_at"))
    }
}
