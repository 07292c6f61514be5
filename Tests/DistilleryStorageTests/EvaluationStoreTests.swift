import DistilleryCore
import Testing
@testable import DistilleryStorage

/// The evaluation store on a real SQLite file: each answer committed on its own, a stored part never overwritten,
/// and a restart resuming every unfinished row with exactly the parts it already has.
struct EvaluationStoreTests {
    static let conversation = [ChatMessage(.system, "Be brief."), ChatMessage(.user, "2+2?")]

    func make(_ folder: TemporaryFolder) throws -> (EvaluationStore, Int64) {
        let database = try Database(path: folder.file("evaluation.sqlite"))
        let datasetID = try database.write { connection -> Int64 in
            try connection.run(
                """
                INSERT INTO datasets (name, mode, base_model, status, byte_size, line_count, row_count, created_at, updated_at)
                VALUES ('held out', 'chat', 'llama-3.1-8b', 'valid', 0, 3, 3, 1, 1)
                """)
            return connection.lastInsertRowID
        }
        let store = EvaluationStore(database: database)
        let rows = (0..<3).map { index in
            NewEvaluationRow(
                idx: Int64(index), line: index + 1, row: HeldOutRow(conversation: Self.conversation, prompt: "2+2?", reference: "4"),
                category: index == 0 ? "math" : nil)
        }
        let jobID = try store.create(
            NewEvaluationRun(
                name: "v1", datasetID: datasetID, split: nil, createdBy: nil, studentProvider: "openai-compatible", studentModel: "s",
                studentKeyID: nil, judgeProvider: "openai-compatible", judgeModel: "j", judgeKeyID: nil, recipeID: nil, settingsJSON: "{}",
                dimensions: [.correct]),
            rows: rows, now: 5)
        return (store, jobID)
    }

    static func answer(_ idx: Int64, _ part: EvaluationAnswerRecord.Part) -> EvaluationAnswerRecord {
        EvaluationAnswerRecord(idx: idx, part: part, tokensIn: 10, tokensOut: 2, costUSD: 0.001)
    }

    @Test func eachAnswerIsKeptAsItComesAndAResumeAsksOnlyForWhatIsMissing() throws {
        let folder = try TemporaryFolder()
        let (store, jobID) = try make(folder)
        try store.markRunning(jobID: jobID, now: 6)
        let grade = EvaluationGrade(verdicts: [DimensionVerdict(dimension: "correct", pass: false, reasoning: "says 5")], failurePhrase: "bad sums")
        var batch = EvaluationBatch()
        batch.rowUpdates = [EvaluationRowUpdate(idx: 0, status: .inFlight, attempts: 3, studentFailures: 0, judgeFailures: 1, studentLimit: nil, judgeLimit: 2048)]
        batch.answers = [
            Self.answer(0, .student("5", latencyMs: 120, truncated: false)), Self.answer(0, .grade(grade)),
            Self.answer(0, .forward(.reference, outcome: nil)),
            // Cut off at the cap of the student's limit: kept as its answer, marked.
            Self.answer(1, .student("4 is the", latencyMs: 80, truncated: true)),
        ]
        batch.byEndpoint = ["student": EndpointUsage(answered: 2, tokensIn: 20, tokensOut: 4, costUSD: 0.002)]
        try store.apply(jobID: jobID, batch)
        // A part stored is never overwritten (a late duplicate answer changes nothing).
        var late = EvaluationBatch()
        late.answers = [Self.answer(0, .student("six", latencyMs: 1, truncated: true)), Self.answer(0, .forward(.student, outcome: nil))]
        try store.apply(jobID: jobID, late)

        // As after kill -9: the row in flight is pending again, with its stored parts.
        try store.markRunning(jobID: jobID, now: 7)
        let pending = try store.unfinishedRows(jobID: jobID)
        #expect(pending.map(\.item.key) == [0, 1, 2])
        #expect(pending[0].item.conversation == Self.conversation)
        #expect(pending[0].item.reference == "4")
        #expect(pending[0].item.stored == EvaluationProgress(studentAnswer: "5", grade: grade, forward: .reference))
        #expect(pending[0].attempts == 3 && pending[0].judgeFailures == 1 && pending[0].judgeLimit == 2048)
        #expect(pending[1].item.stored == EvaluationProgress(studentAnswer: "4 is the", studentTruncated: true))
        #expect(pending[2].item.stored == EvaluationProgress())

        var end = EvaluationBatch()
        end.answers = [Self.answer(0, .reverse(.reference, outcome: .loss))]
        end.rowUpdates = [
            EvaluationRowUpdate(idx: 0, status: .done, attempts: 4, studentFailures: 0, judgeFailures: 1, studentLimit: nil, judgeLimit: nil),
            EvaluationRowUpdate(idx: 2, status: .skipped, attempts: 5, studentFailures: 5, judgeFailures: 0, studentLimit: nil, judgeLimit: nil,
                                errorCode: "empty_answer", errorMessage: "The teacher's answer was empty."),
        ]
        end.judged = 1
        end.skipped = 1
        try store.apply(jobID: jobID, end)
        #expect(try store.unfinishedRows(jobID: jobID).map(\.item.key) == [1])
        let judged = try store.evaluatedRows(jobID: jobID)
        #expect(judged == [EvaluatedRow(
            idx: 0, line: 1, category: "math", prompt: "2+2?", reference: "4", studentAnswer: "5", verdicts: grade.verdicts, forward: .reference,
            reverse: .reference, failurePhrase: "bad sums", studentLatencyMs: 120, studentTokensIn: 10, studentTokensOut: 2, studentCostUSD: 0.001)])
        #expect(judged[0].outcome == .loss)
        let run = try #require(try store.run(jobID: jobID))
        #expect((run.total, run.judged, run.skipped, run.dimensions) == (3, 1, 1, [.correct]))
        #expect(try store.skipReasons(jobID: jobID).map(\.code) == ["empty_answer"])
        #expect(try store.endpointUsage(jobID: jobID)["student"] == EndpointUsage(answered: 2, tokensIn: 20, tokensOut: 4, costUSD: 0.002))
        // The judge's tokens per row: the three parts added up.
        let judgeTokens = try store.database.read {
            try $0.scalar("SELECT judge_tokens_in FROM evaluation_rows WHERE job_id = ? AND idx = 0", .integer(jobID))?.intValue
        }
        #expect(judgeTokens == 30)
    }

    @Test func aRunEndsOnceAndKeepsItsSnapshot() throws {
        let folder = try TemporaryFolder()
        let (store, jobID) = try make(folder)
        try store.markRunning(jobID: jobID, now: 6)
        #expect(try store.requestCancel(jobID: jobID))
        #expect(try store.cancelRequested(jobID: jobID))
        try store.finish(jobID: jobID, status: .cancelled, failure: nil, now: 9)
        #expect(try store.run(jobID: jobID)?.status == .cancelled)
        #expect(throws: StatusTransitionError.self) { try store.finish(jobID: jobID, status: .completed, failure: nil, now: 10) }
        #expect(!(try store.requestCancel(jobID: jobID)))
        #expect(throws: (any Error).self) {
            try store.database.write { try $0.run("UPDATE evaluation_runs SET split = 'test' WHERE job_id = ?", .integer(jobID)) }
        }
    }
}
