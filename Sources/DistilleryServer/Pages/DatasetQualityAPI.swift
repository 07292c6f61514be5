import DistilleryCore
import DistilleryStorage

/// The HTML page: the latest stored run's report (or, before any, that none has run) in the page shell, with the tab
/// bar, the dataset picker for leakage and the button that runs the checks.
struct DatasetQualityPage {
    struct Option {
        let id: Int64
        let label: String
        let selected: Bool
    }

    var chrome: PageChrome
    let datasetID: Int64
    let datasetName: String
    /// The latest stored run's report; nil before any run (of this comparison).
    let report: DatasetQualityReport?
    let noRun: DatasetQualityNoRun?
    /// The dataset the shown run, or the one asked for, compares against (the run button keeps it).
    let compared: DatasetQualityReport.Compared?
    let runLabel: String
    let tabs: DatasetTabs
    let againstOptions: [Option]
    let hasAgainstOptions: Bool
    /// The judge's agreement with reviewers (README "Calibration against people").
    let calibration: DatasetCalibrationView
}

/// What GET answers before any run of the data checks (of the asked comparison) is stored: a GET never runs them.
struct DatasetQualityNoRun: Encodable {
    let datasetID: Int64
    let datasetName: String
    let compared: DatasetQualityReport.Compared?
    let message: String

    init(dataset: DatasetRecord, against: DatasetRecord?) {
        datasetID = dataset.id
        datasetName = dataset.name
        compared = against.map { .init(id: $0.id, name: $0.name) }
        let run = "POST /api/datasets/\(dataset.id)/quality" + (against.map { "?against=\($0.id)" } ?? "")
        message = against.map { "No run of the data checks compared with dataset \($0.id) yet: \(run) runs one." }
            ?? "No run of the data checks yet (one runs by itself when a chat dataset validates, and may still be under way): \(run) runs one."
    }

    private enum CodingKeys: String, CodingKey { case datasetID, datasetName, compared, message, run }

    /// `run` is null here, an object in a stored run's report: the one field a client tells them apart by.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(datasetID, forKey: .datasetID)
        try container.encode(datasetName, forKey: .datasetName)
        try container.encode(compared, forKey: .compared)
        try container.encode(message, forKey: .message)
        try container.encodeNil(forKey: .run)
    }
}

// GET /api/datasets/{id}/quality[?against=ID]  — the dataset's latest stored run of the data checks (README "Data
// checks"): the verdict line, the trend since the previous run, each check with its count, rule and first flagged rows,
// the leakage pairs and the balance, and `run` {id, trigger, createdAt}. Read-only: with no stored run yet, or
// `against` naming a dataset the latest run was not compared with, 200 and {"datasetID", "datasetName", "compared",
// "message", "run": null}; POST runs the checks. 404 for an unknown dataset (or `against`), 409 while it validates or
// when it holds seeds, 422 for a bad `against`.  HTML twin: GET /datasets/{id}/quality
func getDatasetQualityJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (record, against, report) = try latestQualityReport(request, context)
    if let report { return context.renderer.json(report) }
    return context.renderer.json(DatasetQualityNoRun(dataset: record, against: against))
}

// POST /api/datasets/{id}/quality[?against=ID]  ->  201 and the new stored run (it replaces the dataset's row flags).
// Errors as for GET.  HTML twin: POST /datasets/{id}/quality (the page's form)
func runDatasetQualityJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (record, against) = try qualityTargets(request, againstText: request.query("against"), context)
    let run = try DataQualityRun.run(dataset: record, against: against, trigger: .request, createdBy: context.identity?.user.id, services: context.services)
    return context.renderer.json(try DataQualityRun.report(of: run), status: 201)
}

// GET /datasets/{id}/quality[?against=ID]  — the latest stored run as a page, or "no checks yet" with the button that
// runs them (read-only, as its JSON twin).  JSON twin: GET /api/datasets/{id}/quality
func showDatasetQualityPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (record, against, report) = try latestQualityReport(request, context)
    let compared = report?.compared ?? against.map { DatasetQualityReport.Compared(id: $0.id, name: $0.name) }
    let others = try context.datasets.list().filter {
        $0.id != record.id && $0.status != .validating && $0.rowCount > 0
    }
    let options = others.map { other in
        DatasetQualityPage.Option(
            id: other.id, label: "#\(other.id) \(other.name) (\(other.mode == .chat ? "chat" : "seeds"))", selected: other.id == compared?.id)
    }
    let page = DatasetQualityPage(
        chrome: context.chrome(section: .datasets), datasetID: record.id, datasetName: record.name, report: report,
        noRun: report == nil ? DatasetQualityNoRun(dataset: record, against: against) : nil, compared: compared,
        runLabel: report == nil ? "Run the checks" : "Run the checks again", tabs: DatasetTabs(datasetID: record.id, current: .quality),
        againstOptions: options, hasAgainstOptions: !options.isEmpty, calibration: try DatasetCalibrationView.load(request, context))
    return context.renderer.html(.datasetQuality, page)
}

// POST /datasets/{id}/quality  (form: _csrf, optional `against`)  — runs the checks again and stores the run; 303 back
// to the page.  JSON twin: POST /api/datasets/{id}/quality
func submitDatasetQualityRun(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let fields = try FormFields.fields(request)
    let (record, against) = try qualityTargets(request, againstText: fields["against"].flatMap { $0.isEmpty ? nil : $0 }, context)
    _ = try DataQualityRun.run(dataset: record, against: against, trigger: .request, createdBy: context.identity?.user.id, services: context.services)
    return Renderer.redirect(to: "/datasets/\(record.id)/quality")
}

/// The dataset, the one asked to compare against, and the latest stored run's report when it answers that (nil when
/// there is none yet). Only reads.
private func latestQualityReport(
    _ request: HTTPRequest, _ context: RequestContext
) throws -> (DatasetRecord, DatasetRecord?, DatasetQualityReport?) {
    let (record, against) = try qualityTargets(request, againstText: request.query("against"), context)
    let quality = QualityStore(database: context.services.database)
    guard let latest = try quality.latestRuns(datasetID: record.id, limit: 1).first,
          against == nil || latest.compareDatasetID == against?.id
    else { return (record, against, nil) }
    return (record, against, try DataQualityRun.report(of: latest))
}

/// The dataset to check and the one to compare against, or the error that refuses them.
private func qualityTargets(
    _ request: HTTPRequest, againstText: String?, _ context: RequestContext
) throws -> (DatasetRecord, DatasetRecord?) {
    let record = try context.datasets.requireSettledDataset(id: request.datasetID())
    guard record.mode == .chat else {
        throw AppError.conflict("Data checks read chat rows; dataset \(record.id) holds seeds. Synthesize answers first, then check the child.")
    }
    guard let againstText else { return (record, nil) }
    guard let againstID = Int64(againstText), againstID > 0 else {
        let message = "against must be the id of another dataset (a whole number); got \"\(againstText.prefix(40))\"."
        throw AppError.invalid(message, fields: ["against": message])
    }
    guard againstID != record.id else {
        let message = "against must name another dataset than \(record.id): a dataset is not compared with itself."
        throw AppError.invalid(message, fields: ["against": message])
    }
    guard let against = try context.datasets.dataset(id: againstID) else {
        throw AppError.notFound("No dataset \(againstID) to compare against (against=\(againstID)).")
    }
    guard against.status != .validating else {
        throw AppError.conflict("Dataset \(againstID) is still validating; compare against it when validation has finished.")
    }
    return (record, against)
}
