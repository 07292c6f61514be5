import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Turns a job's answered seeds into the child dataset (`DerivedDataset`): a child that passes is
/// `ready_for_training`; one that does not (fewer than 100 rows, say) is `invalid` with its report, like any upload.
/// Retried skipped seeds join the child the job already made: its file is rewritten from every answered seed (each
/// once) and validated again. A job that carries a distribution (its recipe's) splits the child in the same commit.
enum SynthesisChildBuilder {
    static func build(
        job: SynthesisJobRecord, parent: DatasetRecord, services: Services, context: JobContext
    ) throws -> Int64 {
        let store = SynthesisStore(database: services.database)
        // Children of one parent differ by job number and date; the parent's name gives way if the whole is too long.
        let suffix = " · \(job.model) · Job \(JobNumber.text(job.jobID)) · \(Formatting.iso8601(milliseconds: services.now()).prefix(10))"
        let name = String(parent.name.prefix(max(1, DatasetCreation.maxNameLength - suffix.count))) + suffix
        let spec = DerivedDataset.Spec(
            existingID: job.childDatasetID,
            new: NewDataset(
                name: String(name.prefix(DatasetCreation.maxNameLength)), mode: .chat, baseModel: parent.baseModel, skillPrompt: nil,
                byteSize: 0, parentID: parent.id, createdBy: job.createdBy),
            statusForValid: .readyForTraining,
            split: try SynthesisSettings.decode(job.settingsJSON).childSplit,
            link: { connection, id in try SynthesisStore.linkChild(connection, jobID: job.jobID, childDatasetID: id) })
        return try DerivedDataset.build(spec, jobID: job.jobID, services: services, context: context) { after in
            try store.doneRows(jobID: job.jobID, afterIndex: after, limit: 1000).map { ($0.index, $0.row, $0.metadata) }
        }
    }
}
