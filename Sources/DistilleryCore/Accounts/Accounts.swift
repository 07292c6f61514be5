public enum UserRole: String, Codable, Sendable, CaseIterable {
    case admin
    case member
}

/// A user as handlers see it (never with the password hash).
public struct User: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let role: UserRole
    public let createdAt: Int64

    public init(id: Int64, name: String, role: UserRole, createdAt: Int64) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }

    public var isAdmin: Bool { role == .admin }

    /// Members may delete what they created; admins anything.
    public func mayDelete(createdBy owner: Int64?) -> Bool {
        isAdmin || (owner != nil && owner == id)
    }
}

/// Rules for names and passwords, shared by the setup page, the admin page and the CLI.
public enum AccountRules {
    public static let minimumPasswordLength = 10
    public static let maximumPasswordLength = 1024
    public static let maximumNameLength = 64

    /// nil when acceptable, else the reason.
    public static func passwordProblem(_ password: String) -> String? {
        let length = password.count
        if length < minimumPasswordLength {
            return "The password must be at least \(minimumPasswordLength) characters long."
        }
        if length > maximumPasswordLength {
            return "The password must be at most \(maximumPasswordLength) characters long."
        }
        return nil
    }

    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "Enter a user name." }
        if name.count > maximumNameLength { return "The user name must be at most \(maximumNameLength) characters." }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-@".unicodeScalars.contains(scalar)
        }
        if !allowed { return "Use letters, digits and . _ - @ only in a user name." }
        return nil
    }
}

/// Slows repeated failed sign-ins per user name and per address. After `freeAttempts` failures
/// in a row, each further failure doubles the wait before another attempt is considered, up to
/// `maximumLockSeconds`; a success clears the key. Pure: the caller passes the time.
public struct LoginThrottle: Sendable {
    public struct Entry: Sendable, Equatable {
        public var failures: Int
        public var lockedUntil: Int64
        public var lastFailure: Int64
    }

    public let freeAttempts: Int
    public let maximumLockSeconds: Int64
    /// Failures older than this are forgotten.
    public let memorySeconds: Int64
    public private(set) var entries: [String: Entry] = [:]

    public init(freeAttempts: Int = 5, maximumLockSeconds: Int64 = 900, memorySeconds: Int64 = 3600) {
        self.freeAttempts = freeAttempts
        self.maximumLockSeconds = maximumLockSeconds
        self.memorySeconds = memorySeconds
    }

    /// Seconds to wait before an attempt on any of `keys` is considered (0 = go ahead).
    public func waitSeconds(for keys: [String], now: Int64) -> Int64 {
        keys.compactMap { entries[$0] }.map { max(0, ($0.lockedUntil - now + 999) / 1000) }.max() ?? 0
    }

    public mutating func recordFailure(for keys: [String], now: Int64) {
        for key in keys {
            var entry = entries[key] ?? Entry(failures: 0, lockedUntil: 0, lastFailure: now)
            if now - entry.lastFailure > memorySeconds * 1000 { entry.failures = 0 }
            entry.failures += 1
            entry.lastFailure = now
            if entry.failures >= freeAttempts {
                let exponent = min(entry.failures - freeAttempts, 20)
                let seconds = min(maximumLockSeconds, Int64(1) << exponent)
                entry.lockedUntil = now + seconds * 1000
            }
            entries[key] = entry
        }
        if entries.count > 10_000 { forgetOld(now: now) }
    }

    public mutating func recordSuccess(for keys: [String]) {
        for key in keys { entries[key] = nil }
    }

    private mutating func forgetOld(now: Int64) {
        entries = entries.filter { now - $0.value.lastFailure <= memorySeconds * 1000 }
    }
}

/// What the audit log records. Never a secret: details name things, not their values.
public enum AuditAction: String, Codable, Sendable, CaseIterable {
    case setupCompleted = "setup_completed"
    case signIn = "sign_in"
    case signInFailed = "sign_in_failed"
    case signOut = "sign_out"
    case userCreated = "user_created"
    case userDeleted = "user_deleted"
    case passwordChanged = "password_changed"
    case passwordReset = "password_reset"
    case tokenCreated = "token_created"
    case tokenRevoked = "token_revoked"
    case keySaved = "key_saved"
    case keyUsed = "key_used"
    case keyDeleted = "key_deleted"
    case keysRotated = "keys_rotated"
    case datasetDeleted = "dataset_deleted"
    case rowReviewed = "row_reviewed"
    case rowEdited = "row_edited"
    case curatedDatasetCreated = "curated_dataset_created"

    public var label: String {
        switch self {
        case .setupCompleted: return "First admin created"
        case .signIn: return "Signed in"
        case .signInFailed: return "Failed sign-in"
        case .signOut: return "Signed out"
        case .userCreated: return "User created"
        case .userDeleted: return "User deleted"
        case .passwordChanged: return "Password changed"
        case .passwordReset: return "Password reset (shell)"
        case .tokenCreated: return "API token created"
        case .tokenRevoked: return "API token revoked"
        case .keySaved: return "Teacher key saved"
        case .keyUsed: return "Teacher key used"
        case .keyDeleted: return "Teacher key deleted"
        case .keysRotated: return "Master key rotated"
        case .datasetDeleted: return "Dataset deleted"
        case .rowReviewed: return "Row reviewed"
        case .rowEdited: return "Row edited"
        case .curatedDatasetCreated: return "Curated dataset created"
        }
    }
}

/// Providers a teacher key can be saved for (the synthesis catalog adds models and prices).
public enum TeacherKeyProviders {
    public static let all: [(id: String, name: String)] = [
        ("deepseek", "DeepSeek"),
        ("qwen", "Alibaba Qwen"),
        ("glm", "Z.AI / Zhipu GLM"),
        ("kimi", "Moonshot Kimi"),
        ("openai-compatible", "OpenAI-compatible (custom URL)"),
    ]

    public static func name(of id: String) -> String? {
        all.first { $0.id == id }?.name
    }
}
