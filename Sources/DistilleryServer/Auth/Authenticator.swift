import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Sessions (cookie), API tokens (bearer), sign-in with throttling, and the cookies themselves.
/// Tokens are random 256-bit values; only their SHA-256 is stored.
final class Authenticator: @unchecked Sendable {
    static let sessionCookie = "distillery_session"
    static let csrfCookie = "distillery_csrf"
    static let apiTokenPrefix = "dst_"

    let users: UserStore
    let sessions: SessionStore
    let tokens: APITokenStore
    let audit: AuditLogStore
    let configuration: AppConfiguration
    private let lock = NSLock()
    private var throttle = LoginThrottle()
    /// When each API token's `last_used_at` was last written, so a busy client costs one write a minute, not one per request.
    private var tokenTouches: [Int64: Int64] = [:]
    /// Recently seen live tokens, so an API client's burst costs one lookup a second, not one a
    /// request. Revoking a token or deleting a user clears it, so neither waits for the expiry.
    private var tokenCache: [String: (user: User, tokenID: Int64, cachedAt: Int64)] = [:]
    static let tokenCacheMilliseconds: Int64 = 1000

    init(database: Database, configuration: AppConfiguration) {
        users = UserStore(database: database)
        sessions = SessionStore(database: database)
        tokens = APITokenStore(database: database)
        audit = AuditLogStore(database: database)
        self.configuration = configuration
    }

    var idleMilliseconds: Int64 { Int64(configuration.sessionIdleMinutes) * 60_000 }
    var maximumMilliseconds: Int64 { Int64(configuration.sessionMaximumHours) * 3_600_000 }
    /// Writing last_seen_at on every request would make every page view a write.
    var touchIntervalMilliseconds: Int64 { min(60_000, idleMilliseconds / 4) }

    // MARK: Identifying a request

    func identify(_ request: HTTPRequest, now: Int64) throws -> Identity? {
        if let authorization = request.headers["Authorization"] {
            return try identifyBearer(authorization, now: now)
        }
        guard let token = Self.cookie(Self.sessionCookie, in: request) else { return nil }
        guard let session = try sessions.session(tokenHash: SecretDigest.sha256Hex(token)) else { return nil }
        if now - session.lastSeenAt > idleMilliseconds || now - session.createdAt > maximumMilliseconds {
            try sessions.delete(sessionID: session.id)
            return nil
        }
        if now - session.lastSeenAt > touchIntervalMilliseconds {
            try sessions.touch(sessionID: session.id, now: now)
        }
        return Identity(user: session.user, credential: .session(session))
    }

    private func identifyBearer(_ authorization: String, now: Int64) throws -> Identity? {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw AppError.unauthorized("The Authorization header must be \"Bearer <API token>\".")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        let hash = SecretDigest.sha256Hex(token)
        if let cached = cachedToken(hash, now: now) {
            return Identity(user: cached.user, credential: .apiToken(id: cached.tokenID))
        }
        guard let (user, tokenID) = try tokens.owner(tokenHash: hash) else {
            throw AppError.unauthorized("The API token is not valid (revoked, or mistyped).")
        }
        lock.lock()
        if tokenCache.count > 10_000 { tokenCache.removeAll() }
        tokenCache[hash] = (user, tokenID, now)
        lock.unlock()
        if shouldTouchToken(tokenID, now: now) { try tokens.markUsed(tokenID: tokenID, now: now) }
        return Identity(user: user, credential: .apiToken(id: tokenID))
    }

    private func cachedToken(_ hash: String, now: Int64) -> (user: User, tokenID: Int64)? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = tokenCache[hash], now - entry.cachedAt < Self.tokenCacheMilliseconds, now >= entry.cachedAt else { return nil }
        return (entry.user, entry.tokenID)
    }

    /// After a token is revoked or a user deleted.
    func forgetCachedTokens() {
        lock.lock()
        tokenCache.removeAll()
        lock.unlock()
    }

    private func shouldTouchToken(_ id: Int64, now: Int64) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let last = tokenTouches[id], now - last < 60_000 { return false }
        tokenTouches[id] = now
        return true
    }

    /// Deletes every session past its idle or maximum age; returns how many (the periodic sweep).
    func purgeExpiredSessions(now: Int64) throws -> Int {
        try sessions.purgeExpired(now: now, idleMilliseconds: idleMilliseconds, maximumMilliseconds: maximumMilliseconds)
    }

    // MARK: Signing in and out

    enum SignInOutcome {
        case signedIn(User)
        case rejected
        case throttled(retryAfterSeconds: Int64)
    }

    /// Never says whether the user exists: an unknown name costs the same hash check as a wrong password.
    func signIn(name: String, password: String, remoteAddress: String, now: Int64) throws -> SignInOutcome {
        let keys = ["user:" + name.lowercased(), "address:" + remoteAddress]
        lock.lock()
        let wait = throttle.waitSeconds(for: keys, now: now)
        lock.unlock()
        if wait > 0 { return .throttled(retryAfterSeconds: wait) }

        let credentials = try users.credentials(name: name)
        let verified: Bool
        if let credentials {
            verified = PasswordHasher.verify(password, against: credentials.passwordHash)
        } else {
            PasswordHasher.verifyAgainstDecoy(password)
            verified = false
        }
        lock.lock()
        if verified { throttle.recordSuccess(for: keys) } else { throttle.recordFailure(for: keys, now: now) }
        lock.unlock()
        guard verified, let user = credentials?.user else {
            try audit.record(.signInFailed, user: nil, userName: String(name.prefix(64)), remoteAddress: remoteAddress, now: now)
            return .rejected
        }
        try audit.record(.signIn, user: user, remoteAddress: remoteAddress, now: now)
        return .signedIn(user)
    }

    /// A new session with a new id (never reusing one the browser brought), as a Set-Cookie value.
    func startSession(for user: User, remoteAddress: String, now: Int64) throws -> String {
        let token = RandomToken.generate()
        try sessions.create(
            tokenHash: SecretDigest.sha256Hex(token), userID: user.id, csrfToken: RandomToken.generate(),
            remoteAddress: remoteAddress, now: now)
        return cookieHeader(Self.sessionCookie, value: token, maxAgeSeconds: Int(maximumMilliseconds / 1000), sameSite: "Lax")
    }

    func endSession(_ identity: Identity?, remoteAddress: String, now: Int64) throws {
        guard let identity, case .session(let session) = identity.credential else { return }
        try sessions.delete(sessionID: session.id)
        try audit.record(.signOut, user: identity.user, remoteAddress: remoteAddress, now: now)
    }

    // MARK: Cookies

    func cookieHeader(_ name: String, value: String, maxAgeSeconds: Int, sameSite: String) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAgeSeconds); HttpOnly; SameSite=\(sameSite)"
            + (configuration.secureCookies ? "; Secure" : "")
    }

    func expiredSessionCookie() -> String {
        cookieHeader(Self.sessionCookie, value: "", maxAgeSeconds: 0, sameSite: "Lax")
    }

    func anonymousCSRFCookie(_ token: String) -> String {
        cookieHeader(Self.csrfCookie, value: token, maxAgeSeconds: 86_400, sameSite: "Strict")
    }

    static func cookie(_ name: String, in request: HTTPRequest) -> String? {
        for header in request.headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    let value = parts[1].trimmingCharacters(in: .whitespaces)
                    return value.isEmpty ? nil : value
                }
            }
        }
        return nil
    }

    // MARK: API tokens

    /// Creates a token and returns it in full: the only time it is ever shown.
    func createAPIToken(for user: User, name: String, remoteAddress: String, now: Int64) throws -> (id: Int64, token: String) {
        let secret = RandomToken.generate()
        let token = Self.apiTokenPrefix + secret
        let id = try tokens.create(
            userID: user.id, name: name, tokenHash: SecretDigest.sha256Hex(token), prefix: Self.apiTokenPrefix + String(secret.prefix(6)),
            now: now)
        try audit.record(.tokenCreated, user: user, detail: "token #\(id) \"\(name)\"", remoteAddress: remoteAddress, now: now)
        return (id, token)
    }
}
