import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// A dataset a job makes from rows it produced (a synthesis's child, a generation's output): the rows written as
/// JSONL, the dataset created (or an earlier one of the same job rewritten), and the file validated with the same
/// validator as an upload, each row keeping its metadata. A dataset that passes gets `statusForValid`; one that does
/// not is `invalid` with its report, like any upload.
enum DerivedDataset {
    struct Spec {
        /// The dataset the job already made (a resumed or retried job): rewritten instead of a new one.
        var existingID: Int64?
        var new: NewDataset
        var statusForValid: DatasetStatus
        /// Splits the dataset in the commit that finishes its validation (a synthesis child by its recipe's distribution).
        var split: SplitRequest? = nil
        /// Records the new dataset on the job in the dataset's own creating transaction.
        var link: (Connection, Int64) throws -> Void
    }

    /// One row: where the next page starts after it, its line, its metadata JSON.
    typealias Row = (cursor: Int64, line: String, metadata: String?)

    /// `page(after)` returns the rows after a cursor (-1 first), empty at the end.
    static func build(_ spec: Spec, jobID: Int64, services: Services, context: JobContext, page: (Int64) throws -> [Row]) throws -> Int64 {
        let temporary = services.configuration.spoolDirectory + "/derived-\(jobID)-\(UUID().uuidString).jsonl"
        defer { unlink(temporary) }
        let sink = try FileSink(path: temporary)
        var metadata: [String?] = []
        var size = 0
        var after: Int64 = -1
        while true {
            let rows = try page(after)
            guard let last = rows.last else { break }
            for row in rows {
                let line = Array(row.line.utf8) + [10]
                try sink.write(line[...])
                size += line.count
                metadata.append(row.metadata)
            }
            after = last.cursor
        }
        sink.close()

        let datasetID: Int64
        if let existing = try spec.existingID.flatMap({ try services.datasets.dataset(id: $0) }) {
            datasetID = existing.id
            try DatasetUploadReader.moveFile(from: temporary, to: services.configuration.uploadPath(datasetID: datasetID))
            try services.datasets.resetValidation(datasetID: datasetID, now: services.now())
            try services.database.write {
                try $0.run("UPDATE datasets SET byte_size = ? WHERE id = ?", SQLValue(size), .integer(datasetID))
            }
        } else {
            var new = spec.new
            new.byteSize = size
            datasetID = try services.datasets.create(new, now: services.now(), queueValidation: false, alsoInTransaction: spec.link) { id in
                try DatasetUploadReader.moveFile(from: temporary, to: services.configuration.uploadPath(datasetID: id))
            }
        }
        let options = ValidationOptions(
            mode: spec.new.mode, baseModel: BaseModelCatalog.model(id: spec.new.baseModel) ?? BaseModelCatalog.defaultModel, collectRows: true)
        var validationSink = BatchingValidationSink(store: services.datasets, datasetID: datasetID, context: context)
        validationSink.metadata = metadata
        validationSink.statusForValid = spec.statusForValid
        validationSink.split = spec.split
        let summary = try validateJSONLFile(atPath: services.configuration.uploadPath(datasetID: datasetID), options: options, sink: &validationSink)
        try validationSink.finish(summary: summary)
        services.searchIndexer.wake()
        return datasetID
    }
}
