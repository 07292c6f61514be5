import DistilleryCore
import DistilleryStorage
import Foundation

// GET /api/synthesis/{job}/skipped?page=&per_page=  — every skipped seed: line, input, code, message, attempts.
// HTML twin: the "Skipped seeds" section of GET /synthesis/{job}?skipped_page=
func getSkippedSeedsJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (page, perPage) = try request.paging()
    let jobID = try request.jobID()
    guard let job = try context.services.synthesis.job(id: jobID) else { throw AppError.notFound("No synthesis job \(jobID).") }
    let items = try context.services.synthesis.skippedSeeds(jobID: jobID, offset: (page - 1) * perPage, limit: perPage)
    return context.renderer.json(Page(items: items, page: page, perPage: perPage, total: job.skipped))
}

// GET /synthesis/{job}/skipped.jsonl  — every skipped seed as one JSON line ({"line", "input", "code", "message", "attempts"}).
func downloadSkippedSeedsJSONL(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let jobID = try request.jobID()
    guard try context.services.synthesis.job(id: jobID) != nil else { throw AppError.notFound("No synthesis job \(jobID).") }
    let store = context.services.synthesis
    let logger = context.logger
    let source = PagedExport(
        fetchPage: { after in
            // The key is how many were sent so far (skipped seeds are few; offset paging is enough).
            let offset = Int(max(0, after))
            let page = try store.skippedSeeds(jobID: jobID, offset: offset, limit: 2000)
            guard !page.isEmpty else { return nil }
            var bytes: [UInt8] = []
            for seed in page { bytes += Renderer.encode(seed) + [10] }
            return (bytes, Int64(offset + page.count))
        },
        onError: { logger.error("skipped seeds download failed", metadata: ["job": "\(jobID)", "cause": "\($0)"]) })
    return PagedExport.response(
        contentType: "application/jsonl; charset=utf-8", filename: "synthesis-job-\(jobID)-skipped.jsonl", source: source)
}

// POST /synthesis/{job}/retry-skipped  ->  303 /synthesis/{job}; bad fields or a failed pre-flight re-render the page (422).
// JSON twin: POST /api/synthesis/{job}/retry-skipped
func submitRetrySkipped(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let jobID = try request.jobID()
    let fields = try FormFields.fields(request)
    return try SkippedSeedRetry.retry(jobID: jobID, fields: fields, context: context) { requeued in
        do {
            _ = try requeued.get()
            return Renderer.redirect(to: "/synthesis/\(jobID)")
        } catch AppError.invalid(let message, let problems) {
            var view = try SynthesisJobView.load(jobID: jobID, services: context.services)
            view.chrome = context.chrome(section: .datasets)
            view.skippedSeeds?.fieldErrors = problems
            view.skippedSeeds?.formError = message
            return context.renderer.html(.synthesisJob, view, status: 422)
        }
    }
}

// POST /api/synthesis/{job}/retry-skipped  (JSON or form: any of temperature, max_new_tokens, max_tokens_cap,
// judge_max_tokens, seed, requests_per_minute, tokens_per_minute, max_in_flight, request_timeout_seconds,
// api_key | saved_key_id)  ->  202 with the job's progress JSON and "requeued".  HTML twin: POST /synthesis/{job}/retry-skipped
func retrySkippedJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    struct Body: Encodable {
        let requeued: Int
        let job: SynthesisJobView
    }
    let jobID = try request.jobID()
    return try SkippedSeedRetry.retry(jobID: jobID, fields: try FormFields.fields(request), context: context) { requeued in
        let count = try requeued.get()
        return context.renderer.json(Body(requeued: count, job: try SynthesisJobView.load(jobID: jobID, services: context.services)), status: 202)
    }
}
