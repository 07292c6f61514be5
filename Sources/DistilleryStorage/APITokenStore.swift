import DistilleryCore

public struct APITokenInfo: Sendable, Equatable, Codable {
    public let id: Int64
    public let name: String
    public let prefix: String
    public let createdAt: Int64
    public let lastUsedAt: Int64?
    public let revokedAt: Int64?
}

/// The `api_tokens` table: named bearer tokens, stored as hashes, shown once at creation.
public struct APITokenStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func create(userID: Int64, name: String, tokenHash: String, prefix: String, now: Int64) throws -> Int64 {
        try database.write { connection in
            try connection.run(
                "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)",
                .integer(userID), .text(name), .text(tokenHash), .text(prefix), .integer(now))
            return connection.lastInsertRowID
        }
    }

    public func list(userID: Int64) throws -> [APITokenInfo] {
        try database.read { connection in
            try connection.query(
                "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC",
                .integer(userID)
            ).map(Self.info)
        }
    }

    /// The owner of a live (not revoked) token, and the token's id.
    public func owner(tokenHash: String) throws -> (user: User, tokenID: Int64)? {
        try database.read { connection in
            try connection.queryOne(
                """
                SELECT t.id AS token_id, u.id, u.name, u.role, u.created_at FROM api_tokens t JOIN users u ON u.id = t.user_id
                WHERE t.token_hash = ? AND t.revoked_at IS NULL
                """, .text(tokenHash)
            ).map { (UserStore.user($0), $0.int64("token_id") ?? 0) }
        }
    }

    public func markUsed(tokenID: Int64, now: Int64) throws {
        try database.write { try $0.run("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", .integer(now), .integer(tokenID)) }
    }

    /// Returns the token's name when it was revoked now; nil when it is not this user's or was already revoked.
    public func revoke(tokenID: Int64, userID: Int64, now: Int64) throws -> String? {
        try database.write { connection in
            guard let row = try connection.queryOne(
                "SELECT name FROM api_tokens WHERE id = ? AND user_id = ? AND revoked_at IS NULL", .integer(tokenID), .integer(userID))
            else { return nil }
            try connection.run("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", .integer(now), .integer(tokenID))
            return row.string("name")
        }
    }

    static func info(_ row: Row) -> APITokenInfo {
        APITokenInfo(
            id: row.int64("id") ?? 0, name: row.string("name") ?? "", prefix: row.string("prefix") ?? "",
            createdAt: row.int64("created_at") ?? 0, lastUsedAt: row.int64("last_used_at"), revokedAt: row.int64("revoked_at"))
    }
}
