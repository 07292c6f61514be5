import DistilleryCore

public struct AuditEntry: Sendable, Equatable, Codable {
    public let id: Int64
    public let at: Int64
    public let userID: Int64?
    public let userName: String
    public let action: String
    public let detail: String
    public let remoteAddress: String
}

/// The append-only `audit_log` table: who did what, when, from where. Details name things
/// (a token's name, a key's label and last four characters), never secrets.
public struct AuditLogStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func record(
        _ action: AuditAction, user: User?, userName: String? = nil, detail: String = "", remoteAddress: String, now: Int64
    ) throws {
        try database.write { connection in
            try Self.record(in: connection, action, user: user, userName: userName, detail: detail, remoteAddress: remoteAddress, now: now)
        }
    }

    /// Inside the caller's transaction, so the audited change and its entry commit together.
    public static func record(
        in connection: Connection, _ action: AuditAction, user: User?, userName: String? = nil, detail: String = "",
        remoteAddress: String, now: Int64
    ) throws {
        try connection.run(
            "INSERT INTO audit_log (at, user_id, user_name, action, detail, remote_address) VALUES (?, ?, ?, ?, ?, ?)",
            .integer(now), SQLValue(user?.id), .text(user?.name ?? userName ?? ""), .text(action.rawValue), .text(detail),
            .text(remoteAddress))
    }

    public func entries(offset: Int, limit: Int) throws -> [AuditEntry] {
        try database.read { connection in
            try connection.query(
                "SELECT id, at, user_id, user_name, action, detail, remote_address FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?",
                SQLValue(limit), SQLValue(offset)
            ).map { row in
                AuditEntry(
                    id: row.int64("id") ?? 0, at: row.int64("at") ?? 0, userID: row.int64("user_id"),
                    userName: row.string("user_name") ?? "", action: row.string("action") ?? "", detail: row.string("detail") ?? "",
                    remoteAddress: row.string("remote_address") ?? "")
            }
        }
    }

    public func count() throws -> Int {
        try database.read { try $0.scalar("SELECT COUNT(*) FROM audit_log")?.intValue ?? 0 }
    }
}
