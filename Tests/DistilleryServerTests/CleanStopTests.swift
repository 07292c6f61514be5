import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import DistilleryTestSupport
import Foundation
import Testing

/// Clean stops in process: the synthesis queue is the validation queue, so a stopped synthesis job
/// is handed back without spending an attempt too; and "Validate again" on the page and in the API.
@Suite(.serialized)
struct CleanStopTests {
    static func job(_ jobID: Int64, in directory: String) throws -> (state: String, attempts: Int) {
        let database = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
        defer { database.close() }
        let row = try database.read { try $0.queryOne("SELECT state, attempts FROM jobs WHERE id = ?", .integer(jobID)) }
        return (row?.string("state") ?? "", row?.int("attempts") ?? -1)
    }

    @Test func aCleanStopDuringSynthesisHandsTheJobBackWithoutSpendingAnAttempt() throws {
        let teacher = try FakeTeacherProcess(["--api-key", SynthesisTests.teacherKey, "--latency-ms", "30"])
        let first = try TestApp()
        let directory = first.directory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let parent = try first.uploadRaw(SynthesisTests.seeds(300), name: "seeds", mode: "seeds", skillPrompt: SynthesisTests.skill)
        _ = try first.waitUntilValidated(parent)
        let jobID = try SynthesisTests.jobID(try SynthesisTests.start(first, dataset: parent, teacher: teacher, extra: ["max_in_flight": "4"]))
        let deadline = Date().addingTimeInterval(60)
        while (try first.json("/api/synthesis/\(jobID)")["written"] as? Int ?? 0) < 20 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        first.stop()
        let stopped = try Self.job(jobID, in: directory)
        #expect(stopped.state == "queued", "a clean stop hands the synthesis job back")
        #expect(stopped.attempts == 0, "a clean stop spends no attempt")

        let second = try TestApp(directory: directory)
        let job = try SynthesisTests.waitForJob(second, jobID)
        #expect(job["status"] as? String == "completed")
        #expect(job["written"] as? Int == 300)
        second.stop()
        let finished = try Self.job(jobID, in: directory)
        #expect(finished.state == "completed")
        #expect(finished.attempts == 1)
    }

    /// A dataset whose validation was given up, as the validation job leaves it after three crashes.
    static func givenUpDataset(_ test: TestApp, lines: Int) throws -> Int64 {
        let store = test.app.services.datasets
        let id = try store.create(
            NewDataset(name: "cut off", mode: .chat, baseModel: BaseModelCatalog.defaultModel.id, skillPrompt: nil, byteSize: 0),
            now: 1, queueValidation: false
        ) { id in try Data(Fixtures.jsonl(Fixtures.chatLines(lines))).write(to: URL(fileURLWithPath: test.app.configuration.uploadPath(datasetID: id))) }
        var validator = StreamingValidator(options: ValidationOptions(mode: .chat))
        var summary = validator.finish()
        summary.status = .invalid
        summary.datasetErrors = [DatasetError(code: DatasetError.validationInterruptedCode, message: "Validation was cut off 3 times.")]
        try store.failValidation(datasetID: id, summary: summary, now: 2)
        return id
    }

    @Test func validateAgainIsOfferedOnAGivenUpDatasetAndRunsTheValidationAfresh() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.givenUpDataset(test, lines: 150)
        let browser = BrowserSession(test)
        try browser.signIn()
        let page = try browser.get("/datasets/\(id)").text
        #expect(page.contains("action=\"/datasets/\(id)/validate\""))
        #expect(page.contains("Validate again"))
        #expect(page.contains("Validation was cut off 3 times."))
        #expect(!page.contains("Fix the source file"), "the file is not to blame")
        let json = try test.json("/api/datasets/\(id)")
        #expect(json["canValidateAgain"] as? Bool == true)
        #expect(json["statusExplanation"] as? String == "Validation was cut off 3 times.")

        // Without the form's CSRF token the browser's post is refused and nothing is queued.
        #expect(try browser.submit("/datasets/\(id)/validate", fields: [], csrfFrom: "", csrf: "forged").status == 403)
        #expect(try test.app.services.jobs.activeJobCount(datasetID: id) == 0)

        let posted = try browser.submit("/datasets/\(id)/validate", fields: [], csrfFrom: "/datasets/\(id)")
        #expect(posted.status == 303)
        #expect(posted.headers["Location"] == "/datasets/\(id)")
        let validated = try test.waitUntilValidated(id)
        #expect((validated["dataset"] as? [String: Any])?["status"] as? String == "valid_with_warnings")
        #expect((validated["dataset"] as? [String: Any])?["rows"] as? Int == 150)
        #expect(validated["canValidateAgain"] as? Bool == false)
        #expect(!(try browser.get("/datasets/\(id)").text.contains("Validate again")))
    }

    @Test func validateAgainIsRefusedWhenTheFileItselfFailedOrTheDatasetIsMissing() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        var lines = Fixtures.chatLines(120)
        lines[3] = "{not json"
        let invalid = try test.uploadRaw(Fixtures.jsonl(lines), name: "broken")
        #expect((try test.waitUntilValidated(invalid)["dataset"] as? [String: Any])?["status"] as? String == "invalid")
        let refused = try test.request("POST", "/api/datasets/\(invalid)/validate")
        #expect(refused.status == 409)
        #expect(refused.text.contains("fix the file and upload it as a new dataset"))
        #expect(try test.json("/api/datasets/\(invalid)")["canValidateAgain"] as? Bool == false)
        #expect(try test.request("POST", "/api/datasets/98765/validate").status == 404)
    }
}
