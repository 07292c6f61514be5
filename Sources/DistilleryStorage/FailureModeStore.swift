import DistilleryCore

/// A failure mode of an evaluation run, with its rows.
public struct FailureModeRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// The mode it was merged into (a merged mode keeps its row, without rows of its own).
    public var mergedInto: Int64?
    /// Its failed rows.
    public var count: Int
}

/// A failing row as the failure-mode page and the failure dataset read it.
public struct FailingRowRecord: Sendable, Equatable {
    public var idx: Int64
    public var modeID: Int64
    public var prompt: String
    public var studentAnswer: String
    public var phrase: String
}

/// A failure-mode dataset made from an evaluation run: the generation task and its output once written.
public struct FailureDatasetRecord: Sendable, Equatable {
    public var generationJobID: Int64
    public var name: String
    public var status: String
    public var datasetID: Int64?
}

/// Why a rename or a merge was refused; the server turns each into its response.
public enum FailureModeEditError: Error, Equatable {
    case unknownMode(Int64)
    case alreadyMerged(Int64)
    case needsTwoModes
}

/// `failure_modes` and `evaluation_rows.failure_mode_id` (migration 14): the modes an evaluation run's failure phrases
/// were clustered into, and a person's renames and merges.
public struct FailureModeStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Clusters the phrases of the run's failed rows (judged, not passed, with a phrase) by
    /// `FailureModeClustering` and stores the modes and each row's mode, in one transaction. A run whose modes were
    /// assigned already (a resumed run that ended before, renamed or merged since) keeps them: returns false.
    @discardableResult public func assign(jobID: Int64, now: Int64) throws -> Bool {
        try database.write { connection in
            let assigned = try connection.scalar("SELECT count(*) FROM failure_modes WHERE job_id = ?", .integer(jobID))?.int64Value ?? 0
            guard assigned == 0 else { return false }
            let phrases = try connection.query(
                """
                SELECT idx, failure_phrase FROM evaluation_rows
                WHERE job_id = ? AND status = 'done' AND passed = 0 AND failure_phrase IS NOT NULL ORDER BY idx
                """, .integer(jobID)
            ).map { FailureModeClustering.Phrase(row: $0.int64("idx") ?? 0, text: $0.string("failure_phrase") ?? "") }
            let setMode = try connection.cachedStatement("UPDATE evaluation_rows SET failure_mode_id = ? WHERE job_id = ? AND idx = ?")
            for mode in FailureModeClustering.cluster(phrases) {
                try connection.run(
                    "INSERT INTO failure_modes (job_id, name, created_at) VALUES (?, ?, ?)", .integer(jobID), .text(mode.name), .integer(now))
                let modeID = connection.lastInsertRowID
                for row in mode.rows {
                    setMode.reset()
                    try setMode.bind(modeID, at: 1)
                    try setMode.bind(jobID, at: 2)
                    try setMode.bind(row, at: 3)
                    _ = try setMode.step()
                }
            }
            return true
        }
    }

    /// The run's modes, merged ones included: the largest first, then by id.
    public func modes(jobID: Int64) throws -> [FailureModeRecord] {
        try database.read { connection in
            try connection.query(
                """
                SELECT m.id, m.name, m.merged_into,
                    (SELECT count(*) FROM evaluation_rows r WHERE r.job_id = m.job_id AND r.failure_mode_id = m.id) AS rows
                FROM failure_modes m WHERE m.job_id = ? ORDER BY m.merged_into IS NOT NULL, rows DESC, m.id
                """, .integer(jobID)
            ).map { row in
                FailureModeRecord(
                    id: row.int64("id") ?? 0, name: row.string("name") ?? "", mergedInto: row.int64("merged_into"), count: row.int("rows") ?? 0)
            }
        }
    }

    /// The failed rows of the given modes (every mode when nil), in row order, at most `perMode` of each.
    public func failingRows(jobID: Int64, modeIDs: [Int64]? = nil, perMode: Int = Int(Int32.max)) throws -> [FailingRowRecord] {
        try database.read { connection in
            let rows = try connection.query(
                """
                SELECT idx, failure_mode_id, prompt, coalesce(student_answer, '') AS answer, coalesce(failure_phrase, '') AS phrase
                FROM evaluation_rows WHERE job_id = ? AND failure_mode_id IS NOT NULL ORDER BY idx
                """, .integer(jobID)
            ).map { row in
                FailingRowRecord(
                    idx: row.int64("idx") ?? 0, modeID: row.int64("failure_mode_id") ?? 0, prompt: row.string("prompt") ?? "",
                    studentAnswer: row.string("answer") ?? "", phrase: row.string("phrase") ?? "")
            }
            let wanted = modeIDs.map(Set.init)
            var taken: [Int64: Int] = [:]
            return rows.filter { row in
                guard wanted?.contains(row.modeID) ?? true, taken[row.modeID, default: 0] < perMode else { return false }
                taken[row.modeID, default: 0] += 1
                return true
            }
        }
    }

    /// Every prompt of the evaluated rows (the held-out split as the run read it), in row order.
    public func evaluatedPrompts(jobID: Int64) throws -> [String] {
        try database.read { connection in
            try connection.query("SELECT prompt FROM evaluation_rows WHERE job_id = ? ORDER BY idx", .integer(jobID)).map { $0.string("prompt") ?? "" }
        }
    }

    /// The failure-mode datasets made from the run, newest first: the generation tasks whose settings name it
    /// (`expansion.failures.evaluationJobID`, written with the task in its creating transaction).
    public func failureDatasets(evaluationJobID: Int64) throws -> [FailureDatasetRecord] {
        try database.read { connection in
            try connection.query(
                """
                SELECT job_id, output_name, status, output_dataset_id FROM generation_jobs
                WHERE json_extract(settings, '$.expansion.failures.evaluationJobID') = ? ORDER BY job_id DESC
                """, .integer(evaluationJobID)
            ).map { row in
                FailureDatasetRecord(
                    generationJobID: row.int64("job_id") ?? 0, name: row.string("output_name") ?? "", status: row.string("status") ?? "",
                    datasetID: row.int64("output_dataset_id"))
            }
        }
    }

    /// Renames a mode of the run (a merged one too: its name stays in the merge's history).
    public func rename(jobID: Int64, modeID: Int64, name: String) throws {
        try database.write { connection in
            guard try Self.mode(connection, jobID: jobID, modeID: modeID) != nil else { throw FailureModeEditError.unknownMode(modeID) }
            try connection.run("UPDATE failure_modes SET name = ? WHERE id = ?", .text(name), .integer(modeID))
        }
    }

    /// Merges two or more active modes of the run into a new mode called `name`: their rows move to it (so its count
    /// is the sum of theirs) and each keeps its row with `merged_into` set. Returns the new mode's id.
    public func merge(jobID: Int64, modeIDs: [Int64], name: String, now: Int64) throws -> Int64 {
        var distinct: [Int64] = []
        for id in modeIDs where !distinct.contains(id) { distinct.append(id) }
        guard distinct.count >= 2 else { throw FailureModeEditError.needsTwoModes }
        return try database.write { connection in
            for id in distinct {
                guard let mode = try Self.mode(connection, jobID: jobID, modeID: id) else { throw FailureModeEditError.unknownMode(id) }
                guard mode.mergedInto == nil else { throw FailureModeEditError.alreadyMerged(id) }
            }
            try connection.run(
                "INSERT INTO failure_modes (job_id, name, created_at) VALUES (?, ?, ?)", .integer(jobID), .text(name), .integer(now))
            let merged = connection.lastInsertRowID
            for id in distinct {
                try connection.run("UPDATE failure_modes SET merged_into = ? WHERE id = ?", .integer(merged), .integer(id))
                try connection.run(
                    "UPDATE evaluation_rows SET failure_mode_id = ? WHERE job_id = ? AND failure_mode_id = ?", .integer(merged), .integer(jobID),
                    .integer(id))
            }
            return merged
        }
    }

    private static func mode(_ connection: Connection, jobID: Int64, modeID: Int64) throws -> FailureModeRecord? {
        try connection.queryOne("SELECT id, name, merged_into FROM failure_modes WHERE id = ? AND job_id = ?", .integer(modeID), .integer(jobID))
            .map { FailureModeRecord(id: $0.int64("id") ?? 0, name: $0.string("name") ?? "", mergedInto: $0.int64("merged_into"), count: 0) }
    }
}
