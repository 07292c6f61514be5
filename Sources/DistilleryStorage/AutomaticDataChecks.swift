import DistilleryCore

/// The data checks a job's ending queues on the dataset it made or validated (README "Data checks"): a `jobs` row of
/// their own, inserted in the commit that ends the job, so the job ends without waiting for them and a restart
/// between the two still runs them. The row names its dataset in the payload, not in `dataset_id`: the checks never
/// make the dataset "in use" (deleting it, validating it again), and the jobs page, which lists the work users start
/// (`JobListing`), leaves them out.
public struct AutomaticDataChecks: Sendable, Equatable {
    public static let jobKind = "data_checks"

    public var datasetID: Int64
    public var trigger: QualityTrigger

    public init(datasetID: Int64, trigger: QualityTrigger) {
        self.datasetID = datasetID
        self.trigger = trigger
    }

    /// A chat dataset that passed is checked; a job's output is checked even when it did not pass (a small synthesized
    /// child is `invalid` with its rows). Seeds are not.
    public func apply(mode: DatasetMode, status: DatasetStatus) -> Bool {
        guard mode == .chat else { return false }
        let madeByJob = trigger == .synthesis || trigger == .generation
        return [.valid, .validWithWarnings, .readyForTraining].contains(status) || (madeByJob && status == .invalid)
    }

    /// `{"dataset": 12, "trigger": "synthesis"}`.
    public var payload: String {
        SynthesisJSON.object([("dataset", .number(Double(datasetID))), ("trigger", .string(trigger.rawValue))]).serialized
    }

    /// Nil for a payload this release did not write.
    public init?(payload: String) {
        guard let json = try? SynthesisJSON.parse(payload), let dataset = json["dataset"]?.intValue,
            let trigger = json["trigger"]?.stringValue.flatMap(QualityTrigger.init(rawValue:))
        else { return nil }
        self.init(datasetID: Int64(dataset), trigger: trigger)
    }

    /// Queues the checks inside the caller's transaction (the one that ends the job) when they apply to the dataset as
    /// that transaction leaves it.
    static func queue(_ checks: AutomaticDataChecks?, in connection: Connection, now: Int64) throws {
        guard let checks,
            let dataset = try connection.queryOne("SELECT mode, status FROM datasets WHERE id = ?", .integer(checks.datasetID)),
            let mode = dataset.string("mode").flatMap(DatasetMode.init(rawValue:)),
            let status = dataset.string("status").flatMap(DatasetStatus.init(rawValue:)),
            checks.apply(mode: mode, status: status)
        else { return }
        _ = try JobQueue.enqueue(in: connection, kind: jobKind, datasetID: nil, payload: checks.payload, now: now)
    }
}
