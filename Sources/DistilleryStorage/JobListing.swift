import DistilleryCore

/// A job as the jobs page lists it, with the synthesis settings the server reads its cost's certainty from.
public struct StoredJobListing: Sendable, Equatable {
    public var entry: JobListEntry
    /// A synthesis job's settings JSON, a generation task's, a scoring job's or an evaluation run's (nil for other kinds).
    public let settingsJSON: String?
}

/// The jobs page's reads: every kind of job but the automatic data checks, newest first, joined with its kind's own row.
extension JobQueue {
    public func listings(filter: JobListFilter, offset: Int, limit: Int) throws -> [StoredJobListing] {
        let (condition, values) = Self.whereClause(filter)
        // A running validation has no line count yet: it counts the lines it has stored so far (rows, and the
        // lines with errors), which its batches commit as it reads.
        let sql = """
            SELECT j.id, j.kind, j.dataset_id, d.name AS dataset_name, d.status AS dataset_status, d.line_count, d.row_count,
                j.state, j.created_at, j.started_at, j.finished_at, u.name AS started_by,
                s.job_id AS synthesis_id, s.recipe_id, r.name AS recipe_name, s.cancel_requested, s.total, s.written, s.skipped,
                s.cost_usd, COALESCE(s.settings, g.settings, sc.settings, e.settings) AS settings,
                g.job_id AS generation_id, g.status AS generation_status, g.target, g.accepted, g.cost_usd AS generation_cost,
                g.cancel_requested AS generation_cancel, g.recipe_id AS generation_recipe_id, gr.name AS generation_recipe_name,
                sc.job_id AS scoring_id, sc.total AS scoring_total, sc.scored AS scoring_scored, sc.unscored AS scoring_unscored,
                sc.cost_usd AS scoring_cost, sc.cancel_requested AS scoring_cancel, sc.recipe_id AS scoring_recipe_id,
                scr.name AS scoring_recipe_name,
                e.job_id AS evaluation_id, e.total AS evaluation_total, e.judged AS evaluation_judged, e.skipped AS evaluation_skipped,
                e.cancel_requested AS evaluation_cancel, e.recipe_id AS evaluation_recipe_id, er.name AS evaluation_recipe_name,
                (SELECT SUM(cost_usd) FROM job_endpoint_usage WHERE job_id = e.job_id) AS evaluation_cost,
                CASE WHEN j.kind = '\(JobKind.validation.storedName)' AND j.state = 'running' THEN
                    (SELECT COUNT(*) FROM dataset_rows WHERE dataset_id = j.dataset_id)
                    + (SELECT COUNT(DISTINCT line) FROM dataset_errors WHERE dataset_id = j.dataset_id)
                END AS lines_so_far
            FROM jobs j
            LEFT JOIN synthesis_jobs s ON s.job_id = j.id
            LEFT JOIN datasets d ON d.id = j.dataset_id
            LEFT JOIN recipes r ON r.id = s.recipe_id
            LEFT JOIN generation_jobs g ON g.job_id = j.id
            LEFT JOIN recipes gr ON gr.id = g.recipe_id
            LEFT JOIN scoring_jobs sc ON sc.job_id = j.id
            LEFT JOIN recipes scr ON scr.id = sc.recipe_id
            LEFT JOIN evaluation_runs e ON e.job_id = j.id
            LEFT JOIN recipes er ON er.id = e.recipe_id
            LEFT JOIN users u ON u.id = j.created_by
            \(condition)
            ORDER BY j.id DESC LIMIT ? OFFSET ?
            """
        return try database.read { connection in
            try connection.query(sql, values + [SQLValue(limit), SQLValue(offset)]).map(Self.listing)
        }
    }

    public func count(filter: JobListFilter) throws -> Int {
        let (condition, values) = Self.whereClause(filter)
        return try database.read { try $0.query("SELECT COUNT(*) AS n FROM jobs j \(condition)", values).first?.int("n") ?? 0 }
    }

    private static func whereClause(_ filter: JobListFilter) -> (String, [SQLValue]) {
        // The automatic data checks are a follow-up of the job that queued them, shown on the dataset's Quality tab.
        var conditions = ["j.kind <> ?"]
        var values: [SQLValue] = [.text(AutomaticDataChecks.jobKind)]
        if let kind = filter.kind {
            conditions.append("j.kind = ?")
            values.append(.text(kind.storedName))
        }
        if let status = filter.status {
            conditions.append("j.state = ?")
            values.append(.text(status.rawValue))
        }
        return ("WHERE " + conditions.joined(separator: " AND "), values)
    }

    private static func listing(_ row: Row) throws -> StoredJobListing {
        let id = row.int64("id") ?? 0
        let stateText = row.string("state") ?? ""
        guard let status = JobStatus(rawValue: stateText) else {
            // The table's CHECK makes this unreachable unless the schema and code disagree.
            throw DatabaseError(code: 1, message: "job \(id) has an unknown state '\(stateText)'")
        }
        let storedKind = row.string("kind") ?? ""
        let kind = JobKind(storedName: storedKind)
        var entry = JobListEntry(
            id: id, kind: kind, storedKind: storedKind, datasetID: row.int64("dataset_id"), datasetName: row.string("dataset_name"),
            status: status, processed: 0, total: nil, rowsProduced: nil, costUSD: nil, startedByName: row.string("started_by"),
            createdAt: row.int64("created_at") ?? 0, startedAt: row.int64("started_at"), finishedAt: row.int64("finished_at"))
        switch kind {
        case .synthesis where row.int64("synthesis_id") != nil:
            let written = row.int("written") ?? 0
            entry.recipeID = row.int64("recipe_id")
            entry.recipeName = row.string("recipe_name")
            entry.cancelRequested = row.int("cancel_requested") == 1
            entry.processed = written + (row.int("skipped") ?? 0)
            entry.total = row.int("total") ?? 0
            entry.rowsProduced = written
            entry.costUSD = row.double("cost_usd") ?? 0
        case .validation:
            let datasetStatus = row.string("dataset_status").flatMap(DatasetStatus.init(rawValue:))
            if status == .completed, let datasetStatus, datasetStatus != .validating {
                let lines = row.int("line_count") ?? 0
                entry.processed = lines
                entry.total = lines
                entry.rowsProduced = row.int("row_count") ?? 0
                // Seeds a synthesis uses now came out of their validation ready to synthesize.
                entry.outcome = (datasetStatus == .synthesizing ? .validSeeds : datasetStatus).label
            } else if status == .failed, datasetStatus == .invalid {
                entry.outcome = DatasetStatus.invalid.label
            } else {
                entry.processed = row.int("lines_so_far") ?? 0
            }
        case .generation where row.int64("generation_id") != nil:
            let accepted = row.int("accepted") ?? 0
            entry.recipeID = row.int64("generation_recipe_id")
            entry.recipeName = row.string("generation_recipe_name")
            entry.cancelRequested = row.int("generation_cancel") == 1
            entry.processed = accepted
            entry.total = row.int("target") ?? 0
            entry.rowsProduced = accepted
            entry.costUSD = row.double("generation_cost") ?? 0
            if row.string("generation_status") == GenerationStatus.completedWithShortfall.rawValue {
                entry.outcome = GenerationStatus.completedWithShortfall.label
            }
        case .scoring where row.int64("scoring_id") != nil:
            let scored = row.int("scoring_scored") ?? 0
            entry.recipeID = row.int64("scoring_recipe_id")
            entry.recipeName = row.string("scoring_recipe_name")
            entry.cancelRequested = row.int("scoring_cancel") == 1
            entry.processed = scored + (row.int("scoring_unscored") ?? 0)
            entry.total = row.int("scoring_total") ?? 0
            entry.costUSD = row.double("scoring_cost") ?? 0
        case .evaluation where row.int64("evaluation_id") != nil:
            let judged = row.int("evaluation_judged") ?? 0
            entry.recipeID = row.int64("evaluation_recipe_id")
            entry.recipeName = row.string("evaluation_recipe_name")
            entry.cancelRequested = row.int("evaluation_cancel") == 1
            entry.processed = judged + (row.int("evaluation_skipped") ?? 0)
            entry.total = row.int("evaluation_total") ?? 0
            entry.rowsProduced = judged
            entry.costUSD = row.double("evaluation_cost") ?? 0
        case .synthesis, .generation, .scoring, .evaluation, nil:
            break
        }
        return StoredJobListing(entry: entry, settingsJSON: row.string("settings"))
    }
}
