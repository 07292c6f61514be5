import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// What `distillery user …` does from the shell, on the same database the server uses (safe to
/// run while it serves: SQLite's writer lock serializes the two).
public enum ShellAdministration {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func addUser(name: String, password: String, admin: Bool, configuration: AppConfiguration) throws -> User {
        if let problem = AccountRules.nameProblem(name) { throw Failure(description: problem) }
        if let problem = AccountRules.passwordProblem(password) { throw Failure(description: problem) }
        let database = try openDatabase(configuration)
        defer { database.close() }
        let now = configuration.clock()
        switch try UserStore(database: database).create(
            name: name, passwordHash: try PasswordHasher.hash(password), role: admin ? .admin : .member, now: now)
        {
        case .created(let user)?:
            try AuditLogStore(database: database).record(
                .userCreated, user: nil, userName: "shell", detail: "user #\(user.id) \"\(user.name)\" (\(user.role.rawValue))",
                remoteAddress: "", now: now)
            return user
        case .nameTaken?, nil:
            throw Failure(description: "a user named \"\(name)\" already exists")
        }
    }

    /// Sets a new password and ends the user's sessions.
    public static func resetPassword(name: String, password: String, configuration: AppConfiguration) throws {
        if let problem = AccountRules.passwordProblem(password) { throw Failure(description: problem) }
        let database = try openDatabase(configuration)
        defer { database.close() }
        let users = UserStore(database: database)
        guard let (user, _) = try users.credentials(name: name) else { throw Failure(description: "no user named \"\(name)\"") }
        let now = configuration.clock()
        try users.setPassword(userID: user.id, passwordHash: try PasswordHasher.hash(password), now: now)
        try AuditLogStore(database: database).record(.passwordReset, user: user, userName: "shell", remoteAddress: "", now: now)
    }

    static func openDatabase(_ configuration: AppConfiguration) throws -> Database {
        try DistilleryApp.prepareDataDirectory(configuration, clearingSpool: false)
        return try Database(path: configuration.databasePath, readerCount: 1)
    }
}
