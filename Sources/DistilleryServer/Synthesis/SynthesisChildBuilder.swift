import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Turns a job's answered seeds into the child dataset: writes the rows as JSONL, validates that
/// file with the same validator as an upload, and stores the rows with their metadata. A child
/// that passes is `ready_for_training`; one that does not (fewer than 100 rows, say) is `invalid`
/// with its report, like any upload. A job that carries a distribution (its recipe's) splits the child in
/// the same commit.
enum SynthesisChildBuilder {
    static func build(
        job: SynthesisJobRecord, parent: DatasetRecord, services: Services, context: JobContext
    ) throws -> Int64 {
        let store = SynthesisStore(database: services.database)
        let temporary = services.configuration.spoolDirectory + "/child-\(job.jobID)-\(UUID().uuidString).jsonl"
        defer { unlink(temporary) }
        let sink = try FileSink(path: temporary)
        var metadata: [String?] = []
        var size = 0
        var after: Int64 = -1
        while true {
            let page = try store.doneRows(jobID: job.jobID, afterIndex: after, limit: 1000)
            guard let last = page.last else { break }
            for row in page {
                let line = Array(row.row.utf8) + [10]
                try sink.write(line[...])
                size += line.count
                metadata.append(row.metadata)
            }
            after = last.index
        }
        sink.close()

        let childID: Int64
        if let existing = try job.childDatasetID.flatMap({ try services.datasets.dataset(id: $0) }) {
            // Retried skipped seeds join the child the job already made: its file is rewritten from every
            // answered seed (each once) and validated again.
            childID = existing.id
            try DatasetUploadReader.moveFile(from: temporary, to: services.configuration.uploadPath(datasetID: childID))
            try services.datasets.resetValidation(datasetID: childID, now: services.now())
            try services.database.write {
                try $0.run("UPDATE datasets SET byte_size = ? WHERE id = ?", SQLValue(size), .integer(childID))
            }
        } else {
            // Children of one parent differ by job number and date; the parent's name gives way if the whole is too long.
            let suffix = " · \(job.model) · Job \(JobNumber.text(job.jobID)) · \(Formatting.iso8601(milliseconds: services.now()).prefix(10))"
            let name = String(parent.name.prefix(max(1, DatasetCreation.maxNameLength - suffix.count))) + suffix
            childID = try services.datasets.create(
                NewDataset(
                    name: String(name.prefix(DatasetCreation.maxNameLength)), mode: .chat, baseModel: parent.baseModel, skillPrompt: nil,
                    byteSize: size, parentID: parent.id, createdBy: job.createdBy),
                now: services.now(), queueValidation: false,
                alsoInTransaction: { connection, id in try SynthesisStore.linkChild(connection, jobID: job.jobID, childDatasetID: id) }
            ) { id in
                try DatasetUploadReader.moveFile(from: temporary, to: services.configuration.uploadPath(datasetID: id))
            }
        }
        let options = ValidationOptions(
            mode: .chat, baseModel: BaseModelCatalog.model(id: parent.baseModel) ?? BaseModelCatalog.defaultModel, collectRows: true)
        var validationSink = BatchingValidationSink(store: services.datasets, datasetID: childID, context: context)
        validationSink.metadata = metadata
        validationSink.statusForValid = .readyForTraining
        validationSink.split = try SynthesisSettings.decode(job.settingsJSON).childSplit
        let summary = try validateJSONLFile(atPath: services.configuration.uploadPath(datasetID: childID), options: options, sink: &validationSink)
        try validationSink.finish(summary: summary)
        return childID
    }
}
