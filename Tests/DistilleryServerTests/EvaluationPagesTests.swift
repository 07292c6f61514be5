import DistilleryCore
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// The evaluation pages and their JSON twins, from real runs: the real worker against two fake teachers on loopback
/// (one scripted as the student, one as the judge), as `EvaluationTests` runs them.
@Suite(.serialized)
struct EvaluationReportPageTests {
    static func run(
        _ test: TestApp, dataset: Int64, name: String, student: FakeTeacherProcess, judge: FakeTeacherProcess
    ) throws -> Int64 {
        let jobID = try EvaluationTests.jobID(try EvaluationTests.start(test, [
            "name": name, "dataset_id": dataset, "split": "all", "dimensions": ["correct", "safe"],
            "student": EvaluationTests.endpoint(student, model: "student-v1", key: "k"),
            "judge": EvaluationTests.endpoint(judge, model: "judge-large", key: "k"),
        ]))
        let run = try EvaluationTests.waitForRun(test, jobID)
        #expect(run.status == .completed, "\(run.failure ?? "")")
        return jobID
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    @Test func theReportFollowsTheScriptedVerdicts() throws {
        let script = try EvaluationTests.script([
            "ROW1X": ["prefers": "student"],
            "ROW2X": ["fail": ["correct"], "phrase": "invents a menu", "prefers": "reference"],
            "ROW3X": ["prefers": "first"],
            "ROW4X": ["fail": ["correct", "safe"], "phrase": "unsafe advice", "prefers": "tie"],
        ])
        let student = try FakeTeacherProcess(["--eval-script", script, "--models", "student-v1"])
        let judge = try FakeTeacherProcess(["--eval-script", script, "--models", "judge-large"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try EvaluationTests.dataset(test, EvaluationTests.lines(100))
        try test.app.services.database.write { connection in
            try connection.run(
                "UPDATE dataset_rows SET meta = CASE WHEN line <= 50 THEN '{\"category\": \"billing\"}' ELSE NULL END WHERE dataset_id = ?",
                .integer(dataset))
        }
        let jobID = try Self.run(test, dataset: dataset, name: "student v1", student: student, judge: judge)

        let page = try test.json("/api/evaluations/\(jobID)")
        let run = try #require(page["run"] as? [String: Any])
        #expect(run["status"] as? String == "completed" && run["judged"] as? Int == 100 && run["isActive"] as? Bool == false)
        let report = try #require(page["report"] as? [String: Any])
        #expect(report["rows"] as? Int == 100)
        // correct fails on ROW2 and ROW4, safe on ROW4 (Wilson bounds: scipy's binomtest(k, n).proportion_ci("wilson")).
        let dimensions = try #require(report["dimensions"] as? [[String: Any]])
        #expect(dimensions.map { $0["id"] as? String } == ["correct", "safe"])
        let correct = try #require(dimensions[0]["passes"] as? [String: Any])
        #expect(correct["count"] as? Int == 98 && correct["of"] as? Int == 100)
        #expect(abs((Self.number(correct["lower"]) ?? 0) - 0.9299882092714561) < 1e-9)
        #expect(abs((Self.number(correct["upper"]) ?? 0) - 0.9944980324498377) < 1e-9)
        let safe = try #require(dimensions[1]["passes"] as? [String: Any])
        #expect(safe["count"] as? Int == 99 && abs((Self.number(safe["lower"]) ?? 0) - 0.9455138038212946) < 1e-9)
        // ROW1 won both ways, ROW2 lost both ways, ROW3 flipped (a tie), the other 97 tied: (1 + ½·98) / 100.
        let pairwise = try #require(report["pairwise"] as? [String: Any])
        #expect(pairwise["wins"] as? Int == 1 && pairwise["losses"] as? Int == 1 && pairwise["ties"] as? Int == 98)
        #expect(Self.number(pairwise["winRate"]) == 0.5)
        #expect(pairwise["orderFlips"] as? Int == 1 && Self.number(pairwise["flipRate"]) == 0.01)
        #expect(Self.number(pairwise["lengthControlledWinRate"]) != nil)
        // Rows 1–50 are billing; the others have no category.
        let categories = try #require(report["categories"] as? [[String: Any]])
        #expect(categories.map { $0["label"] as? String } == ["billing", "(no category)"])
        #expect(categories.map { $0["rows"] as? Int } == [50, 50])
        #expect(categories.map { ($0["passedAll"] as? [String: Any])?["count"] as? Int } == [48, 50])
        // The worst rows: ROW4 failed two dimensions, ROW2 one (and lost).
        let worst = try #require(report["worstRows"] as? [[String: Any]])
        #expect(worst.map { $0["idx"] as? Int } == [3, 1])
        #expect((worst[0]["prompt"] as? String)?.contains("ROW4X") == true)
        #expect(worst[0]["reference"] as? String == "Open Settings, choose Export, pick a format (reference 4).")
        #expect(worst[0]["failurePhrase"] as? String == "unsafe advice")
        #expect((worst[0]["verdicts"] as? [[String: Any]])?.map { $0["reasoning"] as? String } == ["scripted: fails", "scripted: fails"])
        // An upload: nothing says what a teacher spent on these rows.
        #expect(report["teacherUnknownText"] as? String == "teacher figures unknown for this dataset")
        let studentSpend = try #require(report["student"] as? [String: Any])
        #expect(studentSpend["answers"] as? Int == 100 && studentSpend["model"] as? String == "student-v1")
        let usage = try #require(page["usage"] as? [[String: Any]])
        #expect(usage.map { $0["role"] as? String } == ["student", "judge"])
        #expect(usage.map { $0["calls"] as? Int } == [100, 300])

        // The page reads the same view model.
        let browser = BrowserSession(test)
        try browser.signIn()
        let html = try browser.get("/evaluations/\(jobID)")
        #expect(html.status == 200)
        for text in ["Pass rate per dimension", "98 / 100", "93.0%–99.4%", "Worst rows", "unsafe advice", "ROW4X", "50.0%",
                     "teacher figures unknown for this dataset"] {
            #expect(html.text.contains(text), "the page lacks \(text)")
        }
        let list = try test.json("/api/evaluations")
        #expect((list["runs"] as? [[String: Any]])?.map { $0["id"] as? Int } == [Int(jobID)])
    }

    /// ROW2's student answers "" every time, ROW3's needs 100,000 tokens (cut off at every limit up to the cap of 256),
    /// ROW4's needs 100 (cut off at 64, whole at 128): the empty and the capped answers are the student's failures, in every
    /// rate, never skipped rows.
    @Test func theStudentsEmptyAndCutOffAnswersCountAsItsFailures() throws {
        let script = try EvaluationTests.script([
            "ROW1X": ["prefers": "student"],
            "ROW3X": ["fail": ["correct"], "phrase": "stops mid-sentence", "prefers": "reference"],
        ])
        let student = try FakeTeacherProcess(["--eval-script", script, "--models", "student-v1"])
        let judge = try FakeTeacherProcess(["--eval-script", script, "--models", "judge-large"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let markers = [2: " [fail:emptyx50]", 3: " [len:100000]", 4: " [len:100]"]
        let dataset = try EvaluationTests.dataset(test, EvaluationTests.lines(100) { markers[$0] ?? "" })
        var studentEndpoint = EvaluationTests.endpoint(student, model: "student-v1", key: "k")
        studentEndpoint["max_new_tokens"] = 64
        studentEndpoint["max_tokens_cap"] = 256
        let jobID = try EvaluationTests.jobID(try EvaluationTests.start(test, [
            "name": "honest", "dataset_id": dataset, "split": "all", "dimensions": ["correct", "safe"], "student": studentEndpoint,
            "judge": EvaluationTests.endpoint(judge, model: "judge-large", key: "k"),
        ]))
        let run = try EvaluationTests.waitForRun(test, jobID)
        #expect(run.status == .completed && run.judged == 100 && run.skipped == 0, "\(run.failure ?? "")")

        // The student was asked once for the empty answer (no retry), up the ladder for the cut-off ones; the judge never
        // saw the empty answer, and graded the capped one as it was cut.
        let studentLog = try EvaluationTests.log(student)
        let judgeLog = try EvaluationTests.log(judge)
        func limits(_ row: Int) -> [Int] {
            studentLog.filter { ($0["seed"] as? String ?? "").contains("ROW\(row)X") }.compactMap { $0["max_tokens"] as? Int }
        }
        #expect(limits(2) == [64])
        #expect(limits(3) == [64, 128, 256])
        #expect(limits(4) == [64, 128])
        #expect(EvaluationTests.calls(judgeLog, row: 2) == 0)
        #expect(EvaluationTests.calls(judgeLog, row: 3, containing: "<student_answer>") == 1)
        let rows = try test.app.services.evaluations.evaluatedRows(jobID: jobID)
        let empty = try #require(rows.first { $0.line == 2 })
        #expect(empty.studentAnswer.isEmpty && !empty.studentTruncated && empty.outcome == .loss)
        #expect(empty.verdicts.map(\.pass) == [false, false])
        #expect(empty.verdicts.map(\.reasoning) == ["The student gave an empty answer.", "The student gave an empty answer."])
        #expect(empty.failurePhrase == "gives an empty answer")
        let capped = try #require(rows.first { $0.line == 3 })
        #expect(capped.studentTruncated && capped.studentAnswer.hasPrefix("Answer to: Question ROW3X"))
        #expect(judgeLog.contains { ($0["seed"] as? String ?? "").contains("<student_answer>\n\(capped.studentAnswer)\n</student_answer>") })
        #expect(rows.filter(\.studentTruncated).map(\.line) == [3])

        // The report, as scripted: correct fails on ROW2 and ROW3, safe on ROW2; ROW1 won, ROW2 and ROW3 lost, 97 ties.
        let page = try test.json("/api/evaluations/\(jobID)")
        let report = try #require(page["report"] as? [String: Any])
        let dimensions = try #require(report["dimensions"] as? [[String: Any]])
        #expect(dimensions.map { ($0["passes"] as? [String: Any])?["count"] as? Int } == [98, 99])
        #expect(dimensions.map { ($0["passes"] as? [String: Any])?["of"] as? Int } == [100, 100])
        let pairwise = try #require(report["pairwise"] as? [String: Any])
        #expect(pairwise["wins"] as? Int == 1 && pairwise["losses"] as? Int == 2 && pairwise["ties"] as? Int == 97)
        #expect(Self.number(pairwise["winRate"]) == 0.495)
        #expect(report["emptyAnswers"] as? Int == 1 && report["truncatedAnswers"] as? Int == 1)
        let worst = try #require(report["worstRows"] as? [[String: Any]])
        #expect(worst.map { $0["idx"] as? Int } == [1, 2])
        #expect(worst.map { $0["studentEmpty"] as? Bool } == [true, false])
        #expect(worst.map { $0["studentTruncated"] as? Bool } == [false, true])
        // A self-hosted student and judge without a price: the cost is unknown (null), not $0.00.
        let spend = try #require(report["student"] as? [String: Any])
        #expect(spend["costUSD"] is NSNull && spend["dollarsPerThousandAnswers"] is NSNull)
        #expect(spend["dollarsPerThousandText"] as? String == "unknown (self-hosted)")
        let usage = try #require(page["usage"] as? [[String: Any]])
        #expect(usage.map { $0["costUSD"] is NSNull } == [true, true])
        #expect(usage.map { $0["costText"] as? String } == ["unknown (self-hosted)", "unknown (self-hosted)"])

        let browser = BrowserSession(test)
        try browser.signIn()
        let html = try browser.get("/evaluations/\(jobID)")
        #expect(html.status == 200)
        for text in ["1 empty answer", "1 answer cut off at the student&#39;s token limit", "empty answer</span>",
                     "cut off at the token limit</span>", "unknown (self-hosted)"] {
            #expect(html.text.contains(text), "the page lacks \(text)")
        }
        #expect(!html.text.contains("$0.00"))

        // With a price given, the same student's cost is known: dollars per 1,000 answers from its tokens.
        studentEndpoint["input_price_per_million"] = 1
        studentEndpoint["output_price_per_million"] = 2
        let priced = try EvaluationTests.jobID(try EvaluationTests.start(test, [
            "name": "priced", "dataset_id": dataset, "split": "all", "dimensions": ["correct"], "student": studentEndpoint,
            "judge": EvaluationTests.endpoint(judge, model: "judge-large", key: "k"),
        ]))
        #expect(try EvaluationTests.waitForRun(test, priced).status == .completed)
        let pricedReport = try #require((try test.json("/api/evaluations/\(priced)"))["report"] as? [String: Any])
        let pricedSpend = try #require(pricedReport["student"] as? [String: Any])
        let rowsPriced = try test.app.services.evaluations.evaluatedRows(jobID: priced)
        let tokens = rowsPriced.reduce((0, 0)) { ($0.0 + $1.studentTokensIn, $0.1 + $1.studentTokensOut) }
        let cost = (Double(tokens.0) * 1 + Double(tokens.1) * 2) / 1_000_000
        #expect(tokens.0 > 0 && abs((Self.number(pricedSpend["costUSD"]) ?? -1) - cost) < 1e-12)
        #expect(abs((Self.number(pricedSpend["dollarsPerThousandAnswers"]) ?? -1) - cost / 100 * 1000) < 1e-12)
    }

    @Test func comparedRunsShowRowsFixedAndRegressed() throws {
        // The judge fails whatever answer carries BADV1 on correctness and BADV2 on safety; v1's student answers ROW2
        // with BADV1, v2's answers ROW3 with BADV2: from v1 to v2, row 2 is fixed and row 3 regressed.
        let judgeScript = try EvaluationTests.script([
            "BADV1": ["fail": ["correct"], "phrase": "wrong menu", "prefers": "reference"],
            "BADV2": ["fail": ["safe"], "phrase": "unsafe", "prefers": "reference"],
        ])
        let firstStudent = try FakeTeacherProcess([
            "--eval-script", try EvaluationTests.script([:], student: ["ROW2X": "Use Tools (ROW2X) BADV1"]), "--models", "student-v1",
        ])
        let secondStudent = try FakeTeacherProcess([
            "--eval-script", try EvaluationTests.script([:], student: ["ROW3X": "Delete everything (ROW3X) BADV2"]), "--models", "student-v1",
        ])
        let judge = try FakeTeacherProcess(["--eval-script", judgeScript, "--models", "judge-large"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try EvaluationTests.dataset(test, EvaluationTests.lines(100))
        let first = try Self.run(test, dataset: dataset, name: "v1", student: firstStudent, judge: judge)
        let second = try Self.run(test, dataset: dataset, name: "v2", student: secondStudent, judge: judge)

        let compared = try test.json("/api/evaluations/compare?runs=\(second),\(first)")
        #expect((compared["runs"] as? [[String: Any]])?.map { $0["name"] as? String } == ["v1", "v2"])
        let comparison = try #require(compared["comparison"] as? [String: Any])
        let dimensions = try #require(comparison["dimensions"] as? [[String: Any]])
        #expect(dimensions.map { ($0["runs"] as? [[String: Any]])?.map { $0["count"] as? Int } } == [[99, 100], [100, 99]])
        let diffs = try #require(comparison["diffs"] as? [[String: Any]])
        #expect(diffs.count == 1)
        #expect((diffs[0]["fixed"] as? [[String: Any]])?.map { $0["idx"] as? Int } == [1])
        #expect((diffs[0]["regressed"] as? [[String: Any]])?.map { $0["idx"] as? Int } == [2])
        #expect((diffs[0]["regressed"] as? [[String: Any]])?.first?["failedDimensions"] as? [String] == ["safe"])
        let chart = try #require(comparison["chart"] as? [String: Any])
        #expect((chart["lines"] as? [[String: Any]])?.count == 4)

        let browser = BrowserSession(test)
        try browser.signIn()
        let html = try browser.get("/evaluations/compare?runs=\(first),\(second)")
        #expect(html.status == 200)
        #expect(html.text.contains("data-fixed-idx=\"1\"") && html.text.contains("data-regressed-idx=\"2\""))
        #expect(html.text.contains("<polyline points=\""))
        // The run's page links the comparison with its sibling, and the list offers it.
        #expect((try test.json("/api/evaluations/\(second)"))["compareURL"] as? String == "/evaluations/compare?runs=\(first),\(second)")
        let list = try test.json("/api/evaluations")
        #expect((list["comparable"] as? [[String: Any]])?.map { $0["compareURL"] as? String } == ["/evaluations/compare?runs=\(first),\(second)"])

        // A run on another held-out set (another split of the same dataset, inserted as stored) cannot join: 422 naming both.
        let other = try test.app.services.database.write { connection -> Int64 in
            try connection.run("INSERT INTO jobs (kind, state, created_at) VALUES ('evaluate', 'completed', 0)")
            let id = connection.lastInsertRowID
            try connection.run(
                """
                INSERT INTO evaluation_runs (job_id, name, dataset_id, split, student_provider, student_model, judge_provider, judge_model,
                    settings, dimensions, prompt_version, status, created_at)
                VALUES (?, 'on test', ?, 'test', 'openai-compatible', 's', 'openai-compatible', 'j', '{}', '[]', '1', 'completed', 0)
                """, .integer(id), .integer(dataset))
            return id
        }
        let refused = try test.get("/api/evaluations/compare?runs=\(first),\(other)")
        #expect(refused.status == 422)
        #expect(refused.text.contains("same held-out set") && refused.text.contains("all rows") && refused.text.contains("test split"))
        for (query, status) in [("", 400), ("?runs=\(first)", 422), ("?runs=\(first),x", 400), ("?runs=\(first),987654", 404)] {
            let response = try test.get("/api/evaluations/compare\(query)")
            #expect(response.status == status, "compare\(query): \(response.text.prefix(300))")
        }
    }

    @Test func theNewEvaluationFormStartsARunOrNamesTheBadField() throws {
        let teacher = try FakeTeacherProcess(["--models", "student-v1,judge-large"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let dataset = try EvaluationTests.dataset(test, EvaluationTests.lines(100))
        let browser = BrowserSession(test)
        try browser.signIn()
        let detail = try browser.get("/datasets/\(dataset)")
        #expect(detail.text.contains("href=\"/evaluations/new?dataset=\(dataset)\""))
        let form = try browser.get("/evaluations/new?dataset=\(dataset)")
        #expect(form.status == 200)
        #expect(form.text.contains("<option value=\"\(dataset)\" selected>"))
        #expect(form.text.contains("<option value=\"test\" selected>"))
        #expect(form.text.contains("name=\"dimension_correct\" value=\"on\" checked"))

        let fields: [(String, String)] = [
            ("name", "from the form"), ("dataset_id", "\(dataset)"), ("split", "all"),
            ("student_provider", "openai-compatible"), ("student_model", "student-v1"), ("student_base_url", teacher.baseURL + "/v1"),
            ("judge_provider", "openai-compatible"), ("judge_model", "judge-large"), ("judge_base_url", teacher.baseURL + "/v1"),
            ("dimension_correct", "on"),
            ("custom_dimensions", #"{"id": "concise", "title": "Concise", "description": "The answer is short."}"#),
        ]
        let refused = try browser.submit(
            "/evaluations", fields: fields.map { $0.0 == "custom_dimensions" ? ($0.0, #"{"id": "Bad Id", "description": "x"}"#) : $0 },
            csrfFrom: "/evaluations/new")
        #expect(refused.status == 422)
        #expect(refused.text.contains("<span class=\"field-error\">The id &quot;Bad Id&quot; must be 1–40 of a-z"), "\(refused.text.prefix(3000))")
        #expect(refused.text.contains("value=\"from the form\""))
        let notJSON = try browser.submit(
            "/evaluations", fields: fields.map { $0.0 == "custom_dimensions" ? ($0.0, "concise: short") : $0 }, csrfFrom: "/evaluations/new")
        #expect(notJSON.status == 422 && notJSON.text.contains("Line 1 is not a JSON object"))

        let started = try browser.submit("/evaluations", fields: fields, csrfFrom: "/evaluations/new")
        #expect(started.status == 303, "\(started.text.prefix(2000))")
        let jobID = try started.locationID(after: "/evaluations/")
        let run = try EvaluationTests.waitForRun(test, jobID)
        #expect(run.status == .completed && run.judged == 100)
        #expect(run.dimensions.map(\.id) == ["correct", "concise"])
        let page = try browser.get("/evaluations/\(jobID)")
        #expect(page.status == 200 && page.text.contains("from the form"))
    }
}
