/// What started a stored run of the data checks (the `quality_runs.trigger` column).
public enum QualityTrigger: String, Sendable, CaseIterable {
    case validation, synthesis, generation, merge, request
}

/// A flag of a stored run: the row (`dataset_rows.idx`), the check's rawValue and why.
public struct StoredRowFlag: Sendable, Equatable {
    public let index: Int64
    public let check: String
    public let detail: String

    public init(index: Int64, check: String, detail: String) {
        self.index = index
        self.check = check
        self.detail = detail
    }
}

/// A run of the data checks to store.
public struct NewQualityRun: Sendable {
    public var datasetID: Int64
    public var trigger: QualityTrigger
    public var compareDatasetID: Int64?
    public var rows: Int
    public var verdict: String
    /// JSON object: check rawValue → count.
    public var counts: String
    /// The whole report as JSON.
    public var report: String
    /// Every row the run flags (not only the listed ones).
    public var flags: [StoredRowFlag]
    public var createdBy: Int64?

    public init(
        datasetID: Int64, trigger: QualityTrigger, compareDatasetID: Int64?, rows: Int, verdict: String, counts: String, report: String,
        flags: [StoredRowFlag], createdBy: Int64?
    ) {
        self.datasetID = datasetID
        self.trigger = trigger
        self.compareDatasetID = compareDatasetID
        self.rows = rows
        self.verdict = verdict
        self.counts = counts
        self.report = report
        self.flags = flags
        self.createdBy = createdBy
    }
}

/// A stored run (`quality_runs`).
public struct StoredQualityRun: Sendable, Equatable {
    public let id: Int64
    public let datasetID: Int64
    public let trigger: QualityTrigger
    public let compareDatasetID: Int64?
    public let rows: Int
    public let verdict: String
    public let counts: String
    public let report: String
    public let createdBy: Int64?
    public let createdAt: Int64
}

/// The `quality_runs` and `row_flags` tables: each run of the data checks, and the flags of a dataset's latest run.
public struct QualityStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Stores the run and replaces the dataset's row flags with the run's, in one transaction.
    public func record(_ run: NewQualityRun, now: Int64) throws -> StoredQualityRun {
        try database.write { connection in
            try connection.run(
                """
                INSERT INTO quality_runs (dataset_id, trigger, compare_dataset_id, rows, verdict, counts, report, created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                .integer(run.datasetID), .text(run.trigger.rawValue), SQLValue(run.compareDatasetID), SQLValue(run.rows),
                .text(run.verdict), .text(run.counts), .text(run.report), SQLValue(run.createdBy), .integer(now))
            let id = connection.lastInsertRowID
            try connection.run("DELETE FROM row_flags WHERE dataset_id = ?", .integer(run.datasetID))
            let insert = try connection.cachedStatement(
                "INSERT INTO row_flags (dataset_id, idx, check_name, detail) VALUES (?, ?, ?, ?)")
            for flag in run.flags {
                insert.reset()
                try insert.bind(run.datasetID, at: 1)
                try insert.bind(flag.index, at: 2)
                try insert.bind(flag.check, at: 3)
                try insert.bind(flag.detail, at: 4)
                _ = try insert.step()
            }
            insert.reset()
            return StoredQualityRun(
                id: id, datasetID: run.datasetID, trigger: run.trigger, compareDatasetID: run.compareDatasetID, rows: run.rows,
                verdict: run.verdict, counts: run.counts, report: run.report, createdBy: run.createdBy, createdAt: now)
        }
    }

    /// The dataset's latest runs, newest first.
    public func latestRuns(datasetID: Int64, limit: Int) throws -> [StoredQualityRun] {
        try database.read { connection in
            try connection.query(
                "SELECT * FROM quality_runs WHERE dataset_id = ? ORDER BY id DESC LIMIT ?", .integer(datasetID), SQLValue(limit)
            ).map { row in
                StoredQualityRun(
                    id: row.int64("id") ?? 0, datasetID: row.int64("dataset_id") ?? 0,
                    trigger: row.string("trigger").flatMap(QualityTrigger.init(rawValue:)) ?? .request,
                    compareDatasetID: row.int64("compare_dataset_id"), rows: row.int("rows") ?? 0, verdict: row.string("verdict") ?? "",
                    counts: row.string("counts") ?? "{}", report: row.string("report") ?? "{}", createdBy: row.int64("created_by"),
                    createdAt: row.int64("created_at") ?? 0)
            }
        }
    }

    /// The dataset's row flags (those of its latest run), by row then check.
    public func flags(datasetID: Int64) throws -> [StoredRowFlag] {
        try database.read { connection in
            try connection.query(
                "SELECT idx, check_name, detail FROM row_flags WHERE dataset_id = ? ORDER BY idx, check_name", .integer(datasetID)
            ).map { StoredRowFlag(index: $0.int64("idx") ?? 0, check: $0.string("check_name") ?? "", detail: $0.string("detail") ?? "") }
        }
    }
}
