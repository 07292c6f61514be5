import DistilleryCore

/// A job kind's JSON report (`GET /api/generations/{job}`, `/api/scoring/{job}`, `/api/evaluations/{job}`): also what
/// starting a job answers (201, with its address) and what cancelling one answers (202).
protocol JobReportView: Encodable {
    /// The reports' path: a job's report is at this path and its id.
    static var apiPath: String { get }
    static func load(jobID: Int64, services: Services) throws -> Self
}

extension JobReportView {
    /// The report as JSON: 200 for a read, 202 after a cancel.
    static func response(jobID: Int64, status: Int = 200, context: RequestContext) throws -> HTTPResponse {
        context.renderer.json(try load(jobID: jobID, services: context.services), status: status)
    }

    /// 201 with the report of the job just queued and its address (or the error that refused it).
    static func created(_ started: Result<Int64, any Error>, context: RequestContext) throws -> HTTPResponse {
        let jobID = try started.get()
        var response = try response(jobID: jobID, status: 201, context: context)
        response.headers.set("Location", "\(apiPath)/\(jobID)")
        return response
    }
}

extension GenerationTaskView: JobReportView {
    static let apiPath = "/api/generations"
}

extension ScoringJobView: JobReportView {
    static let apiPath = "/api/scoring"
}

extension EvaluationRunView: JobReportView {
    static let apiPath = "/api/evaluations"
}
