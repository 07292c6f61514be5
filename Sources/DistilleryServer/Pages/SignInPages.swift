import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

struct SignInForm {
    var chrome: PageChrome
    var name = ""
    var next = ""
    var message: String?
    var notice: String?
    /// After a failed attempt the name is kept, so the cursor waits in the password field.
    var focusPassword = false

    static let notices = ["signed-out": "You have signed out."]
}

struct SetupForm {
    var chrome: PageChrome
    var name = ""
    var message: String?
    var fieldErrors: [String: String] = [:]
    let minimumPasswordLength = AccountRules.minimumPasswordLength
}

// GET /login?next=/path  (public)
func showLoginPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    if try context.services.users.count() == 0 { return Renderer.redirect(to: "/setup") }
    if context.identity != nil { return Renderer.redirect(to: safeNext(request.query("next"))) }
    var form = SignInForm(chrome: context.chrome(section: .none))
    form.next = request.query("next") ?? ""
    form.notice = request.query("notice").flatMap { SignInForm.notices[$0] }
    return context.renderer.html(.login, form)
}

// POST /login  (public; name, password, next, _csrf)  ->  303 to next with a new session cookie.
// Wrong name or password: 401 with the same message either way; repeated failures: 429 + Retry-After.
func submitLogin(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let fields = try FormFields.fields(request)
    let name = (fields["name"] ?? "").trimmingCharacters(in: .whitespaces)
    var form = SignInForm(chrome: context.chrome(section: .none))
    form.name = name
    form.next = fields["next"] ?? ""
    form.focusPassword = !name.isEmpty
    let now = context.services.now()
    switch try context.services.authenticator.signIn(
        name: name, password: fields["password"] ?? "", remoteAddress: context.remoteAddress, now: now)
    {
    case .throttled(let seconds):
        form.message = "Too many failed sign-ins. Try again in \(seconds) second\(seconds == 1 ? "" : "s")."
        var response = context.renderer.html(.login, form, status: 429)
        response.headers.set("Retry-After", String(seconds))
        return response
    case .rejected:
        form.message = "Wrong user name or password."
        return context.renderer.html(.login, form, status: 401)
    case .signedIn(let user):
        // A session the browser already had is ended: the id always changes at sign-in.
        try context.services.authenticator.endSession(context.identity, remoteAddress: context.remoteAddress, now: now)
        var response = Renderer.redirect(to: safeNext(form.next))
        response.headers.add(
            "Set-Cookie", try context.services.authenticator.startSession(for: user, remoteAddress: context.remoteAddress, now: now))
        return response
    }
}

// POST /logout  ->  303 /login?notice=signed-out (which says so), session deleted, cookie cleared.
func submitLogout(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try context.services.authenticator.endSession(context.identity, remoteAddress: context.remoteAddress, now: context.services.now())
    var response = Renderer.redirect(to: "/login?notice=signed-out")
    response.headers.add("Set-Cookie", context.services.authenticator.expiredSessionCookie())
    return response
}

// GET /setup  (public, only while no user exists; afterwards 303 to sign-in, or to the datasets when signed in)
func showSetupPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    guard try context.services.users.count() == 0 else {
        return Renderer.redirect(to: context.identity == nil ? "/login" : "/datasets")
    }
    return context.renderer.html(.setup, SetupForm(chrome: context.chrome(section: .none)))
}

// POST /setup  (public while no user exists; name, password, password_again, _csrf)  ->  303 /datasets, signed in as the first admin.
func submitSetup(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let fields = try FormFields.fields(request)
    var form = SetupForm(chrome: context.chrome(section: .none))
    form.name = (fields["name"] ?? "").trimmingCharacters(in: .whitespaces)
    let password = fields["password"] ?? ""
    if let problem = AccountRules.nameProblem(form.name) { form.fieldErrors["name"] = problem }
    if let problem = AccountRules.passwordProblem(password) { form.fieldErrors["password"] = problem }
    if password != fields["password_again"] { form.fieldErrors["password_again"] = "The two passwords differ." }
    guard form.fieldErrors.isEmpty else { return context.renderer.html(.setup, form, status: 422) }
    let now = context.services.now()
    guard case .created(let user)? = try context.services.users.create(
        name: form.name, passwordHash: try PasswordHasher.hash(password), role: .admin, now: now, onlyIfNoUsers: true)
    else {
        throw AppError.notFound("Setup is done; sign in instead.")
    }
    try context.services.audit.record(.setupCompleted, user: user, remoteAddress: context.remoteAddress, now: now)
    var response = Renderer.redirect(to: "/datasets")
    response.headers.add(
        "Set-Cookie", try context.services.authenticator.startSession(for: user, remoteAddress: context.remoteAddress, now: now))
    return response
}

// GET /api/me  — the signed-in user.
func getCurrentUserJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try context.requireUser())
}

/// Only same-site paths: an open redirect after sign-in would hand phishers a trusted link.
func safeNext(_ next: String?) -> String {
    guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), !next.contains("\r"), !next.contains("\n") else {
        return "/datasets"
    }
    return next
}
