import DistilleryCore
import Testing
@testable import DistilleryStorage

/// The teacher's spend on an evaluation's rows, read from the synthesis job that wrote the evaluated dataset.
struct TeacherSpendStoreTests {
    /// A completed synthesis of five seeds (seed 1 skipped, so the child's lines 1–4 are seeds 0, 2, 3, 4) whose child
    /// (`childLines` lines) is evaluated on lines 2 and 4 (line 3 skipped by the evaluation). Returns the evaluation's
    /// job id.
    func setUp(_ database: Database, childLines: Int = 4, synthesisStatus: String = "completed", linkChild: Bool = true) throws -> Int64 {
        try database.write { connection in
            let parent = try insertDataset(connection, name: "seeds")
            let child = try insertDataset(connection, name: "child")
            try connection.run("UPDATE datasets SET line_count = ? WHERE id = ?", SQLValue(childLines), .integer(child))
            try connection.run("INSERT INTO jobs (kind, state, created_at) VALUES ('synthesis', 'completed', 0)")
            let synthesis = connection.lastInsertRowID
            try connection.run(
                """
                INSERT INTO synthesis_jobs (job_id, parent_dataset_id, child_dataset_id, provider, model, settings, status, created_at)
                VALUES (?, ?, ?, 'openai', 'gpt-teacher', '{}', ?, 0)
                """, .integer(synthesis), .integer(parent), linkChild ? .integer(child) : .null, .text(synthesisStatus))
            let seeds: [(status: String, tokensIn: Int, tokensOut: Int, cost: Double, latency: Int)] = [
                ("done", 10, 100, 0.01, 1000), ("skipped", 99, 99, 0.99, 9999), ("done", 20, 200, 0.02, 2000),
                ("done", 30, 300, 0.03, 3000), ("done", 40, 400, 0.04, 4000),
            ]
            for (index, seed) in seeds.enumerated() {
                try connection.run(
                    """
                    INSERT INTO synthesis_seeds (job_id, idx, line, input, status, tokens_in, tokens_out, cost_usd, latency_ms)
                    VALUES (?, ?, ?, 'seed', ?, ?, ?, ?, ?)
                    """, .integer(synthesis), .integer(Int64(index)), SQLValue(index + 1), .text(seed.status), SQLValue(seed.tokensIn),
                    SQLValue(seed.tokensOut), .real(seed.cost), SQLValue(seed.latency))
            }
            try connection.run("INSERT INTO jobs (kind, state, created_at) VALUES ('evaluate', 'completed', 0)")
            let evaluation = connection.lastInsertRowID
            try connection.run(
                """
                INSERT INTO evaluation_runs (job_id, name, dataset_id, split, student_provider, student_model, judge_provider,
                    judge_model, settings, dimensions, prompt_version, status, created_at)
                VALUES (?, 'v1', ?, NULL, 'custom', 'student', 'openai', 'judge', '{}', '[]', '1', 'completed', 0)
                """, .integer(evaluation), .integer(child))
            for (line, status) in [(2, "done"), (3, "skipped"), (4, "done")] {
                try connection.run(
                    """
                    INSERT INTO evaluation_rows (job_id, idx, line, conversation, prompt, reference, status)
                    VALUES (?, ?, ?, '[]', 'p', 'r', ?)
                    """, .integer(evaluation), SQLValue(line - 1), SQLValue(line), .text(status))
            }
            return evaluation
        }
    }

    @Test func theTeacherFiguresAreTheSeedsBehindTheJudgedLines() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("spend.sqlite"))
        let evaluation = try setUp(database)
        let figures = try #require(try TeacherSpendStore(database: database).figures(evaluationJobID: evaluation))
        // Line 2 is seed 2 (seed 1 was skipped, so it wrote no line), line 4 is seed 4.
        #expect(figures.provider == "openai" && figures.model == "gpt-teacher")
        #expect(figures.answers == 2 && figures.tokensIn == 60 && figures.tokensOut == 600)
        #expect(abs(figures.costUSD - 0.06) < 1e-12)
        #expect(figures.latenciesMs.sorted() == [2000, 4000])
    }

    @Test(arguments: [
        (5, "completed", true),  // the child has a line no answered seed accounts for
        (4, "running", true),  // the child is rewritten when the job ends
        (4, "completed", false),  // the dataset is no synthesis's child (an upload)
    ])
    func withoutAnExactMappingTheFiguresAreUnknown(childLines: Int, status: String, linked: Bool) throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.file("spend.sqlite"))
        let evaluation = try setUp(database, childLines: childLines, synthesisStatus: status, linkChild: linked)
        #expect(try TeacherSpendStore(database: database).figures(evaluationJobID: evaluation) == nil)
    }
}
