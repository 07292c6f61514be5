import DistilleryCore
import DistilleryStorage

// POST /datasets/{id}/validate  — "Validate again", for an upload whose validation was given up
// (crashes) or stopped on a server error: 303 back to the dataset page, which follows the new run.
// JSON twin: POST /api/datasets/{id}/validate
func submitDatasetRevalidation(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let id = try request.datasetID()
    try validateAgain(id: id, context: context)
    return Renderer.redirect(to: "/datasets/\(id)")
}

// POST /api/datasets/{id}/validate  ->  202 and the dataset (now `validating`); 409 when the dataset
// is not one whose validation can run again (its own content failed it, or a job uses it); 404 if missing.
// HTML twin: POST /datasets/{id}/validate
func revalidateDatasetJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let id = try request.datasetID()
    try validateAgain(id: id, context: context)
    return context.renderer.json(try loadDatasetDetailView(id: id, context: context), status: 202)
}

private func validateAgain(id: Int64, context: RequestContext) throws {
    let record = try context.datasets.requireDataset(id: id)
    guard record.canValidateAgain else {
        if record.activeJobs > 0 {
            throw datasetInUse(id)
        }
        throw AppError.conflict(
            "Only a validation that did not finish (cut off by crashes, or stopped on a server error) can run again. "
                + "Dataset \(id) is \(record.status.label.lowercased()) on its own content: fix the file and upload it as a new dataset.")
    }
    switch try context.datasets.queueRevalidation(datasetID: id, now: context.services.now(), createdBy: context.identity?.user.id) {
    case .queued:
        context.services.wakeWorkers()
    case .notFound:
        throw AppError.notFound("No dataset \(id).")
    case .busy:
        throw datasetInUse(id)
    }
}

private func datasetInUse(_ id: Int64) -> AppError {
    .conflict("Dataset \(id) is in use by an active job (its validation, or a synthesis); try again when it ends.")
}
