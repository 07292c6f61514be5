import DistilleryCore
import Foundation

// POST /datasets/{id}/delete  ->  303 /datasets; 409 page while an active job uses it.
// JSON twin: DELETE /api/datasets/{id}
func submitDatasetDeletion(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try deleteDataset(id: request.datasetID(), context: context)
    return Renderer.redirect(to: "/datasets")
}

// DELETE /api/datasets/{id}  ->  204; 409 while an active job uses it; 404 if missing.
func deleteDatasetJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try deleteDataset(id: request.datasetID(), context: context)
    return HTTPResponse(status: 204)
}

private func deleteDataset(id: Int64, context: RequestContext) throws {
    let user = try context.requireUser()
    let record = try context.datasets.requireDataset(id: id)
    guard user.mayDelete(createdBy: record.createdBy) else {
        throw AppError.forbidden("Only the dataset's creator or an admin can delete it.")
    }
    switch try context.datasets.delete(id: id) {
    case .deleted:
        try context.services.audit.record(
            .datasetDeleted, user: user, detail: "dataset #\(id) \"\(record.name)\"", remoteAddress: context.remoteAddress,
            now: context.services.now())
        // The row is gone first, so a failed unlink leaves an orphan file, never a dataset without its file.
        unlink(context.configuration.uploadPath(datasetID: id))
    case .notFound:
        throw AppError.notFound("No dataset \(id).")
    case .inUse(let activeJobs):
        throw AppError.conflict(
            "Dataset \(id) is used by \(activeJobs) active job\(activeJobs == 1 ? "" : "s"); wait for \(activeJobs == 1 ? "it" : "them") to finish or cancel \(activeJobs == 1 ? "it" : "them") first.")
    }
}
