import DistilleryCore
import DistilleryStorage

// POST /api/datasets/{id}/rows/{idx}/review  {"verdict": "accepted"|"rejected", "rating": 1-5 (optional)}
//   -> 200 with the row's JSON (its review now set); 422 naming each bad field; 404 unknown row; 409 while the
//   dataset validates or for a seeds dataset.  HTML twin: POST /datasets/{id}/rows/{idx}/review
func reviewRowJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (datasetID, index) = (try request.datasetID(), try request.rowIndex())
    switch RowReviewSubmission.read(try request.jsonBody()) {
    case .success(let submission):
        try saveReview(submission, datasetID: datasetID, index: index, context)
        return context.renderer.json(try loadRowPageView(request, context))
    case .failure(let problems):
        throw AppError.invalid("The review is not valid: \(problems.sentence).", fields: problems.fields)
    }
}

// POST /datasets/{id}/rows/{idx}/review[?<explorer filter>]  (form: verdict = the button pressed, rating, _csrf)
//   -> 303 to the next row (within the filter), or back to this row when it was the last.
//   JSON twin: POST /api/datasets/{id}/rows/{idx}/review
func submitRowReview(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (datasetID, index) = (try request.datasetID(), try request.rowIndex())
    switch RowReviewSubmission.read(form: try FormFields.urlencoded(request)) {
    case .success(let submission):
        try saveReview(submission, datasetID: datasetID, index: index, context)
        // Worked out after the review: with a review filter, the row just reviewed may have left the set.
        let navigation = try RowNavigation(request, datasetID: datasetID, index: index, context: context)
        return Renderer.redirect(to: navigation.nextURL ?? "/datasets/\(datasetID)/rows/\(index)\(navigation.query)")
    case .failure(let problems):
        throw AppError.invalid("The review is not valid: \(problems.sentence).", fields: problems.fields)
    }
}

// POST /api/datasets/{id}/rows/{idx}/edit  {"messages": [{"role", "content"}, …]}
//   -> 200 with the row's JSON (the edit applied, in `edits`, the review accepted); 422 naming each problem by its
//   JSON path (`messages[1].content`), as the validation report would; 404 / 409 as for a review.
//   HTML twin: POST /datasets/{id}/rows/{idx}/edit
func editRowJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (datasetID, index) = (try request.datasetID(), try request.rowIndex())
    let record = try context.datasets.requireSettledDataset(id: datasetID)
    try requireChatRows(record)
    switch RowEdit.validate(try request.jsonBody(), baseModel: baseModel(of: record)) {
    case .success(let body):
        try saveEdit(body, datasetID: datasetID, index: index, context)
        return context.renderer.json(try loadRowPageView(request, context))
    case .failure(let problems):
        throw AppError.invalid("The edited row is not valid: \(problems.sentence).", fields: problems.fields)
    }
}

// POST /datasets/{id}/rows/{idx}/edit[?<explorer filter>]  (form: role_0, content_0, role_1, …, _csrf)
//   -> 303 back to the row, its history now holding the edit; 422 shows the page again with each problem named
//   by its JSON path and the text as typed.  JSON twin: POST /api/datasets/{id}/rows/{idx}/edit
func submitRowEdit(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let (datasetID, index) = (try request.datasetID(), try request.rowIndex())
    let record = try context.datasets.requireSettledDataset(id: datasetID)
    try requireChatRows(record)
    let submitted = RowEdit.messages(form: try FormFields.urlencoded(request))
    switch RowEdit.validate(submitted, baseModel: baseModel(of: record)) {
    case .success(let body):
        try saveEdit(body, datasetID: datasetID, index: index, context)
        let query = try RowNavigation(request, datasetID: datasetID, index: index, context: context).query
        return Renderer.redirect(to: "/datasets/\(datasetID)/rows/\(index)\(query)#history")
    case .failure(let problems):
        var view = try loadRowPageView(request, context)
        view.chrome = context.chrome(section: .datasets)
        view.editOpen = true
        view.editProblems = problems.fields.sorted { $0.key < $1.key }.map { .init(path: $0.key, message: $0.value) }
        view.formMessages = (submitted["messages"]?.arrayValue ?? []).enumerated().map { position, message in
            RowPageView.Message(
                PreviewRow.Message(role: message["role"]?.stringValue ?? "", content: message["content"]?.stringValue ?? ""), index: position)
        }
        return context.renderer.html(.row, view, status: 422)
    }
}

private func saveReview(_ submission: RowReviewSubmission, datasetID: Int64, index: Int64, _ context: RequestContext) throws {
    try context.reviews.review(
        datasetID: datasetID, index: index, submission, user: try context.requireUser(), remoteAddress: context.remoteAddress,
        now: context.services.now())
}

private func saveEdit(_ body: [UInt8], datasetID: Int64, index: Int64, _ context: RequestContext) throws {
    try context.reviews.edit(
        datasetID: datasetID, index: index, body: String(decoding: body, as: UTF8.self), user: try context.requireUser(),
        remoteAddress: context.remoteAddress, now: context.services.now())
}

private func baseModel(of record: DatasetRecord) -> BaseModel {
    BaseModelCatalog.model(id: record.baseModel) ?? BaseModelCatalog.defaultModel
}
