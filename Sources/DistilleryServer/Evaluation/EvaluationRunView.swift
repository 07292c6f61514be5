import DistilleryCore
import DistilleryStorage

/// An evaluation run's progress, as `POST /api/evaluations` (201) and its cancel (202) answer: the run's choices, the
/// cost estimate made before it started, where it stands (judged, skipped, in flight now) and each endpoint's usage so
/// far. The report (pass rates, win rate, failure modes) is `GET /api/evaluations/{id}`'s.
struct EvaluationRunView: Encodable, Sendable {
    struct Endpoint: Encodable, Sendable {
        var provider: String
        var model: String
        var answered: Int
        var tokensIn: Int
        var tokensOut: Int
        var costUSD: Double
    }

    var jobID: Int64
    var name: String
    var status: String
    var isActive: Bool
    var cancelRequested: Bool
    var datasetID: Int64?
    /// nil: every row of the dataset.
    var split: String?
    var dimensions: [String]
    var total: Int
    var judged: Int
    var skipped: Int
    var retries: Int
    var inFlight: Int
    var student: Endpoint
    var judge: Endpoint
    var estimate: EvaluationEstimate?
    var failure: String?

    static func load(jobID: Int64, services: Services) throws -> EvaluationRunView {
        guard let run = try services.evaluations.run(jobID: jobID) else { throw AppError.notFound("No evaluation run \(jobID).") }
        let usage = try services.evaluations.endpointUsage(jobID: jobID)
        func endpoint(_ name: String, provider: String, model: String) -> Endpoint {
            let used = usage[name] ?? EndpointUsage()
            return Endpoint(
                provider: provider, model: model, answered: used.answered, tokensIn: used.tokensIn, tokensOut: used.tokensOut, costUSD: used.costUSD)
        }
        return EvaluationRunView(
            jobID: run.jobID, name: run.name, status: run.status.rawValue, isActive: run.status.isActive, cancelRequested: run.cancelRequested,
            datasetID: run.datasetID, split: run.split, dimensions: run.dimensions.map(\.id), total: run.total, judged: run.judged,
            skipped: run.skipped, retries: run.retries, inFlight: services.synthesisRegistry.progress(jobID)?.inFlight ?? 0,
            student: endpoint("student", provider: run.studentProvider, model: run.studentModel),
            judge: endpoint("judge", provider: run.judgeProvider, model: run.judgeModel),
            estimate: run.estimateJSON.flatMap(EvaluationEstimate.init(storedJSON:)), failure: run.failure)
    }
}

extension EvaluationEstimate {
    /// The estimate stored with a run (`EvaluationEstimate.json`).
    init?(storedJSON: String) {
        guard let json = try? SynthesisJSON.parse(storedJSON) else { return nil }
        func endpoint(_ value: SynthesisJSON?) -> Endpoint? {
            guard let value, let requests = value["requests"]?.intValue else { return nil }
            return Endpoint(
                requests: requests, tokensIn: value["tokens_in"]?.intValue ?? 0, tokensOut: value["tokens_out"]?.intValue ?? 0,
                costUSD: value["cost_usd"]?.doubleValue ?? 0)
        }
        guard let student = endpoint(json["student"]), let judge = endpoint(json["judge"]) else { return nil }
        self.init(rows: json["rows"]?.intValue ?? 0, student: student, judge: judge, costKnown: json["cost_known"]?.boolValue ?? false)
    }
}
