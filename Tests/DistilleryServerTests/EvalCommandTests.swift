import DistilleryTestSupport
import Foundation
import Testing

/// `distillery eval` (the real binary) against a scripted student and judge: the report written, the summary printed,
/// the keys taken from the environment and never printed, the exit codes for a complete run and bad input.
@Suite(.serialized)
struct EvalCommandTests {
    @Test func evalWritesTheReportAndPrintsTheSummary() throws {
        let directory = TestApp.makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = try EvaluationTests.script([
            "ROW1X": ["prefers": "student"], "ROW2X": ["fail": ["correct"], "phrase": "wrong menu", "prefers": "reference"],
            "ROW3X": ["prefers": "first"], "ROW4X": ["prefers": "student"],
        ])
        let studentKey = "sk-cli-student-5d1e"
        let student = try FakeTeacherProcess(["--eval-script", script, "--models", "student-v1", "--api-key", studentKey])
        let judge = try FakeTeacherProcess(["--eval-script", script, "--models", "judge-large"])
        // Twelve rows: fewer than training needs, which a held-out file may be.
        let data = directory + "/test.jsonl"
        try (EvaluationTests.lines(12).joined(separator: "\n") + "\n").write(toFile: data, atomically: true, encoding: .utf8)
        let out = directory + "/report.json"
        let flags = [
            "eval", "--data", data, "--out", out, "--dimensions", "correct,safe", "--student-base-url", student.baseURL + "/v1",
            "--student-model", "student-v1", "--student-api-key-env", "EVAL_STUDENT_KEY", "--judge-provider", "openai-compatible",
            "--judge-model", "judge-large", "--judge-base-url", judge.baseURL + "/v1",
        ]
        let ok = try DistilleryBinary.run(flags, environment: ["EVAL_STUDENT_KEY": studentKey])
        #expect(ok.status == 0, "\(ok.err)")
        #expect(ok.out.contains("completed: 12 of 12 rows judged, 0 skipped"), "\(ok.out)")
        #expect(ok.out.contains("correct: 91.7% pass (11/12"), "\(ok.out)")
        // (2 wins + ½ × 9 ties) / 12 = 54.2%; rows 3 (an order flip) and 5–12 (unscripted) are ties.
        #expect(ok.out.contains("win rate vs the reference: 54.2% (2 wins, 1 losses, 9 ties"), "\(ok.out)")
        #expect(!ok.out.contains(studentKey) && !ok.err.contains(studentKey))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        #expect(report["status"] as? String == "completed")
        #expect(report["judged"] as? Int == 12)
        let pairwise = try #require((report["report"] as? [String: Any])?["pairwise"] as? [String: Any])
        #expect(pairwise["wins"] as? Int == 2)
        #expect(pairwise["orderFlips"] as? Int == 1)
        let dimensions = try #require((report["report"] as? [String: Any])?["dimensions"] as? [[String: Any]])
        #expect(dimensions.map { $0["id"] as? String } == ["correct", "safe"])
        #expect(dimensions.map { ($0["passes"] as? [String: Any])?["count"] as? Int } == [11, 12])
        #expect(!(try String(contentsOfFile: out, encoding: .utf8)).contains(studentKey))
        // Both servers are self-hosted without a price: their cost is unknown, never $0.00.
        #expect(ok.out.contains("cost unknown (self-hosted)"), "\(ok.out)")
        let usage = try #require(report["usage"] as? [String: [String: Any]])
        #expect(usage.keys.sorted() == ["judge", "student"])
        #expect(usage.values.allSatisfy { $0["costUSD"] is NSNull })

        // Bad input: named, exit 2.
        let badSplit = try DistilleryBinary.run(
            flags.map { $0 == out ? directory + "/never.json" : $0 } + ["--split", "holdout"], environment: ["EVAL_STUDENT_KEY": studentKey])
        #expect(badSplit.status == 2)
        #expect(badSplit.err.contains("--split must be one of all, train, validation, test"), "\(badSplit.err)")
        let badDimension = try DistilleryBinary.run(
            flags.map { $0 == "correct,safe" ? "correct,tone" : $0 == out ? directory + "/never.json" : $0 }, environment: ["EVAL_STUDENT_KEY": studentKey])
        #expect(badDimension.status == 2)
        #expect(badDimension.err.contains("--dimensions: dimensions[1]"), "\(badDimension.err)")
        let noKey = try DistilleryBinary.run(flags.map { $0 == out ? directory + "/never.json" : $0 })
        #expect(noKey.status == 2)
        #expect(noKey.err.contains("EVAL_STUDENT_KEY is not set"), "\(noKey.err)")
        try "{\"messages\": [{\"role\": \"user\", \"content\": \"no answer\"}]}\n".write(toFile: data, atomically: true, encoding: .utf8)
        let noReference = try DistilleryBinary.run(flags.map { $0 == out ? directory + "/never.json" : $0 }, environment: ["EVAL_STUDENT_KEY": studentKey])
        #expect(noReference.status == 2)
        #expect(noReference.err.contains("test.jsonl"), "\(noReference.err)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/never.json"))
    }
}

/// The student's and the judge's flags are the teacher's with a prefix: a missing one is named, and the judge's
/// sampling flags are refused rather than ignored (its verdicts are always sampled at temperature 0).
struct EvalCommandFlagTests {
    @Test func missingEndpointFlagsAreNamed() throws {
        let noStudent = try DistilleryBinary.run(["eval", "--data", "held.jsonl", "--out", "report.json", "--judge-model", "judge-large"])
        #expect(noStudent.status == 2)
        #expect(noStudent.err.contains("pass --student-model"), "\(noStudent.err)")
        let noJudge = try DistilleryBinary.run(["eval", "--data", "held.jsonl", "--out", "report.json", "--student-model", "student-v1"])
        #expect(noJudge.status == 2)
        #expect(noJudge.err.contains("pass --judge-provider and --judge-model"), "\(noJudge.err)")
    }

    @Test func judgeSamplingFlagsAreRefused() throws {
        let flags = [
            "eval", "--data", "held.jsonl", "--out", "report.json", "--student-model", "student-v1", "--judge-provider", "deepseek",
            "--judge-model", "deepseek-chat",
        ]
        for extra in [["--judge-temperature", "0.3"], ["--judge-seed", "7"]] {
            let refused = try DistilleryBinary.run(flags + extra)
            #expect(refused.status == 64)
            #expect(refused.err.contains("--judge-temperature and --judge-seed do not apply"), "\(refused.err)")
        }
    }
}
