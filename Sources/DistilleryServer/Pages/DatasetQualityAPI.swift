import DistilleryCore
import DistilleryStorage

/// The data checks of one chat dataset (README "Data checks"): the JSON of `GET /api/datasets/{id}/quality` and
/// what the page `GET /datasets/{id}/quality` shows.
struct DatasetQualityReport: Encodable {
    struct Flagged: Encodable {
        let line: Int
        let detail: String
        /// The row in the rows API (one row a page, at the flagged row's position).
        let row: String
    }

    struct Check: Encodable {
        let check: String
        let title: String
        let description: String
        let count: Int
        let flagged: [Flagged]
        /// Says how many flagged rows are not listed, when some are not.
        let unlistedText: String?
    }

    let datasetID: Int64
    let datasetName: String
    let rows: Int
    let verdict: String
    let checks: [Check]
}

/// The HTML page: the report in the page shell.
struct DatasetQualityPage {
    var chrome: PageChrome
    let report: DatasetQualityReport
}

// GET /api/datasets/{id}/quality  — the data checks, computed on request by streaming the stored rows a page at a
// time: the verdict line, then each check with its count, its rule and its first flagged rows.
// 404 for an unknown dataset, 409 while it validates or when it holds seeds.  HTML twin: GET /datasets/{id}/quality
func getDatasetQualityJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try loadDatasetQualityReport(request, context))
}

// GET /datasets/{id}/quality  — the same report as a page.  JSON twin: GET /api/datasets/{id}/quality
func showDatasetQualityPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let report = try loadDatasetQualityReport(request, context)
    return context.renderer.html(.datasetQuality, DatasetQualityPage(chrome: context.chrome(section: .datasets), report: report))
}

private let qualityPageSize = 500

private func loadDatasetQualityReport(_ request: HTTPRequest, _ context: RequestContext) throws -> DatasetQualityReport {
    let record = try context.datasets.requireSettledDataset(id: request.datasetID())
    guard record.mode == .chat else {
        throw AppError.conflict("Data checks read chat rows; dataset \(record.id) holds seeds. Synthesize answers first, then check the child.")
    }
    var checks = QualityChecks()
    var afterIndex: Int64 = -1
    while true {
        let page = try context.datasets.rows(datasetID: record.id, afterIndex: afterIndex, limit: qualityPageSize)
        for row in page {
            if let qualityRow = QualityRow(line: row.line, body: Array(row.body.utf8), metadata: row.meta) { checks.add(qualityRow) }
        }
        guard let last = page.last, page.count == qualityPageSize else { break }
        afterIndex = last.index
    }
    let findings = checks.report()
    return DatasetQualityReport(
        datasetID: record.id, datasetName: record.name, rows: checks.rowCount, verdict: QualityChecks.verdict(findings),
        checks: findings.map { finding in
            DatasetQualityReport.Check(
                check: finding.check.rawValue, title: finding.check.title, description: finding.check.description,
                count: finding.count,
                flagged: finding.flags.map { flag in
                    .init(line: flag.line, detail: flag.detail, row: "/api/datasets/\(record.id)/rows?page=\(flag.position + 1)&per_page=1")
                },
                unlistedText: finding.count > finding.flags.count
                    ? "\(finding.count - finding.flags.count) more not listed (only the first \(QualityChecks.listedFlags) are)." : nil)
        })
}
