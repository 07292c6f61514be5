import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Validates an uploaded file and stores its rows, line errors and summary. It always starts from
/// scratch (earlier partial output is cleared), which makes it safe to resume after a crash:
/// the dataset ends `valid`, `valid_with_warnings`, `valid_seeds` or `invalid`, never stuck.
struct ValidationJobRunner: JobRunner {
    let kind = DatasetStore.validationJobKind
    let store: DatasetStore
    let configuration: AppConfiguration
    /// Indexes the validated rows for search in the background.
    let searchIndexer: SearchIndexer
    /// A file that kills the process every time it is validated must not loop forever at boot. Only
    /// crashes spend attempts (a clean stop hands its attempt back), so this many crashes give up.
    static let maxAttempts = 3

    func run(_ job: Job, context: JobContext) throws {
        guard let datasetID = job.datasetID, let record = try store.dataset(id: datasetID) else { return }
        if job.attempts > Self.maxAttempts {
            try giveUp(job, record: record, context: context)
            return
        }
        do {
            try validate(record, split: Self.split(payload: job.payload), metadata: Self.metadata(payload: job.payload), context: context)
        } catch let interruption as JobInterrupted {
            throw interruption
        } catch {
            // Never leave the dataset `validating` behind a failed job: say so on the dataset. Should
            // that write fail too, the error below still fails the job and reaches the log.
            let options = ValidationOptions(mode: record.mode, baseModel: BaseModelCatalog.defaultModel, collectRows: false)
            _ = try? store.failValidation(
                datasetID: datasetID,
                summary: Self.failureSummary(
                    options: options, code: DatasetError.validationServerErrorCode,
                    reason: "Validation stopped on a server error (the server log has the details). The file itself may be fine: validate it again."),
                now: Clock.nowMilliseconds(), ending: .failed(context.lease, error: "\(error)"))
            throw error
        }
    }

    /// The server died during every run this job was allowed: stop trying, fail the job and clear
    /// the partial rows in one commit, and say so on the dataset.
    private func giveUp(_ job: Job, record: DatasetRecord, context: JobContext) throws {
        let crashes = job.attempts - 1
        let reason = "Validation was cut off \(crashes) times by the server stopping abruptly (a crash, kill -9 or power loss) "
            + "and was given up; no rows are kept. The file itself may be fine: validate it again."
        let options = ValidationOptions(mode: record.mode, baseModel: BaseModelCatalog.defaultModel, collectRows: false)
        // False only when the lease was lost meanwhile: whoever holds the job now decides its end.
        try store.failValidation(
            datasetID: record.id, summary: Self.failureSummary(options: options, code: DatasetError.validationInterruptedCode, reason: reason),
            now: Clock.nowMilliseconds(), ending: .failed(context.lease, error: reason))
    }

    /// The split a validation job applies in its final commit: a curated child's, copied from its parent (payload
    /// `{"split": {"train", "validation", "test", "seed", "threshold"}}`). Other validations carry none.
    static func split(payload: String) -> SplitRequest? {
        guard let json = try? SynthesisJSON.parse(payload), let split = json["split"] else { return nil }
        return try? SplitRequest.read(split).get()
    }

    /// Per-line metadata a validation gives the rows it stores (`metadata[line - 1]`): a curated child's rows keep their
    /// parent rows' (payload `{"metadata": [text or null, …]}`), so a resumed validation still has them. Others: none.
    static func metadata(payload: String) -> [String?] {
        guard let json = try? SynthesisJSON.parse(payload), let list = json["metadata"]?.arrayValue else { return [] }
        return list.map(\.stringValue)
    }

    /// The payload of a validation that splits the rows as `split` says and gives line L the metadata `metadata[L - 1]`.
    static func payload(split: SplitRequest?, metadata: [String?] = []) -> String {
        var members: [(key: String, value: SynthesisJSON)] = []
        if let split {
            let fields: [(key: String, value: SynthesisJSON)] = [
                ("train", .number(split.distribution.train)), ("validation", .number(split.distribution.validation)),
                ("test", .number(split.distribution.test)), ("seed", .number(Double(split.seed))), ("threshold", .number(split.threshold)),
            ]
            members.append(("split", .object(fields)))
        }
        if metadata.contains(where: { $0 != nil }) {
            members.append(("metadata", .array(metadata.map { $0.map(SynthesisJSON.string) ?? .null })))
        }
        return members.isEmpty ? "{}" : SynthesisJSON.object(members).serialized
    }

    private func validate(_ record: DatasetRecord, split: SplitRequest?, metadata: [String?], context: JobContext) throws {
        let datasetID = record.id
        let options = ValidationOptions(
            mode: record.mode, baseModel: BaseModelCatalog.model(id: record.baseModel) ?? BaseModelCatalog.defaultModel,
            collectRows: true)
        try store.resetValidation(datasetID: datasetID, now: Clock.nowMilliseconds())
        let path = configuration.uploadPath(datasetID: datasetID)
        var sink = BatchingValidationSink(store: store, datasetID: datasetID, context: context)
        sink.endsJob = true
        sink.split = split
        sink.metadata = metadata
        sink.checks = AutomaticDataChecks(datasetID: datasetID, trigger: record.mergeParentIDs.isEmpty ? .validation : .merge)
        let summary: ValidationSummary
        do {
            summary = try validateJSONLFile(atPath: path, options: options, sink: &sink)
        } catch {
            // The file is gone or unreadable: report it on the dataset instead of leaving it validating.
            try store.failValidation(
                datasetID: datasetID,
                summary: Self.failureSummary(options: options, code: "file_unreadable", reason: "The uploaded file could not be read: \(error)"),
                now: Clock.nowMilliseconds(), ending: .failed(context.lease, error: "The uploaded file could not be read."))
            return
        }
        try sink.finish(summary: summary)
        searchIndexer.wake()
    }

    static func failureSummary(options: ValidationOptions, code: String, reason: String) -> ValidationSummary {
        var validator = StreamingValidator(options: options)
        var summary = validator.finish()
        summary.status = .invalid
        summary.datasetErrors = [DatasetError(code: code, message: reason)]
        return summary
    }
}

/// Writes accepted rows and line errors in small transactions as the validator produces them,
/// so memory stays flat and readers (the web UI) never wait long for the writer.
struct BatchingValidationSink: ValidationSink {
    static let rowsPerBatch = 2000
    static let bytesPerBatch = 4 << 20

    let store: DatasetStore
    let datasetID: Int64
    let context: JobContext
    /// Per-line metadata (`metadata[line - 1]`), for synthesized children.
    var metadata: [String?] = []
    /// The status a passing dataset gets instead of valid / valid_with_warnings (children: ready_for_training).
    var statusForValid: DatasetStatus?
    /// True when this validation is its job's whole work: the job then ends in the final commit.
    /// (A synthesized child's validation is one step of its synthesis job, which goes on after it.)
    var endsJob = false
    /// Splits the rows in the final commit (a synthesized child of a job that carries a distribution).
    var split: SplitRequest?
    /// The data checks the final commit queues (when they apply to the dataset it leaves).
    var checks: AutomaticDataChecks?
    private var rows: [AcceptedRow] = []
    private var errors: [LineError] = []
    private var batchBytes = 0
    private var nextRowIndex: Int64 = 0
    private var nextErrorSequence: Int64 = 0
    /// The validator's sink cannot throw, so the first failure is kept and thrown at the end.
    private var failure: Error?

    init(store: DatasetStore, datasetID: Int64, context: JobContext) {
        self.store = store
        self.datasetID = datasetID
        self.context = context
    }

    /// After a failure (a stop, a lost lease, a deleted dataset) the rest of the file is not read.
    var isStopped: Bool { failure != nil }

    mutating func accept(_ row: AcceptedRow) {
        guard failure == nil else { return }
        batchBytes += row.normalizedJSON.count
        rows.append(row)
        flushIfFull()
    }

    mutating func reject(_ error: LineError) {
        guard failure == nil else { return }
        batchBytes += error.message.utf8.count + 64
        errors.append(error)
        flushIfFull()
    }

    private mutating func flushIfFull() {
        guard rows.count + errors.count >= Self.rowsPerBatch || batchBytes >= Self.bytesPerBatch else { return }
        do {
            try context.heartbeat()
            guard try store.appendValidationBatch(
                datasetID: datasetID, rows: rows, firstRowIndex: nextRowIndex, errors: errors,
                firstErrorSequence: nextErrorSequence, metadata: metadataFor(rows))
            else {
                failure = DatasetDeletedDuringValidation()
                return
            }
            nextRowIndex += Int64(rows.count)
            nextErrorSequence += Int64(errors.count)
            rows.removeAll(keepingCapacity: true)
            errors.removeAll(keepingCapacity: true)
            batchBytes = 0
        } catch {
            failure = error
        }
    }

    func finish(summary: ValidationSummary) throws {
        if failure is DatasetDeletedDuringValidation { return }
        if let failure { throw failure }
        let passed = summary.status == .valid || summary.status == .validWithWarnings
        try store.finishValidation(
            datasetID: datasetID, summary: summary, rows: rows, firstRowIndex: nextRowIndex, errors: errors,
            firstErrorSequence: nextErrorSequence, now: Clock.nowMilliseconds(), metadata: metadataFor(rows),
            status: passed ? statusForValid : nil, ending: endsJob ? .completed(context.lease) : nil, split: split, checks: checks)
    }

    private func metadataFor(_ rows: [AcceptedRow]) -> [String?] {
        guard !metadata.isEmpty else { return [] }
        return rows.map { $0.line - 1 < metadata.count ? metadata[$0.line - 1] : nil }
    }
}

struct DatasetDeletedDuringValidation: Error {}
