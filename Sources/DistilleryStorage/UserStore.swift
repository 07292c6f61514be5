import DistilleryCore

/// The `users` table. Password hashes go in and are checked here but never come out in a `User`.
public struct UserStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public enum CreateOutcome: Sendable, Equatable {
        case created(User)
        case nameTaken
    }

    public func count() throws -> Int {
        try database.read { try $0.scalar("SELECT COUNT(*) FROM users")?.intValue ?? 0 }
    }

    /// `onlyIfNoUsers` makes first-run setup race-free: two browsers submitting the setup form at
    /// once create one admin, not two.
    public func create(name: String, passwordHash: String, role: UserRole, now: Int64, onlyIfNoUsers: Bool = false) throws -> CreateOutcome? {
        try database.write { connection in
            if onlyIfNoUsers, (try connection.scalar("SELECT COUNT(*) FROM users")?.intValue ?? 0) > 0 { return nil }
            if try connection.queryOne("SELECT 1 FROM users WHERE name = ?", .text(name)) != nil { return .nameTaken }
            try connection.run(
                "INSERT INTO users (name, password_hash, role, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?)",
                .text(name), .text(passwordHash), .text(role.rawValue), .integer(now), .integer(now))
            return .created(User(id: connection.lastInsertRowID, name: name, role: role, createdAt: now))
        }
    }

    public func user(id: Int64) throws -> User? {
        try database.read { try $0.queryOne("SELECT id, name, role, created_at FROM users WHERE id = ?", .integer(id)).map(Self.user) }
    }

    /// The user and their password hash, for signing in. Names match case-insensitively.
    public func credentials(name: String) throws -> (user: User, passwordHash: String)? {
        try database.read { connection in
            try connection.queryOne("SELECT id, name, role, created_at, password_hash FROM users WHERE name = ?", .text(name))
                .map { (Self.user($0), $0.string("password_hash") ?? "") }
        }
    }

    public func passwordHash(userID: Int64) throws -> String? {
        try database.read { try $0.scalar("SELECT password_hash FROM users WHERE id = ?", .integer(userID))?.stringValue }
    }

    public func list() throws -> [User] {
        try database.read { try $0.query("SELECT id, name, role, created_at FROM users ORDER BY name").map(Self.user) }
    }

    /// Sets a new password and ends every session of that user.
    public func setPassword(userID: Int64, passwordHash: String, now: Int64) throws {
        try database.write { connection in
            try connection.run(
                "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
                .text(passwordHash), .integer(now), .integer(userID))
            try connection.run("DELETE FROM sessions WHERE user_id = ?", .integer(userID))
        }
    }

    /// Refuses to delete the last admin. Returns false if there was no such user.
    public func delete(userID: Int64) throws -> Bool {
        try database.write { connection in
            guard let row = try connection.queryOne("SELECT role FROM users WHERE id = ?", .integer(userID)) else { return false }
            if row.string("role") == UserRole.admin.rawValue {
                let admins = try connection.scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")?.intValue ?? 0
                if admins <= 1 { throw AppError.conflict("The last admin cannot be deleted; make another admin first.") }
            }
            try connection.run("DELETE FROM users WHERE id = ?", .integer(userID))
            return true
        }
    }

    static func user(_ row: Row) -> User {
        User(
            id: row.int64("id") ?? 0, name: row.string("name") ?? "",
            role: UserRole(rawValue: row.string("role") ?? "") ?? .member, createdAt: row.int64("created_at") ?? 0)
    }
}
