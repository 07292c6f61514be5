import DistilleryCore
import DistilleryStorage

// PUT /api/datasets/{id}/split  {"train":0.8,"validation":0.1,"test":0.1,"seed":42[,"threshold":0.8]}
//   -> 200 with the counts and the leakage check; 422 naming each bad field.
func putDatasetSplitJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let record = try context.datasets.requireSettledDataset(id: request.datasetID())
    guard record.mode == .chat else { throw AppError.conflict("Only a chat dataset can be split; dataset \(record.id) holds seeds.") }
    let splitRequest = try readSplitRequest(request)
    let stored = try splitDataset(id: record.id, splitRequest, context)
    return jsonResponse(splitJSON(stored))
}

// POST /datasets/{id}/split  (form: preset, train, validation, test, seed)  ->  303 to the dataset;
// 422 shows the page again with each bad field named.
func submitDatasetSplit(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let record = try context.datasets.requireSettledDataset(id: request.datasetID())
    guard record.mode == .chat else { throw AppError.conflict("Only a chat dataset can be split; dataset \(record.id) holds seeds.") }
    let fields = try FormFields.fields(request)
    switch SplitRequest.read(form: fields) {
    case .success(let splitRequest):
        _ = try splitDataset(id: record.id, splitRequest, context)
        return Renderer.redirect(to: "/datasets/\(record.id)#splits")
    case .failure(let problems):
        var view = try loadDatasetDetailView(id: record.id, context: context)
        view.splits = DatasetSplitsView(
            applied: try context.datasets.split(datasetID: record.id), lengths: try context.datasets.splitLengths(datasetID: record.id),
            submitted: fields, problems: problems.fields)
        view.chrome = context.chrome(section: .datasets)
        return context.renderer.html(.datasetDetail, view, status: 422)
    }
}

/// Groups the dataset's rows by their user turns, assigns the splits and stores them. Rows keep their
/// current split when the settings are those of the split last applied.
func splitDataset(id: Int64, _ splitRequest: SplitRequest, _ context: RequestContext) throws -> SplitRecord {
    let rows = try context.datasets.splitInput(datasetID: id)
    let (record, splits) = DatasetStore.planSplit(rows: rows, previous: try context.datasets.split(datasetID: id), request: splitRequest)
    try context.datasets.applySplit(datasetID: id, rowIndexes: rows.map(\.index), splits: splits, record: record, now: context.services.now())
    return record
}

extension HTTPRequest {
    /// The body as JSON; 400 naming where it stops being JSON.
    func jsonBody() throws -> SynthesisJSON {
        guard case .bytes(let bytes) = body else { throw AppError.badRequest("The body must be a JSON object.") }
        do {
            return try SynthesisJSON.parse(bytes)
        } catch {
            throw AppError.badRequest("The body is not JSON: \(error.description).")
        }
    }
}

private func readSplitRequest(_ request: HTTPRequest) throws -> SplitRequest {
    switch SplitRequest.read(try request.jsonBody()) {
    case .success(let splitRequest): return splitRequest
    case .failure(let problems):
        let names = problems.fields.keys.sorted().joined(separator: ", ")
        throw AppError.invalid("The split settings are not valid: \(names).", fields: problems.fields)
    }
}

func splitJSON(_ split: SplitRecord) -> SynthesisJSON {
    func counts(_ counts: SplitCounts) -> SynthesisJSON {
        .object(DatasetSplit.allCases.map { ($0.rawValue, .number(Double(counts[$0]))) })
    }
    return .object([
        ("train", .number(split.distribution.train)), ("validation", .number(split.distribution.validation)),
        ("test", .number(split.distribution.test)), ("seed", .number(Double(split.seed))),
        ("threshold", .number(split.threshold)),
        ("counts", counts(split.counts)),
        ("quotas", counts(split.distribution.quotas(rowCount: split.counts.total))),
        ("bentBy", .number(Double(split.bentBy))),
        ("movedRows", .number(Double(split.movedRows))),
        ("leakage", .object([
            ("crossSplitPairs", .number(Double(split.crossSplitPairs))),
            ("groupsKeptTogether", .number(Double(split.groupsKeptTogether))),
            ("rowsInGroups", .number(Double(split.rowsInGroups))),
        ])),
    ])
}
