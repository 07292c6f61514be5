import DistilleryCore
import Testing
@testable import DistilleryStorage

/// The failure modes as the report lists them, from `failure_modes` as the clustering (and a person's merges) left it.
struct EvaluationReportReadsTests {
    @Test func rowsOfAMergedModeCountUnderTheModeItWasMergedInto() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("modes.sqlite"))
        let jobID = try database.write { connection -> Int64 in
            let dataset = try insertDataset(connection)
            try connection.run("INSERT INTO jobs (kind, state, created_at) VALUES ('evaluate', 'completed', 0)")
            let job = connection.lastInsertRowID
            try connection.run(
                """
                INSERT INTO evaluation_runs (job_id, name, dataset_id, split, student_provider, student_model, judge_provider,
                    judge_model, settings, dimensions, prompt_version, status, created_at)
                VALUES (?, 'v1', ?, NULL, 'custom', 's', 'openai', 'j', '{}', '[]', '1', 'completed', 0)
                """, .integer(job), .integer(dataset))
            // Mode 1 ("ignores the word limit") absorbed mode 3, which had absorbed mode 4; mode 2 stands alone.
            for (id, name, merged) in [(1, "ignores the word limit", nil), (2, "invents an API", nil), (3, "too long", 1 as Int?),
                                       (4, "over 100 words", 3 as Int?)] as [(Int, String, Int?)] {
                try connection.run(
                    "INSERT INTO failure_modes (id, job_id, name, merged_into, created_at) VALUES (?, ?, ?, ?, 0)",
                    SQLValue(id), .integer(job), .text(name), SQLValue(merged))
            }
            for (idx, mode) in [(0, 2), (1, 1), (2, nil), (3, 3), (4, 4), (5, 2), (6, 4)] as [(Int, Int?)] {
                try connection.run(
                    """
                    INSERT INTO evaluation_rows (job_id, idx, line, conversation, prompt, reference, status, failure_mode_id)
                    VALUES (?, ?, ?, '[]', 'p', 'r', 'done', ?)
                    """, .integer(job), SQLValue(idx), SQLValue(idx + 1), SQLValue(mode))
            }
            return job
        }
        let modes = try EvaluationStore(database: database).failureModes(jobID: jobID)
        #expect(modes.map(\.name) == ["ignores the word limit", "invents an API"])
        #expect(modes.map(\.rowIndexes) == [[1, 3, 4, 6], [0, 5]])
        #expect(try EvaluationStore(database: database).runIDs(limit: 10) == [jobID])
    }
}
