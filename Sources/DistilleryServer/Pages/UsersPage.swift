import DistilleryCore
import DistilleryPlatform
import Foundation

struct UsersPage {
    struct Row {
        let id: Int64
        let name: String
        let role: String
        let createdText: String
        let isSelf: Bool
    }

    var chrome: PageChrome
    let users: [Row]
    var name = ""
    var message: String?
    var fieldErrors: [String: String] = [:]
    let minimumPasswordLength = AccountRules.minimumPasswordLength

    init(context: RequestContext) throws {
        chrome = context.chrome(section: .users)
        let me = context.identity?.user.id
        users = try context.services.users.list().map {
            Row(id: $0.id, name: $0.name, role: $0.role.rawValue, createdText: Formatting.timestamp(milliseconds: $0.createdAt), isSelf: $0.id == me)
        }
    }
}

// GET /admin/users  (admin)  — JSON twin: GET /api/admin/users
func showUsersPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.html(.users, try UsersPage(context: context))
}

// POST /admin/users  (admin; name, password, role)  ->  303 /admin/users; 422 with field errors.
func submitNewUser(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let fields = try FormFields.fields(request)
    do {
        _ = try createUser(fields, context)
        return Renderer.redirect(to: "/admin/users")
    } catch AppError.invalid(let message, let fieldErrors) {
        var page = try UsersPage(context: context)
        page.name = fields["name"] ?? ""
        page.message = message
        page.fieldErrors = fieldErrors
        return context.renderer.html(.users, page, status: 422)
    }
}

// POST /admin/users/{id}/delete  (admin)  ->  303 /admin/users
func submitUserDeletion(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try deleteUser(request, context)
    return Renderer.redirect(to: "/admin/users")
}

// GET /api/admin/users  (admin)
func getUsersJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    struct Users: Encodable { let users: [User] }
    return context.renderer.json(Users(users: try context.services.users.list()))
}

// POST /api/admin/users  (admin; {"name", "password", "role"})  ->  201 with the user
func createUserJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try createUser(try FormFields.fields(request), context), status: 201)
}

// DELETE /api/admin/users/{id}  (admin)  ->  204
func deleteUserJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try deleteUser(request, context)
    return HTTPResponse(status: 204)
}

private func createUser(_ fields: [String: String], _ context: RequestContext) throws -> User {
    let admin = try context.requireUser()
    let name = (fields["name"] ?? "").trimmingCharacters(in: .whitespaces)
    let password = fields["password"] ?? ""
    var problems: [String: String] = [:]
    if let problem = AccountRules.nameProblem(name) { problems["name"] = problem }
    if let problem = AccountRules.passwordProblem(password) { problems["password"] = problem }
    let role = UserRole(rawValue: fields["role"] ?? "member")
    if role == nil { problems["role"] = "The role is admin or member." }
    guard problems.isEmpty, let role else {
        throw AppError.invalid("The user could not be created.", fields: problems)
    }
    let now = context.services.now()
    switch try context.services.users.create(name: name, passwordHash: try PasswordHasher.hash(password), role: role, now: now) {
    case .created(let user)?:
        try context.services.audit.record(
            .userCreated, user: admin, detail: "user #\(user.id) \"\(user.name)\" (\(role.rawValue))", remoteAddress: context.remoteAddress,
            now: now)
        return user
    case .nameTaken?, nil:
        throw AppError.invalid("That user name is taken.", fields: ["name": "That user name is taken."])
    }
}

private func deleteUser(_ request: HTTPRequest, _ context: RequestContext) throws {
    let admin = try context.requireUser()
    guard let id = request.pathParameters["id"].flatMap(Int64.init), let user = try context.services.users.user(id: id) else {
        throw AppError.notFound("No such user.")
    }
    guard id != admin.id else { throw AppError.conflict("You cannot delete your own account.") }
    guard try context.services.users.delete(userID: id) else { throw AppError.notFound("No such user.") }
    context.services.authenticator.forgetCachedTokens()
    try context.services.audit.record(
        .userDeleted, user: admin, detail: "user #\(id) \"\(user.name)\"", remoteAddress: context.remoteAddress, now: context.services.now())
}
