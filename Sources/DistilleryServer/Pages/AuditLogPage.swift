import DistilleryCore
import DistilleryStorage

struct AuditLogPage {
    struct Row {
        let whenText: String
        let userName: String
        let actionLabel: String
        let tone: String
        let detail: String
        let remoteAddress: String
    }

    var chrome: PageChrome
    let entries: [Row]
    let previousURL: String?
    let nextURL: String?
}

// GET /admin/audit?page=N  (admin)  — newest first, 100 a page.  JSON twin: GET /api/admin/audit
func showAuditLogPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (page, perPage) = try request.paging(defaultPerPage: 100)
    let entries = try context.services.audit.entries(offset: (page - 1) * perPage, limit: perPage)
    let total = try context.services.audit.count()
    let rows = entries.map { entry in
        let action = AuditAction(rawValue: entry.action)
        return AuditLogPage.Row(
            whenText: Formatting.timestamp(milliseconds: entry.at), userName: entry.userName.isEmpty ? "—" : entry.userName,
            actionLabel: action?.label ?? entry.action, tone: action == .signInFailed ? "bad" : "neutral", detail: entry.detail,
            remoteAddress: entry.remoteAddress)
    }
    return context.renderer.html(
        .audit,
        AuditLogPage(
            chrome: context.chrome(section: .audit), entries: rows,
            previousURL: page > 1 ? "/admin/audit?page=\(page - 1)" : nil,
            nextURL: page * perPage < total ? "/admin/audit?page=\(page + 1)" : nil))
}

// GET /api/admin/audit?page=&per_page=  (admin)
func getAuditLogJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (page, perPage) = try request.paging(defaultPerPage: 100)
    let entries = try context.services.audit.entries(offset: (page - 1) * perPage, limit: perPage)
    return context.renderer.json(Page(items: entries, page: page, perPage: perPage, total: try context.services.audit.count()))
}
