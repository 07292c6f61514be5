import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// The executable itself: kill -9 in the middle of a validation, SIGTERM shutdown, start-up
/// refusals, and the `validate` command's report and exit codes.
@Suite(.serialized)
struct ProcessTests {
    static func client(_ base: String, token: String) -> (String, String, HTTPClientRequest.Body, [(String, String)]) throws -> HTTPClientResponse {
        { method, path, body, headers in
            try HTTPClient.send(HTTPClientRequest(
                method: method, url: base + path, headers: headers + [("Authorization", "Bearer \(token)")], body: body, timeoutSeconds: 60))
        }
    }

    static func status(_ base: String, _ id: Int64, token: String) throws -> String? {
        let response = try client(base, token: token)("GET", "/api/datasets/\(id)", .none, [])
        return (try TestApp.object(response)["dataset"] as? [String: Any])?["status"] as? String
    }

    @Test func killDashNineDuringValidationThenRestartFinishesItAndHarmsNothingElse() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bigFile = directory + "-big.jsonl"
        defer { unlink(bigFile) }
        let rowCount = 12_000
        let filler = String(repeating: "Answer with enough text to make the file large. ", count: 40)
        let lines = Fixtures.chatLines(rowCount, tag: "big").map { $0.replacingOccurrences(of: "Open Settings", with: filler + "Open Settings") }
        try Data(Fixtures.jsonl(lines)).write(to: URL(fileURLWithPath: bigFile))

        let token = try makeAdminWithToken(in: directory)
        var server: ServerProcess? = try ServerProcess(dataDirectory: directory)
        let send = Self.client(server!.base, token: token)
        let control = try send("POST", "/api/datasets?name=control", .bytes(Fixtures.jsonl(Fixtures.chatLines(150, tag: "c"))), [("Content-Type", "application/jsonl")])
        let controlID = try #require(((try TestApp.object(control)["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value)
        while try Self.status(server!.base, controlID, token: token) == "validating" { Thread.sleep(forTimeInterval: 0.05) }
        let controlBefore = try send("GET", "/api/datasets/\(controlID)", .none, []).text

        let upload = try send("POST", "/api/datasets?name=big", .file(path: bigFile), [("Content-Type", "application/jsonl")])
        #expect(upload.status == 201)
        let bigID = try #require(((try TestApp.object(upload)["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value)

        // Kill as soon as some rows are committed but validation has not finished.
        let observer = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
        var killedMidway = false
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let progress = try observer.read { connection in
                try connection.queryOne(
                    "SELECT (SELECT COUNT(*) FROM dataset_rows WHERE dataset_id = ?) AS rows, status FROM datasets WHERE id = ?",
                    .integer(bigID), .integer(bigID))
            }
            if progress?.string("status") != "validating" { break }
            if (progress?.int("rows") ?? 0) > 0 {
                server!.kill(SIGKILL)
                killedMidway = true
                break
            }
            Thread.sleep(forTimeInterval: 0.002)
        }
        #expect(killedMidway, "validation finished before the kill; the file should be larger")
        #expect(server!.waitForExit() != nil)
        let statusAfterKill = try observer.read { try $0.scalar("SELECT status FROM datasets WHERE id = ?", .integer(bigID))?.stringValue }
        #expect(statusAfterKill == "validating")
        observer.close()
        server = nil

        let restarted = try ServerProcess(dataDirectory: directory)
        let deadline2 = Date().addingTimeInterval(120)
        while try Self.status(restarted.base, bigID, token: token) == "validating" && Date() < deadline2 { Thread.sleep(forTimeInterval: 0.05) }
        let sendAgain = Self.client(restarted.base, token: token)
        let after = try TestApp.object(try sendAgain("GET", "/api/datasets/\(bigID)", .none, []))
        #expect((after["dataset"] as? [String: Any])?["status"] as? String == "valid")
        #expect((after["dataset"] as? [String: Any])?["rows"] as? Int == rowCount)
        let reopened = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
        let counts = try reopened.read {
            try $0.queryOne(
                "SELECT COUNT(*) AS rows, COUNT(DISTINCT line) AS lines FROM dataset_rows WHERE dataset_id = ?", .integer(bigID))
        }
        // No job stays queued or running but the data checks the validation queued as it ended, which run after it.
        let active = try reopened.read {
            try $0.scalar("SELECT COUNT(*) FROM jobs WHERE state IN ('queued','running') AND kind <> ?", .text(AutomaticDataChecks.jobKind))?.intValue
        }
        reopened.close()
        #expect(active == 0)
        #expect(counts?.int("rows") == rowCount)
        #expect(counts?.int("lines") == rowCount)
        let controlAfter = try sendAgain("GET", "/api/datasets/\(controlID)", .none, []).text
        #expect(controlAfter == controlBefore)

        // SIGTERM: a clean shutdown with exit status 0.
        restarted.kill(SIGTERM)
        #expect(restarted.waitForExit() == 0)
    }

    @Test func refusesToStartOnATakenPortOrAnUnwritableDataFolder() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let holder = try TestApp()
        defer { holder.removeFiles() }
        let result = try DistilleryBinary.run(["serve", "--port", "\(holder.app.port)", "--data", directory])
        #expect(result.status != 0)
        #expect(result.err.contains("already in use"), "stderr: \(result.err)")
        #expect(result.err.contains("\(holder.app.port)"))

        let blocker = directory + "/a-file"
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        let unwritable = try DistilleryBinary.run(["serve", "--port", "0", "--data", blocker + "/data"])
        #expect(unwritable.status != 0)
        #expect(unwritable.err.contains("data folder"), "stderr: \(unwritable.err)")
    }

    @Test func validateCommandPrintsTheReportAndExitsNonZeroWhenInvalid() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/good.jsonl"
        let bad = directory + "/bad.jsonl"
        try Data(Fixtures.jsonl(Fixtures.chatLines(120))).write(to: URL(fileURLWithPath: good))
        var badLines = Fixtures.chatLines(120)
        badLines[6] = "{\"messages\":[{\"role\":\"user\",\"content\":\"no system\"},{\"role\":\"assistant\",\"content\":\"x\"}]}"
        try Data(Fixtures.jsonl(badLines)).write(to: URL(fileURLWithPath: bad))

        let ok = try DistilleryBinary.run(["validate", good])
        #expect(ok.status == 0, "stdout: \(ok.out) stderr: \(ok.err)")
        let failed = try DistilleryBinary.run(["validate", bad])
        #expect(failed.status == 1)
        #expect(failed.out.contains("7"), "the report names line 7: \(failed.out)")
        #expect(failed.out.contains("messages[0].role"))

        let json = try DistilleryBinary.run(["validate", bad, "--json"])
        #expect(json.status == 1)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(summary["status"] as? String == "invalid")
        #expect((summary["errors"] as? [[String: Any]])?.first?["line"] as? Int == 7)

        let seeds = directory + "/seeds.jsonl"
        try Data(Fixtures.jsonl(Fixtures.seedLines(3))).write(to: URL(fileURLWithPath: seeds))
        #expect(try DistilleryBinary.run(["validate", seeds, "--seeds"]).status == 0)
        let missing = try DistilleryBinary.run(["validate", directory + "/nope.jsonl"])
        #expect(missing.status == 2)
        #expect(missing.err.contains("nope.jsonl"))
        let unknownModel = try DistilleryBinary.run(["validate", good, "--base-model", "gpt-99"])
        #expect(unknownModel.status != 0)
        #expect(unknownModel.err.contains("gpt-99"))
    }
}

/// kill -9 in the middle of a synthesis job, then a restart: the job completes with exactly one
/// row per seed, and the only seeds sent again are those without a committed answer at the kill.
@Suite(.serialized)
struct SynthesisCrashTests {
    /// The real binary on `directory` with an admin's token, a seeds dataset of `seeds` validated, and a synthesis job
    /// started on it against `teacher` with `fields` added.
    static func startJob(
        directory: String, teacher: FakeTeacherProcess, seeds: [UInt8], fields: [String: String] = [:]
    ) throws -> (server: ServerProcess, token: String, jobID: Int64) {
        let token = try makeAdminWithToken(in: directory)
        let server = try ServerProcess(dataDirectory: directory)
        let send = ProcessTests.client(server.base, token: token)
        let upload = try send(
            "POST", "/api/datasets?name=crash&mode=seeds&skill_prompt=Be+brief.", .bytes(seeds), [("Content-Type", "application/jsonl")])
        let parent = try #require(((try TestApp.object(upload)["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value)
        while try ProcessTests.status(server.base, parent, token: token) == "validating" { Thread.sleep(forTimeInterval: 0.05) }
        let body = try JSONSerialization.data(withJSONObject: [
            "provider": "openai-compatible", "custom_model": "fake-teacher", "base_url": teacher.baseURL + "/v1",
            "api_key": SynthesisTests.teacherKey, "max_in_flight": "16",
        ].merging(fields) { $1 })
        let started = try send("POST", "/api/datasets/\(parent)/synthesis", .bytes(Array(body)), [("Content-Type", "application/json")])
        return (server, token, try #require(((try TestApp.object(started))["jobID"] as? NSNumber)?.int64Value))
    }

    /// Polls the job's JSON until it has ended (two minutes at most); returns it.
    static func waitForEnd(_ base: String, token: String, jobID: Int64) throws -> [String: Any] {
        let send = ProcessTests.client(base, token: token)
        var job: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(120)
        repeat {
            job = try TestApp.object(try send("GET", "/api/synthesis/\(jobID)", .none, []))
            if job["isActive"] as? Bool == false { break }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        return job
    }

    @Test func aKilledServerResumesTheJobWithoutLosingOrRepeatingRows() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let teacher = try FakeTeacherProcess(["--api-key", SynthesisTests.teacherKey, "--latency-ms", "40"])
        let count = 400
        let (first, token, jobID) = try Self.startJob(directory: directory, teacher: teacher, seeds: SynthesisTests.seeds(count))
        var server: ServerProcess? = first

        let observer = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
        let done = { try observer.read { try $0.scalar("SELECT COUNT(*) FROM synthesis_seeds WHERE job_id = ? AND status = 'done'", .integer(jobID))?.intValue ?? 0 } }
        let deadline = Date().addingTimeInterval(60)
        while try done() < 100 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        server!.kill(SIGKILL)
        #expect(server!.waitForExit() != nil)
        server = nil
        let doneAtKill = Set(try observer.read {
            try $0.query("SELECT input FROM synthesis_seeds WHERE job_id = ? AND status = 'done'", .integer(jobID)).compactMap { $0.string("input") }
        })
        observer.close()
        #expect(doneAtKill.count >= 100 && doneAtKill.count < count, "killed after \(doneAtKill.count) rows")
        Thread.sleep(forTimeInterval: 0.2)  // let the teacher log the answers to requests cut off by the kill
        let sentBeforeRestart = try teacher.logEntries().filter { ($0["path"] as? String) == "/v1/chat/completions" }.count

        let restarted = try ServerProcess(dataDirectory: directory)
        let send = ProcessTests.client(restarted.base, token: token)
        let job = try Self.waitForEnd(restarted.base, token: token, jobID: jobID)
        #expect(job["status"] as? String == "completed")
        #expect(job["written"] as? Int == count)
        let childID = try #require((job["childDatasetID"] as? NSNumber)?.int64Value)
        let rows = try #require(try TestApp.object(try send("GET", "/api/datasets/\(childID)/rows?per_page=500", .none, []))["items"] as? [[String: Any]])
        let seedsInRows = rows.compactMap { (($0["row"] as? [String: Any])?["messages"] as? [[String: String]])?[1]["content"] }
        #expect(seedsInRows.count == count)
        #expect(Set(seedsInRows).count == count, "a row was written twice")

        let log = try teacher.logEntries().filter { ($0["path"] as? String) == "/v1/chat/completions" }
        let resent = Set(log.dropFirst(sentBeforeRestart).compactMap { $0["seed"] as? String })
        #expect(resent.isDisjoint(with: doneAtKill), "a seed with a committed answer was sent again")
        let sentBefore = Set(log.prefix(sentBeforeRestart).compactMap { $0["seed"] as? String })
        let sentAgain = resent.intersection(sentBefore)
        // Those sent again were in flight (sent, no committed answer) at the kill: at most the in-flight cap plus the last uncommitted batch.
        #expect(sentAgain.count <= 16 + 32, "\(sentAgain.count) seeds sent again")
        restarted.kill(SIGTERM)
        #expect(restarted.waitForExit() == 0)
    }
}

@Suite(.serialized)
struct SynthCommandTests {
    @Test func synthWritesRowsShowsProgressAndExitsNonZeroWhenASeedIsSkipped() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let teacher = try FakeTeacherProcess(["--api-key", SynthesisTests.teacherKey])
        let skill = directory + "/skill.txt"
        try "You are terse.".write(toFile: skill, atomically: true, encoding: .utf8)
        let good = directory + "/seeds.jsonl"
        try Data(SynthesisTests.seeds(25)).write(to: URL(fileURLWithPath: good))
        let arguments = { (seeds: String, out: String) in
            ["synth", "--seeds", seeds, "--skill", skill, "--provider", "openai-compatible", "--model", "fake-teacher",
             "--base-url", teacher.baseURL + "/v1", "--api-key-env", "TEACHER_KEY", "--out", out, "--max-in-flight", "8", "--timeout", "2"]
        }
        let environment = ["TEACHER_KEY": SynthesisTests.teacherKey]
        let ok = try DistilleryBinary.run(arguments(good, directory + "/out.jsonl"), environment: environment)
        #expect(ok.status == 0, "stderr: \(ok.err)")
        #expect(ok.out.contains("completed: 25 rows written"))
        #expect(ok.err.contains("25/25"), "the progress line shows processed / total")
        let rows = try String(contentsOfFile: directory + "/out.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 25)
        #expect(rows.first == "{\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"Seed number 0\"},{\"role\":\"assistant\",\"content\":\"Answer to: Seed number 0\"}]}")
        #expect(!ok.out.contains(SynthesisTests.teacherKey) && !ok.err.contains(SynthesisTests.teacherKey))

        let flaky = directory + "/flaky.jsonl"
        try Data(SynthesisTests.seeds(10) { $0 == 4 ? " [fail:500x9]" : "" }).write(to: URL(fileURLWithPath: flaky))
        let partial = try DistilleryBinary.run(arguments(flaky, directory + "/partial.jsonl"), environment: environment)
        #expect(partial.status == 1)
        #expect(partial.out.contains("9 rows written"))
        #expect(partial.out.contains("1 seeds skipped"))
        #expect(partial.out.contains("server_error"))
        #expect(try String(contentsOfFile: directory + "/partial.jsonl", encoding: .utf8).split(separator: "\n").count == 9)

        let wrongKey = try DistilleryBinary.run(arguments(good, directory + "/never.jsonl"), environment: ["TEACHER_KEY": "sk-wrong-0000"])
        #expect(wrongKey.status == 2)
        #expect(wrongKey.err.contains("401"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/never.jsonl"))
    }

    @Test func synthTakesARecipeInEitherFormatAndFlagsOverrideIt() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let teacher = try FakeTeacherProcess(["--api-key", SynthesisTests.teacherKey])
        let skill = directory + "/skill.txt"
        try "You are terse.".write(toFile: skill, atomically: true, encoding: .utf8)
        let seeds = directory + "/seeds.jsonl"
        try Data(SynthesisTests.seeds(4)).write(to: URL(fileURLWithPath: seeds))
        // Oumi's shape, as exported by its platform: a model outside the catalog, no base URL, fields we do not use.
        let oumi = directory + "/oumi.json"
        try #"{"modelIdentifier": {"modelType": "llm", "modelName": "fake-teacher"}, "inferenceConfig": {"inferenceTemperature": 0.25, "inferenceMaxNewTokens": 77, "requestsPerMinute": 6000}}"#
            .write(toFile: oumi, atomically: true, encoding: .utf8)
        let distillery = directory + "/recipe.json"
        try #"{"name": "local", "teacher": {"provider": "openai-compatible", "model": "fake-teacher", "baseURL": "\#(teacher.baseURL)/v1"}, "sampling": {"temperature": 0.6, "maxNewTokens": 55}}"#
            .write(toFile: distillery, atomically: true, encoding: .utf8)
        let environment = ["TEACHER_KEY": SynthesisTests.teacherKey]
        func synth(_ extra: [String], out: String) throws -> (status: Int32, out: String, err: String) {
            try DistilleryBinary.run(
                ["synth", "--seeds", seeds, "--skill", skill, "--api-key-env", "TEACHER_KEY", "--out", directory + out] + extra,
                environment: environment)
        }
        func chatRequests(after count: Int) throws -> [[String: Any]] {
            try teacher.logEntries().filter { ($0["path"] as? String) == "/v1/chat/completions" && (($0["seed"] as? String) ?? "").hasPrefix("Seed number") }
                .dropFirst(count).map { $0 }
        }

        let noBaseURL = try synth(["--recipe", oumi], out: "/never.jsonl")
        #expect(noBaseURL.status == 2)
        #expect(noBaseURL.err.contains("--base-url"), "\(noBaseURL.err)")
        #expect(noBaseURL.err.contains("warning: recipe: modelIdentifier.modelType"), "Oumi fields we do not use are warned about")

        let fromOumi = try synth(["--recipe", oumi, "--base-url", teacher.baseURL + "/v1", "--temperature", "0.9"], out: "/oumi.jsonl")
        #expect(fromOumi.status == 0, "stderr: \(fromOumi.err)")
        let oumiRequests = try chatRequests(after: 0)
        #expect(oumiRequests.count == 4)
        #expect(oumiRequests.allSatisfy { ($0["temperature"] as? Double) == 0.9 && ($0["max_tokens"] as? Int) == 77 }, "the flag wins, the rest is the recipe's")

        let fromDistillery = try synth(["--recipe", distillery, "--max-new-tokens", "66"], out: "/distillery.jsonl")
        #expect(fromDistillery.status == 0, "stderr: \(fromDistillery.err)")
        let distilleryRequests = try chatRequests(after: 4)
        #expect(distilleryRequests.count == 4)
        #expect(distilleryRequests.allSatisfy { ($0["temperature"] as? Double) == 0.6 && ($0["max_tokens"] as? Int) == 66 })
        #expect(try String(contentsOfFile: directory + "/distillery.jsonl", encoding: .utf8).split(separator: "\n").count == 4)

        let broken = directory + "/broken.json"
        try #"{"name": "x", "teacher": {"provider": "openai-compatible", "model": "m"}, "sampling": {"temperature": 3.5}}"#
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try synth(["--recipe", broken], out: "/never.jsonl")
        #expect(refused.status == 2)
        #expect(refused.err.contains("sampling.temperature: must be between 0 and 2; got 3.5"), "\(refused.err)")
        let neither = try synth([], out: "/never.jsonl")
        #expect(neither.status == 2)
        #expect(neither.err.contains("pass --provider and --model, or --recipe FILE"))
    }

    /// A fresh folder holding a skill prompt ("You are terse.") and `seeds` as seeds.jsonl; the caller removes it.
    static func synthFolder(_ seeds: [UInt8]) throws -> (directory: String, skill: String, seeds: String) {
        let directory = TestApp.makeTemporaryDirectory()
        let skill = directory + "/skill.txt"
        try "You are terse.".write(toFile: skill, atomically: true, encoding: .utf8)
        try Data(seeds).write(to: URL(fileURLWithPath: directory + "/seeds.jsonl"))
        return (directory, skill, directory + "/seeds.jsonl")
    }

    @Test func synthRaisesATruncatedAnswersLimitUpToTheCapFlag() throws {
        // Seed 2 needs a 300-token answer.
        let (directory, skill, seeds) = try Self.synthFolder(SynthesisTests.seeds(3) { $0 == 2 ? " [len:300]" : "" })
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let teacher = try FakeTeacherProcess(["--api-key", SynthesisTests.teacherKey])
        let run = { (cap: String, out: String) in
            try DistilleryBinary.run(
                ["synth", "--seeds", seeds, "--skill", skill, "--provider", "openai-compatible", "--model", "fake-teacher",
                 "--base-url", teacher.baseURL + "/v1", "--api-key-env", "TEACHER_KEY", "--out", directory + out,
                 "--max-new-tokens", "100", "--max-tokens-cap", cap, "--max-in-flight", "1"],
                environment: ["TEACHER_KEY": SynthesisTests.teacherKey])
        }
        let capped = try run("200", "/capped.jsonl")
        #expect(capped.status == 1, "stderr: \(capped.err)")
        #expect(capped.out.contains("truncated_answer"))
        #expect(capped.out.contains("Truncated at 200 tokens after raising the limit 100 → 200; raise the cap"), "\(capped.out)")
        let raised = try run("400", "/raised.jsonl")
        #expect(raised.status == 0, "stdout: \(raised.out) stderr: \(raised.err)")
        #expect(try String(contentsOfFile: directory + "/raised.jsonl", encoding: .utf8).split(separator: "\n").count == 3)
    }

    @Test func synthTakesTheSwapCheckFlagAndRefusesABadOneNamingIt() throws {
        let (directory, skill, seeds) = try Self.synthFolder(SynthesisTests.seeds(4) { _ in " [judge:first]" })
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let teacher = try FakeTeacherProcess(["--api-key", SynthesisTests.teacherKey])
        let run = { (fraction: String) in
            try DistilleryBinary.run(
                ["synth", "--seeds", seeds, "--skill", skill, "--provider", "openai-compatible", "--model", "fake-teacher",
                 "--base-url", teacher.baseURL + "/v1", "--api-key-env", "TEACHER_KEY", "--out", directory + "/out.jsonl",
                 "--rejection-sampling", "--swap-check-fraction", fraction],
                environment: ["TEACHER_KEY": SynthesisTests.teacherKey])
        }
        let refused = try run("2")
        #expect(refused.status == 2)
        #expect(refused.err.contains("swap_check_fraction"), "\(refused.err)")
        let every = try run("1")
        #expect(every.status == 0, "stdout: \(every.out) stderr: \(every.err)")
        // Four seeds, each judged twice: the second time with the candidates reversed.
        #expect(try SynthesisEngineTests.chatRequests(teacher).filter { ($0["judge"] as? Bool) == true }.count == 8)
    }
}
