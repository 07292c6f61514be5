import DistilleryCore
import DistilleryStorage
import Foundation

/// GET /datasets/{id}/export?format=bundle: the dataset's splits and trainer configs as a `.zip` built in the
/// spool folder a page of rows at a time, then sent from disk (unlinked as soon as the response opens it).
func trainerBundleResponse(_ record: DatasetRecord, applied: SplitRecord?, _ context: RequestContext) throws -> HTTPResponse {
    let store = context.datasets
    let zipPath = context.configuration.spoolDirectory + "/bundle-\(record.id)-\(UUID().uuidString).zip"
    let provenance = try BundleProvenance(record: record, context: context)
    try TrainerBundleArchive.write(
        to: zipPath, spoolDirectory: context.configuration.spoolDirectory,
        writeRows: { split, append in
            // An unsplit dataset goes whole into train.jsonl.
            guard applied != nil || split == .train else { return 0 }
            var after: Int64 = -1
            var written = 0
            while let page = try store.exportPage(datasetID: record.id, after: after, split: applied == nil ? nil : split, format: .bundle) {
                try append(page.bytes)
                written += page.rows
                after = page.lastKey
            }
            return written
        },
        bundle: { counts in
            TrainerBundle(
                name: record.name, datasetID: record.id, counts: counts, split: applied, parents: provenance.parents,
                teachers: provenance.teachers, costUSD: provenance.costUSD, recipe: provenance.recipe,
                distilleryVersion: DistilleryVersion.current, createdAt: context.services.now())
        })
    var headers = HTTPHeaders()
    headers.set("Content-Type", ExportFormat.bundle.contentType)
    headers.set("Content-Disposition", "attachment; filename=\"\(PagedExport.filename(for: record, suffix: ExportFormat.bundle.filenameSuffix))\"")
    headers.set("Cache-Control", "no-store")
    return HTTPResponse(status: 200, headers: headers, body: .file(path: zipPath, deleteAfterSending: true))
}

/// Where a dataset came from, for `provenance.json` and `recipe.json`: its parents (merged or synthesized
/// from), the teachers and cost of the synthesis jobs that made it or its merged parents (plus the judges and cost
/// of the scoring jobs run on it), and the settings
/// snapshot of the job that made it. Snapshots hold no key; the key's label is dropped as well.
private struct BundleProvenance {
    var parents: [TrainerBundle.Parent] = []
    var teachers: [TrainerBundle.Teacher] = []
    var costUSD: Double?
    var recipe: SynthesisJSON?

    init(record: DatasetRecord, context: RequestContext) throws {
        let parentIDs = record.mergeParentIDs.isEmpty ? (record.parentID.map { [$0] } ?? []) : record.mergeParentIDs
        for id in parentIDs {
            parents.append(TrainerBundle.Parent(id: id, name: try context.datasets.dataset(id: id)?.name ?? "(deleted)"))
        }
        let synthesis = context.services.synthesis
        let jobs = try ([record.id] + record.mergeParentIDs).compactMap { try synthesis.job(childDatasetID: $0) }
        for job in jobs {
            var made = [TrainerBundle.Teacher(provider: job.provider, model: job.model)]
            if let judge = (try? SynthesisSettings.decode(job.settingsSnapshotJSON))?.judge {
                made.append(TrainerBundle.Teacher(provider: judge.provider, model: judge.model))
            }
            for teacher in made where !teachers.contains(teacher) { teachers.append(teacher) }
        }
        costUSD = jobs.isEmpty ? nil : jobs.reduce(0) { $0 + $1.costUSD }
        // Judging the dataset is part of what it cost: every scoring job on it, and its judges.
        if let judging = try context.services.scoring.costUSD(datasetID: record.id) { costUSD = (costUSD ?? 0) + judging }
        for job in try context.services.scoring.jobs(datasetID: record.id) {
            let judge = TrainerBundle.Teacher(provider: job.provider, model: job.model)
            if !teachers.contains(judge) { teachers.append(judge) }
        }
        if let job = try synthesis.job(childDatasetID: record.id), case .object(let settings) = try SynthesisJSON.parse(job.settingsSnapshotJSON) {
            recipe = .object([
                ("synthesis_job", .number(Double(job.jobID))),
                ("recipe_id", job.recipeID.map { .number(Double($0)) } ?? .null),
                ("settings", .object(settings.filter { $0.key != "keyDescription" })),
            ])
        }
    }
}
