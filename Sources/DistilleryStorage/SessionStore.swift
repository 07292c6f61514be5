import DistilleryCore

public struct StoredSession: Sendable, Equatable {
    public let id: Int64
    public let user: User
    public let csrfToken: String
    public let createdAt: Int64
    public let lastSeenAt: Int64
}

/// The `sessions` table. Only a hash of each session token is stored, so a copy of the database
/// does not let anyone sign in.
public struct SessionStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func create(tokenHash: String, userID: Int64, csrfToken: String, remoteAddress: String, now: Int64) throws {
        try database.write { connection in
            try connection.run(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, remote_address) VALUES (?, ?, ?, ?, ?, ?)",
                .text(tokenHash), .integer(userID), .text(csrfToken), .integer(now), .integer(now), .text(remoteAddress))
        }
    }

    public func session(tokenHash: String) throws -> StoredSession? {
        try database.read { connection in
            try connection.queryOne(
                """
                SELECT s.id, s.csrf_token, s.created_at, s.last_seen_at, u.id AS user_id, u.name, u.role, u.created_at AS user_created_at
                FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?
                """, .text(tokenHash)
            ).map { row in
                StoredSession(
                    id: row.int64("id") ?? 0,
                    user: User(
                        id: row.int64("user_id") ?? 0, name: row.string("name") ?? "",
                        role: UserRole(rawValue: row.string("role") ?? "") ?? .member, createdAt: row.int64("user_created_at") ?? 0),
                    csrfToken: row.string("csrf_token") ?? "", createdAt: row.int64("created_at") ?? 0,
                    lastSeenAt: row.int64("last_seen_at") ?? 0)
            }
        }
    }

    public func touch(sessionID: Int64, now: Int64) throws {
        try database.write { try $0.run("UPDATE sessions SET last_seen_at = ? WHERE id = ?", .integer(now), .integer(sessionID)) }
    }

    public func delete(sessionID: Int64) throws {
        try database.write { try $0.run("DELETE FROM sessions WHERE id = ?", .integer(sessionID)) }
    }

    /// Removes sessions idle longer than `idleMilliseconds` or older than `maximumMilliseconds`.
    @discardableResult
    public func purgeExpired(now: Int64, idleMilliseconds: Int64, maximumMilliseconds: Int64) throws -> Int {
        try database.write { connection in
            try connection.run(
                "DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?",
                .integer(now - idleMilliseconds), .integer(now - maximumMilliseconds))
            return connection.changes
        }
    }
}
