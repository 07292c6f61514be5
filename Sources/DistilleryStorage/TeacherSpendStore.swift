import DistilleryCore

/// What the teacher spent on the rows an evaluation judged, for the report's student-vs-teacher figures.
///
/// The mapping: an evaluated dataset that is a synthesis job's child (`synthesis_jobs.child_dataset_id`) was written
/// from the job's answered seeds in seed order, one line each (`SynthesisChildBuilder`), so the child's line L is the
/// L-th `done` seed by `idx`, and that seed keeps the teacher's tokens, cost and latency (everything billed for it:
/// every attempt, candidate and rejection-sampling judge call). The mapping holds only while the child has exactly
/// as many lines as the job has answered seeds and the job has ended; any other dataset (an upload, a merge, a
/// curated child) has no known teacher figures.
public struct TeacherSpendStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The teacher's figures on the evaluation `jobID`'s judged rows; nil when they are unknown.
    public func figures(evaluationJobID jobID: Int64) throws -> TeacherFigures? {
        try database.read { connection in
            guard let source = try connection.queryOne(
                """
                SELECT s.job_id, s.provider, s.model, d.line_count,
                    (SELECT COUNT(*) FROM synthesis_seeds WHERE job_id = s.job_id AND status = 'done') AS answered
                FROM evaluation_runs r
                JOIN synthesis_jobs s ON s.child_dataset_id = r.dataset_id
                JOIN datasets d ON d.id = r.dataset_id
                WHERE r.job_id = ? AND s.status NOT IN ('queued', 'running')
                ORDER BY s.job_id DESC LIMIT 1
                """, .integer(jobID)),
                let synthesisJobID = source.int64("job_id"), source.int("answered") == source.int("line_count")
            else { return nil }
            let judged = try connection.scalar(
                "SELECT COUNT(*) FROM evaluation_rows WHERE job_id = ? AND status = 'done'", .integer(jobID))?.intValue ?? 0
            let seeds = try connection.query(
                """
                WITH numbered AS (
                    SELECT ROW_NUMBER() OVER (ORDER BY idx) AS line, tokens_in, tokens_out, cost_usd, latency_ms
                    FROM synthesis_seeds WHERE job_id = ? AND status = 'done'
                )
                SELECT n.tokens_in, n.tokens_out, n.cost_usd, n.latency_ms FROM numbered n
                JOIN evaluation_rows e ON e.line = n.line
                WHERE e.job_id = ? AND e.status = 'done'
                """, .integer(synthesisJobID), .integer(jobID))
            guard judged > 0, seeds.count == judged else { return nil }
            return TeacherFigures(
                provider: source.string("provider") ?? "", model: source.string("model") ?? "", answers: seeds.count,
                tokensIn: seeds.reduce(0) { $0 + ($1.int("tokens_in") ?? 0) },
                tokensOut: seeds.reduce(0) { $0 + ($1.int("tokens_out") ?? 0) },
                costUSD: seeds.reduce(0) { $0 + ($1.double("cost_usd") ?? 0) },
                latenciesMs: seeds.compactMap { $0.int("latency_ms") }, synthesisJobID: synthesisJobID)
        }
    }
}
