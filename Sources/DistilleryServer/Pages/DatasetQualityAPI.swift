import DistilleryCore
import DistilleryStorage

/// The HTML page: the report in the page shell, with the tab bar and the dataset picker for leakage.
struct DatasetQualityPage {
    struct Option {
        let id: Int64
        let label: String
        let selected: Bool
    }

    var chrome: PageChrome
    let report: DatasetQualityReport
    let tabs: DatasetTabs
    let againstOptions: [Option]
    let hasAgainstOptions: Bool
    /// The judge's agreement with reviewers (README "Calibration against people").
    let calibration: DatasetCalibrationView
}

// GET /api/datasets/{id}/quality[?against=ID]  — the dataset's latest stored run of the data checks (README "Data
// checks"): the verdict line, the trend since the previous run, each check with its count, rule and first flagged rows,
// the leakage pairs and the balance. With no stored run yet, or `against` naming a dataset the latest run was not
// compared with, a run is computed and stored first. 404 for an unknown dataset (or `against`), 409 while it
// validates or when it holds seeds, 422 for a bad `against`.  HTML twin: GET /datasets/{id}/quality
func getDatasetQualityJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try latestQualityReport(request, context))
}

// POST /api/datasets/{id}/quality[?against=ID]  ->  201 and the new stored run (it replaces the dataset's row flags).
// Errors as for GET.  HTML twin: POST /datasets/{id}/quality (the page's form)
func runDatasetQualityJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (record, against) = try qualityTargets(request, againstText: request.query("against"), context)
    let run = try DataQualityRun.run(dataset: record, against: against, trigger: .request, createdBy: context.identity?.user.id, services: context.services)
    return context.renderer.json(try DataQualityRun.report(of: run), status: 201)
}

// GET /datasets/{id}/quality[?against=ID]  — the report as a page.  JSON twin: GET /api/datasets/{id}/quality
func showDatasetQualityPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let report = try latestQualityReport(request, context)
    let others = try context.datasets.list().filter {
        $0.id != report.datasetID && $0.status != .validating && $0.rowCount > 0
    }
    let options = others.map { other in
        DatasetQualityPage.Option(
            id: other.id, label: "#\(other.id) \(other.name) (\(other.mode == .chat ? "chat" : "seeds"))", selected: other.id == report.compared?.id)
    }
    let page = DatasetQualityPage(
        chrome: context.chrome(section: .datasets), report: report, tabs: DatasetTabs(datasetID: report.datasetID, current: .quality),
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

private func latestQualityReport(_ request: HTTPRequest, _ context: RequestContext) throws -> DatasetQualityReport {
    let (record, against) = try qualityTargets(request, againstText: request.query("against"), context)
    let quality = QualityStore(database: context.services.database)
    if let latest = try quality.latestRuns(datasetID: record.id, limit: 1).first, against == nil || latest.compareDatasetID == against?.id {
        return try DataQualityRun.report(of: latest)
    }
    let run = try DataQualityRun.run(dataset: record, against: against, trigger: .request, createdBy: context.identity?.user.id, services: context.services)
    return try DataQualityRun.report(of: run)
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
