public enum PageSection: String, Sendable {
    case datasets, jobs, evaluations, recipes, templates, settings, users, audit, none
}

/// What every page's layout needs: who is signed in, the CSRF token for its forms, and which
/// top-bar entry is current.
public struct PageChrome: Sendable, Equatable {
    public let userName: String?
    public let isAdmin: Bool
    public let csrfToken: String
    public let signedIn: Bool
    public let inDatasets: Bool
    public let inJobs: Bool
    public let inEvaluations: Bool
    public let inRecipes: Bool
    public let inTemplates: Bool
    public let inSettings: Bool
    public let inUsers: Bool
    public let inAudit: Bool

    public init(userName: String?, isAdmin: Bool, csrfToken: String, section: PageSection) {
        self.userName = userName
        self.isAdmin = isAdmin
        self.csrfToken = csrfToken
        signedIn = userName != nil
        inDatasets = section == .datasets
        inJobs = section == .jobs
        inEvaluations = section == .evaluations
        inRecipes = section == .recipes
        inTemplates = section == .templates
        inSettings = section == .settings
        inUsers = section == .users
        inAudit = section == .audit
    }
}
