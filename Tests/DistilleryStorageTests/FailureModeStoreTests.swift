import DistilleryCore
import Testing
@testable import DistilleryStorage

/// Failure modes of an evaluation run on a real SQLite file: rows written as the evaluation runner leaves them.
struct FailureModeStoreTests {
    /// (idx, passed, failure phrase) of the run's judged rows; row 6 is still pending.
    static let judged: [(Int64, Bool, String?)] = [
        (0, false, "ignores the word limit"), (1, true, nil), (2, false, "invents an API"), (3, false, "Ignores the word-limit."),
        (4, false, "invented API call"), (5, false, "ignores the word limit"),
    ]

    func open(_ folder: TemporaryFolder) throws -> (Database, FailureModeStore, Int64) {
        let database = try Database(path: folder.file("modes.sqlite"))
        let jobID = try database.write { connection in
            try connection.run("INSERT INTO jobs (kind, state, created_at) VALUES ('evaluate', 'completed', 1)")
            let jobID = connection.lastInsertRowID
            try connection.run(
                """
                INSERT INTO evaluation_runs (job_id, name, student_provider, student_model, judge_provider, judge_model, settings,
                    dimensions, prompt_version, status, created_at) VALUES (?, 'run', 'p', 's', 'p', 'j', '{}', '[]', 'v1', 'completed', 1)
                """, .integer(jobID))
            for (idx, passed, phrase) in Self.judged {
                try connection.run(
                    """
                    INSERT INTO evaluation_rows (job_id, idx, line, conversation, prompt, reference, status, student_answer, passed, failure_phrase)
                    VALUES (?, ?, ?, '[]', ?, 'ref', 'done', ?, ?, ?)
                    """, .integer(jobID), .integer(idx), .integer(idx + 1), .text("prompt \(idx)"), .text("answer \(idx)"),
                    .integer(passed ? 1 : 0), SQLValue(phrase))
            }
            try connection.run(
                "INSERT INTO evaluation_rows (job_id, idx, line, conversation, prompt, reference) VALUES (?, 6, 7, '[]', 'prompt 6', 'ref')",
                .integer(jobID))
            return jobID
        }
        return (database, FailureModeStore(database: database), jobID)
    }

    @Test func assignClustersTheFailedRowsPhrasesOnce() throws {
        let folder = try TemporaryFolder()
        let (_, store, jobID) = try open(folder)
        #expect(try store.assign(jobID: jobID, now: 5))
        let modes = try store.modes(jobID: jobID)
        #expect(modes.map(\.name) == ["ignores the word limit", "invents an API"])
        #expect(modes.map(\.count) == [3, 2])
        let rows = try store.failingRows(jobID: jobID)
        #expect(rows.map(\.idx) == [0, 2, 3, 4, 5])
        #expect(rows.map(\.modeID) == [modes[0].id, modes[1].id, modes[0].id, modes[1].id, modes[0].id])
        #expect(rows[1].studentAnswer == "answer 2" && rows[1].phrase == "invents an API" && rows[1].prompt == "prompt 2")
        #expect(try store.failingRows(jobID: jobID, modeIDs: [modes[0].id], perMode: 2).map(\.idx) == [0, 3])

        // A resumed run that ends again keeps what a person did to the modes.
        try store.rename(jobID: jobID, modeID: modes[1].id, name: "hallucinated API")
        #expect(try !store.assign(jobID: jobID, now: 6))
        #expect(try store.modes(jobID: jobID).map(\.name) == ["ignores the word limit", "hallucinated API"])
        #expect(try store.evaluatedPrompts(jobID: jobID) == (0...6).map { "prompt \($0)" })
    }

    @Test func mergeMovesTheRowsAndKeepsTheMergedModes() throws {
        let folder = try TemporaryFolder()
        let (_, store, jobID) = try open(folder)
        try store.assign(jobID: jobID, now: 5)
        let before = try store.modes(jobID: jobID)
        let merged = try store.merge(jobID: jobID, modeIDs: [before[1].id, before[0].id, before[1].id], name: "misreads the task", now: 7)
        let after = try store.modes(jobID: jobID)
        #expect(after.map(\.name) == ["misreads the task", "ignores the word limit", "invents an API"])
        #expect(after.map(\.count) == [5, 0, 0])
        #expect(after.map(\.mergedInto) == [nil, merged, merged])
        #expect(try store.failingRows(jobID: jobID).allSatisfy { $0.modeID == merged })

        #expect(throws: FailureModeEditError.alreadyMerged(before[0].id)) {
            try store.merge(jobID: jobID, modeIDs: [merged, before[0].id], name: "again", now: 8)
        }
        #expect(throws: FailureModeEditError.needsTwoModes) { try store.merge(jobID: jobID, modeIDs: [merged, merged], name: "x", now: 8) }
        #expect(throws: FailureModeEditError.unknownMode(999)) { try store.merge(jobID: jobID, modeIDs: [merged, 999], name: "x", now: 8) }
        #expect(throws: FailureModeEditError.unknownMode(999)) { try store.rename(jobID: jobID, modeID: 999, name: "x") }
    }
}
