import DistilleryCore
import DistilleryStorage

// GET /api/datasets/{id}/quality  — the data checks (README "Data checks"), computed on request by streaming the
// stored rows a page at a time: the verdict line, then each check with its count, its rule and its first flagged rows.
// 404 for an unknown dataset, 409 while it validates or when it holds seeds.
func getDatasetQualityJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
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
    return jsonResponse(.object([
        ("datasetId", .number(Double(record.id))),
        ("rows", .number(Double(checks.rowCount))),
        ("verdict", .string(QualityChecks.verdict(findings))),
        ("checks", .array(findings.map { qualityFindingJSON($0, datasetID: record.id) })),
    ]))
}

private let qualityPageSize = 500

private func qualityFindingJSON(_ finding: QualityFinding, datasetID: Int64) -> SynthesisJSON {
    .object([
        ("check", .string(finding.check.rawValue)),
        ("description", .string(finding.check.description)),
        ("count", .number(Double(finding.count))),
        ("flagged", .array(finding.flags.map { flag in
            .object([
                ("line", .number(Double(flag.line))), ("detail", .string(flag.detail)),
                ("row", .string("/api/datasets/\(datasetID)/rows?page=\(flag.position + 1)&per_page=1")),
            ])
        })),
    ])
}
