import Foundation
import DistilleryCore
import DistilleryStorage

/// Loads the evaluation pages' view models (one per page, rendered as HTML or JSON) from the store.
enum EvaluationPageLoader {
    /// The list shows the newest runs only.
    static let listLimit = 200

    static func summary(_ run: EvaluationRunRecord, services: Services) throws -> EvaluationRunSummary {
        let dataset = try run.datasetID.flatMap { try services.datasets.dataset(id: $0) }
        return EvaluationRunSummary(
            id: run.jobID, name: run.name, datasetID: dataset?.id, datasetName: dataset?.name, split: run.split,
            studentProvider: run.studentProvider, studentModel: run.studentModel, judgeProvider: run.judgeProvider, judgeModel: run.judgeModel,
            dimensions: run.dimensions.map(\.id), status: run.status, cancelRequested: run.cancelRequested, total: run.total, judged: run.judged,
            skipped: run.skipped, createdAt: run.createdAt, finishedAt: run.finishedAt, failure: run.failure)
    }

    static func list(services: Services, chrome: PageChrome?) throws -> EvaluationListView {
        let store = services.evaluations
        let runs = try store.runIDs(limit: listLimit).compactMap { try store.run(jobID: $0) }
        return EvaluationListView(chrome: chrome, runs: try runs.map { try summary($0, services: services) })
    }

    static func page(jobID: Int64, services: Services, chrome: PageChrome?) throws -> EvaluationPageView {
        let store = services.evaluations
        guard let run = try store.run(jobID: jobID) else { throw AppError.notFound("No evaluation run \(jobID).") }
        let settings = try? EvaluationSettings.decode(run.settingsJSON)
        let report = try Self.report(run, teacher: try teacherFigures(evaluationJobID: jobID, services: services), services: services)
        let usage = try store.endpointUsage(jobID: jobID)
        let endpoints = [
            ("student", run.studentProvider, run.studentModel, settings?.student.costKnown ?? true),
            ("judge", run.judgeProvider, run.judgeModel, settings?.judge.costKnown ?? true),
        ].map { role, provider, model, costKnown in
            let used = usage[role] ?? EndpointUsage()
            return EvaluationEndpointUsageView(
                role: role, provider: provider, model: model, calls: used.answered, tokensIn: used.tokensIn, tokensOut: used.tokensOut,
                costUSD: used.costUSD, costKnown: costKnown)
        }
        let siblings = try run.datasetID.map { dataset in
            try store.runs(datasetID: dataset, split: run.split).filter { !$0.status.isActive && $0.judged > 0 }.map(\.jobID)
        } ?? []
        return EvaluationPageView(
            chrome: chrome, run: try summary(run, services: services), report: report,
            failureModes: try store.failureModes(jobID: jobID).map {
                EvaluationFailureModeView(id: $0.id, name: $0.name, rows: $0.rowIndexes.count, exampleRows: Array($0.rowIndexes.prefix(3)))
            },
            usage: endpoints,
            skipReasons: try store.skipReasons(jobID: jobID).map { .init(code: $0.code, count: $0.count, example: $0.example) },
            siblingRunIDs: siblings)
    }

    /// The run's report on its judged rows (the page's, the API's and `distillery eval`'s): a self-hosted student without a
    /// price has an unknown cost, not $0.00.
    static func report(_ run: EvaluationRunRecord, teacher: TeacherFigures?, services: Services) throws -> EvaluationReport {
        EvaluationReport.build(
            rows: try services.evaluations.evaluatedRows(jobID: run.jobID), dimensions: run.dimensions, teacher: teacher,
            student: (run.studentProvider, run.studentModel),
            studentCostKnown: (try? EvaluationSettings.decode(run.settingsJSON))?.student.costKnown ?? true)
    }

    /// The teacher's figures on the run's rows, its cost unknown when it (or its judge) was self-hosted without a price.
    static func teacherFigures(evaluationJobID jobID: Int64, services: Services) throws -> TeacherFigures? {
        guard var figures = try TeacherSpendStore(database: services.database).figures(evaluationJobID: jobID) else { return nil }
        if let synthesisJobID = figures.synthesisJobID, let job = try services.synthesis.job(id: synthesisJobID),
            let settings = try? SynthesisSettings.decode(job.settingsSnapshotJSON)
        {
            figures.costKnown = settings.costKnown && (settings.judge?.costKnown ?? true)
        }
        return figures
    }

    /// `runs` is the query's comma-separated run ids; the runs are compared oldest first (by job number), and must
    /// share a dataset and split (422 otherwise).
    static func compare(runs text: String?, services: Services, chrome: PageChrome?) throws -> EvaluationCompareView {
        guard let text, !text.isEmpty else {
            throw AppError.badRequest("runs is required: two or more evaluation run ids, comma-separated (?runs=4,7).")
        }
        var ids: [Int64] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let id = Int64(part.trimmingCharacters(in: .whitespaces)), id > 0 else {
                throw AppError.badRequest("runs must be run ids separated by commas; \"\(part.prefix(40))\" is not one.")
            }
            if !ids.contains(id) { ids.append(id) }
        }
        guard ids.count >= 2 else { throw AppError.invalid("Pick at least two different runs to compare.", fields: ["runs": "Give two or more run ids."]) }
        let store = services.evaluations
        let records = try ids.sorted().map { id in
            guard let run = try store.run(jobID: id) else { throw AppError.notFound("No evaluation run \(id).") }
            return run
        }
        let first = records[0]
        if let other = records.first(where: { $0.datasetID != first.datasetID || $0.split != first.split }) {
            func set(_ run: EvaluationRunRecord) -> String {
                "dataset \(run.datasetID.map { "#\($0)" } ?? "(deleted)"), \(run.split.map { "\($0) split" } ?? "all rows")"
            }
            throw AppError.invalid(
                "Runs compare only on the same held-out set: \(JobNumber.text(first.jobID)) ran on \(set(first)), "
                    + "\(JobNumber.text(other.jobID)) on \(set(other)).",
                fields: ["runs": "Runs must share the dataset and split."])
        }
        var dimensions: [JudgeDimension] = []
        for dimension in records.flatMap(\.dimensions) where !dimensions.contains(where: { $0.id == dimension.id }) {
            dimensions.append(dimension)
        }
        let comparison = EvaluationComparison.build(
            runs: try records.map { (name: $0.name, rows: try store.evaluatedRows(jobID: $0.jobID)) }, dimensions: dimensions)
        return EvaluationCompareView(chrome: chrome, runs: try records.map { try summary($0, services: services) }, comparison: comparison)
    }
}
