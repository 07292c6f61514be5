import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

struct SettingsPage {
    struct TokenRow: Encodable {
        let id: Int64
        let name: String
        let prefix: String
        let createdText: String
        let lastUsedText: String
        let revoked: Bool
    }

    struct KeyRow: Encodable {
        let id: Int64
        let provider: String
        let providerName: String
        let label: String
        let lastFour: String
        let createdText: String
        let lastUsedText: String
    }

    struct ProviderOption {
        let id: String
        let name: String
    }

    var chrome: PageChrome
    let user: User
    let tokens: [TokenRow]
    let hasTokens: Bool
    let keys: [KeyRow]
    let hasKeys: Bool
    let providers = TeacherKeyProviders.all.map { ProviderOption(id: $0.id, name: $0.name) }
    var newToken: OneTimeTokenNotes.Note?
    var notice: String?
    var message: String?
    let minimumPasswordLength = AccountRules.minimumPasswordLength

    init(context: RequestContext, user: User) throws {
        chrome = context.chrome(section: .settings)
        self.user = user
        tokens = try context.services.tokens.list(userID: user.id).map(Self.tokenRow)
        hasTokens = !tokens.isEmpty
        keys = try TeacherKeyStore(database: context.database).list(userID: user.id).map(Self.keyRow)
        hasKeys = !keys.isEmpty
    }

    static func tokenRow(_ info: APITokenInfo) -> TokenRow {
        TokenRow(
            id: info.id, name: info.name, prefix: info.prefix, createdText: Formatting.timestamp(milliseconds: info.createdAt),
            lastUsedText: info.lastUsedAt.map { Formatting.timestamp(milliseconds: $0) } ?? "never", revoked: info.revokedAt != nil)
    }

    static func keyRow(_ info: TeacherKeyInfo) -> KeyRow {
        KeyRow(
            id: info.id, provider: info.provider, providerName: TeacherKeyProviders.name(of: info.provider) ?? info.provider,
            label: info.label, lastFour: info.lastFour, createdText: Formatting.timestamp(milliseconds: info.createdAt),
            lastUsedText: info.lastUsedAt.map { Formatting.timestamp(milliseconds: $0) } ?? "never")
    }

    static let notices = [
        "token-revoked": "The token was revoked.",
        "key-saved": "The key was encrypted and saved. It will not be shown again.",
        "key-deleted": "The key was deleted.",
    ]
}

// GET /settings  — API tokens, saved teacher keys, password.  JSON twins: /api/tokens, /api/keys, /api/me
func showSettingsPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var page = try SettingsPage(context: context, user: context.requireUser())
    page.notice = request.query("notice").flatMap { SettingsPage.notices[$0] }
    if let session = context.identity?.sessionID {
        page.newToken = context.services.newTokenNotes.take(forSession: session, now: context.services.now())
    }
    var response = context.renderer.html(.settings, page)
    // The page may hold a new token: never keep it in a cache or the back-forward history.
    response.headers.set("Cache-Control", "no-store")
    return response
}

// POST /settings/tokens  (name)  ->  303 /settings, which shows the new token once (Post/Redirect/Get:
// a reload cannot create a second token). The token waits in memory for this session, never in the URL.
func submitNewAPIToken(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try rerenderingOnInvalidInput(context) {
        let user = try context.requireUser()
        let name = try checkedLabel(try FormFields.fields(request)["name"], field: "name")
        let now = context.services.now()
        let created = try context.services.authenticator.createAPIToken(
            for: user, name: name, remoteAddress: context.remoteAddress, now: now)
        let note = OneTimeTokenNotes.Note(name: name, token: created.token)
        guard let session = context.identity?.sessionID else {
            // Not a browser session (an API token posting the form): there is no later page view to carry it to.
            var page = try SettingsPage(context: context, user: user)
            page.newToken = note
            var response = context.renderer.html(.settings, page)
            response.headers.set("Cache-Control", "no-store")
            return response
        }
        context.services.newTokenNotes.leave(note, forSession: session, now: now)
        return Renderer.redirect(to: "/settings")
    }
}

// POST /settings/tokens/{id}/revoke  ->  303 /settings
func submitTokenRevocation(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try revokeToken(request, context)
    return Renderer.redirect(to: "/settings?notice=token-revoked")
}

// POST /settings/keys  (provider, label, key)  ->  303 /settings; the key is sealed in the vault.
func submitTeacherKey(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try rerenderingOnInvalidInput(context) {
        _ = try saveTeacherKey(request, context)
        return Renderer.redirect(to: "/settings?notice=key-saved")
    }
}

// POST /settings/keys/{id}/delete  ->  303 /settings
func submitTeacherKeyDeletion(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try deleteTeacherKey(request, context)
    return Renderer.redirect(to: "/settings?notice=key-deleted")
}

// POST /settings/password  (current, password)  ->  303 /login: every session of the user ends.
func submitPasswordChange(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try rerenderingOnInvalidInput(context) {
        let user = try context.requireUser()
        let fields = try FormFields.fields(request)
        guard let hash = try context.services.users.passwordHash(userID: user.id),
            PasswordHasher.verify(fields["current"] ?? "", against: hash)
        else {
            throw AppError.invalid("The current password is wrong.", fields: ["current": "The current password is wrong."])
        }
        let newPassword = fields["password"] ?? ""
        if let problem = AccountRules.passwordProblem(newPassword) {
            throw AppError.invalid(problem, fields: ["password": problem])
        }
        let now = context.services.now()
        try context.services.users.setPassword(userID: user.id, passwordHash: try PasswordHasher.hash(newPassword), now: now)
        try context.services.audit.record(.passwordChanged, user: user, remoteAddress: context.remoteAddress, now: now)
        var response = Renderer.redirect(to: "/login")
        response.headers.add("Set-Cookie", context.services.authenticator.expiredSessionCookie())
        return response
    }
}

// GET /api/tokens  — the caller's API tokens (never the tokens themselves).
func getAPITokensJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    struct Tokens: Encodable { let tokens: [APITokenInfo] }
    return context.renderer.json(Tokens(tokens: try context.services.tokens.list(userID: context.requireUser().id)))
}

// POST /api/tokens  ({"name": ...})  ->  201 {"id", "name", "token"}: the only time the token is shown.
func createAPITokenJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    struct Created: Encodable {
        let id: Int64
        let name: String
        let token: String
    }
    let name = try checkedLabel(try FormFields.fields(request)["name"], field: "name")
    let created = try context.services.authenticator.createAPIToken(
        for: context.requireUser(), name: name, remoteAddress: context.remoteAddress, now: context.services.now())
    var response = context.renderer.json(Created(id: created.id, name: name, token: created.token), status: 201)
    response.headers.set("Cache-Control", "no-store")
    return response
}

// DELETE /api/tokens/{id}  ->  204
func revokeAPITokenJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try revokeToken(request, context)
    return HTTPResponse(status: 204)
}

// GET /api/keys  — the caller's saved teacher keys: provider, label, last four, times; never the key.
func getTeacherKeysJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    struct Keys: Encodable { let keys: [TeacherKeyInfo] }
    return context.renderer.json(Keys(keys: try TeacherKeyStore(database: context.database).list(userID: context.requireUser().id)))
}

// POST /api/keys  ({"provider", "label", "key"})  ->  201 with the key's info (not the key).
func saveTeacherKeyJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let id = try saveTeacherKey(request, context)
    let info = try TeacherKeyStore(database: context.database).list(userID: context.requireUser().id).first { $0.id == id }
    return context.renderer.json(info, status: 201)
}

// DELETE /api/keys/{id}  ->  204
func deleteTeacherKeyJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try deleteTeacherKey(request, context)
    return HTTPResponse(status: 204)
}

private func revokeToken(_ request: HTTPRequest, _ context: RequestContext) throws {
    let user = try context.requireUser()
    guard let id = request.pathParameters["id"].flatMap(Int64.init) else { throw AppError.notFound("No such token.") }
    let now = context.services.now()
    guard let name = try context.services.tokens.revoke(tokenID: id, userID: user.id, now: now) else {
        throw AppError.notFound("No live token \(id) of yours.")
    }
    context.services.authenticator.forgetCachedTokens()
    try context.services.audit.record(.tokenRevoked, user: user, detail: "token #\(id) \"\(name)\"", remoteAddress: context.remoteAddress, now: now)
}

private func saveTeacherKey(_ request: HTTPRequest, _ context: RequestContext) throws -> Int64 {
    let user = try context.requireUser()
    let fields = try FormFields.fields(request)
    let provider = fields["provider"] ?? ""
    guard TeacherKeyProviders.name(of: provider) != nil else {
        let known = TeacherKeyProviders.all.map(\.id).joined(separator: ", ")
        throw AppError.invalid("Unknown provider.", fields: ["provider": "Choose one of: \(known)."])
    }
    let label = try checkedLabel(fields["label"], field: "label")
    // The key's value is never echoed in an error: only what is wrong with it.
    let key = (fields["key"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    guard !key.isEmpty else { throw AppError.invalid("Paste the API key.", fields: ["key": "Paste the API key."]) }
    guard key.utf8.count <= 4096, key.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
        throw AppError.invalid(
            "An API key is printable ASCII without spaces, at most 4096 characters.",
            fields: ["key": "An API key is printable ASCII without spaces, at most 4096 characters."])
    }
    let secure = try Array(key.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
    defer { secure.free() }
    return try context.services.vault.save(
        key: secure, provider: provider, label: label, userID: user.id, actor: user, remoteAddress: context.remoteAddress,
        now: context.services.now())
}

private func deleteTeacherKey(_ request: HTTPRequest, _ context: RequestContext) throws {
    let user = try context.requireUser()
    guard let id = request.pathParameters["id"].flatMap(Int64.init) else { throw AppError.notFound("No such key.") }
    let now = context.services.now()
    let deleted = try TeacherKeyStore(database: context.database).delete(id: id, userID: user.id) { connection, info in
        try AuditLogStore.record(
            in: connection, .keyDeleted, user: user, detail: "key #\(info.id) \"\(info.label)\" (…\(info.lastFour))",
            remoteAddress: context.remoteAddress, now: now)
    }
    guard deleted != nil else { throw AppError.notFound("No saved key \(id) of yours.") }
}

/// Form pages answer bad input with the settings page again (422) and the reason, not an error page.
private func rerenderingOnInvalidInput(_ context: RequestContext, _ body: () throws -> HTTPResponse) throws -> HTTPResponse {
    do {
        return try body()
    } catch AppError.invalid(let message, _) {
        var page = try SettingsPage(context: context, user: context.requireUser())
        page.message = message
        return context.renderer.html(.settings, page, status: 422)
    }
}

/// A short name or label: 1 to 100 characters after trimming.
func checkedLabel(_ value: String?, field: String) throws -> String {
    let text = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty, text.count <= 100 else {
        throw AppError.invalid("The \(field) must be 1 to 100 characters.", fields: [field: "Use 1 to 100 characters."])
    }
    return text
}
