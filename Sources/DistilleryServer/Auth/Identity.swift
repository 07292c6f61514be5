import DistilleryCore
import DistilleryStorage

/// Who is making a request, and how they proved it.
struct Identity: Sendable {
    enum Credential: Sendable {
        /// A browser session cookie: state-changing requests also need its CSRF token.
        case session(StoredSession)
        /// `Authorization: Bearer …`: exempt from CSRF, since browsers never attach it on their own.
        case apiToken(id: Int64)
    }

    let user: User
    let credential: Credential

    var csrfToken: String? {
        if case .session(let session) = credential { return session.csrfToken }
        return nil
    }

    /// The browser session's id; nil for an API token.
    var sessionID: Int64? {
        if case .session(let session) = credential { return session.id }
        return nil
    }
}

/// What a handler gets besides the request: the services and who is asking.
struct RequestContext: Sendable {
    let services: Services
    let identity: Identity?
    /// The anonymous CSRF token (login and setup forms) when there is no session.
    let anonymousCSRFToken: String?
    let remoteAddress: String

    var datasets: DatasetStore { services.datasets }
    var jobs: JobQueue { services.jobs }
    var renderer: Renderer { services.renderer }
    var configuration: AppConfiguration { services.configuration }
    var logger: Logger { services.logger }
    var database: Database { services.database }

    /// The signed-in user; routes that reach a handler without one are public, so this throws 401.
    func requireUser() throws -> User {
        guard let user = identity?.user else { throw AppError.unauthorized("Sign in first.") }
        return user
    }

    /// The navigation bar and forms' view model for this request.
    func chrome(section: PageSection) -> PageChrome {
        PageChrome(
            userName: identity?.user.name, isAdmin: identity?.user.isAdmin ?? false,
            csrfToken: identity?.csrfToken ?? anonymousCSRFToken ?? "", section: section)
    }
}

import Logging
