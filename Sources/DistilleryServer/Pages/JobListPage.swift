import DistilleryCore
import DistilleryStorage

// GET /jobs?kind=&status=&page=&per_page=  — every job of every kind (validation, synthesis), newest first,
// 50 a page; team-visible like datasets. `kind` is validation or synthesis, `status` one of JobStatus.
// JSON twin: GET /api/jobs
func showJobListPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.html(.jobList, try loadJobListView(request, context))
}

// GET /api/jobs?kind=&status=&page=&per_page=  ->  {"items": [...], "page", "perPage", "total"} (max 200 a page);
// 400 names a bad filter or paging value. HTML twin: GET /jobs
func getJobListJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let view = try loadJobListView(request, context)
    return context.renderer.json(Page(items: view.items, page: view.page, perPage: view.perPage, total: view.total))
}

private func loadJobListView(_ request: HTTPRequest, _ context: RequestContext) throws -> JobListView {
    let filter = try JobListFilter(kind: request.query("kind"), status: request.query("status"))
    let (page, perPage) = try request.paging(defaultPerPage: JobListView.defaultPerPage, maxPerPage: JobListView.maxPerPage)
    let queue = context.services.jobs
    let listings = try queue.listings(filter: filter, offset: (page - 1) * perPage, limit: perPage)
    let entries = listings.map { listing in
        var entry = listing.entry
        // A self-hosted teacher without a price has no known cost (as on the job's own page).
        if let settings = listing.settingsJSON {
            switch entry.kind {
            case .generation: entry.costKnown = (try? GenerationSettings.decode(settings))?.teacher.costKnown ?? true
            case .evaluation:
                entry.costKnown = (try? EvaluationSettings.decode(settings)).map { $0.student.costKnown && $0.judge.costKnown } ?? true
            default: entry.costKnown = (try? SynthesisSettings.decode(settings))?.costKnown ?? true
            }
        }
        return entry
    }
    return JobListView(
        chrome: context.chrome(section: .jobs), entries: entries, filter: filter, page: page, perPage: perPage,
        total: try queue.count(filter: filter), now: context.services.now())
}
