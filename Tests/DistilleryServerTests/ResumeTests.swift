import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import Foundation
import Testing

/// The database is the job queue: a validation cut off by a crash resumes at the next start, and
/// finishes with exactly the right rows, without touching other datasets.
@Suite(.serialized)
struct ResumeTests {
    @Test func validationAbandonedMidwayFinishesAfterRestart() throws {
        // First life: one dataset validated, a second one interrupted mid-validation.
        let first = try TestApp()
        let doneID = try first.uploadRaw(Fixtures.jsonl(Fixtures.chatLines(140, tag: "done")), name: "already valid")
        let before = try first.waitUntilValidated(doneID)
        first.stop()

        let directory = first.directory
        let database = try Database(path: directory + "/distillery.sqlite")
        let store = DatasetStore(database: database)
        let queue = JobQueue(database: database)
        let lines = Fixtures.chatLines(300, tag: "resumed")
        let interruptedID = try store.create(
            NewDataset(name: "interrupted", mode: .chat, baseModel: BaseModelCatalog.defaultModel.id, skillPrompt: nil, byteSize: 0),
            now: 1
        ) { id in try Data(Fixtures.jsonl(lines)).write(to: URL(fileURLWithPath: directory + "/uploads/\(id).jsonl")) }
        // A worker of the dead process had claimed the job and written part of the output.
        let claimed = try #require(try queue.claim(owner: "worker-of-a-dead-process", leaseMilliseconds: 3_600_000))
        #expect(claimed.datasetID == interruptedID)
        let partial = (0..<40).map { AcceptedRow(line: $0 + 1, normalizedJSON: Array(lines[$0].utf8), estimatedTokens: 10) }
        #expect(try store.appendValidationBatch(datasetID: interruptedID, rows: partial, firstRowIndex: 0, errors: [], firstErrorSequence: 0))
        database.close()

        // Second life on the same folder.
        let second = try TestApp(directory: directory)
        defer { second.removeFiles() }
        let after = try second.waitUntilValidated(interruptedID)
        #expect((after["dataset"] as? [String: Any])?["status"] as? String == "valid_with_warnings")
        #expect((after["dataset"] as? [String: Any])?["rows"] as? Int == 300)
        let counts = try second.app.services.database.read { connection in
            try connection.queryOne(
                "SELECT COUNT(*) AS rows, COUNT(DISTINCT line) AS lines FROM dataset_rows WHERE dataset_id = ?",
                .integer(interruptedID))
        }
        #expect(counts?.int("rows") == 300)
        #expect(counts?.int("lines") == 300)
        let untouched = try second.json("/api/datasets/\(doneID)")
        let canonical = { (body: [String: Any]) throws -> String in
            String(decoding: try JSONSerialization.data(withJSONObject: body["summary"] ?? [:], options: [.sortedKeys]), as: UTF8.self)
        }
        #expect(try canonical(untouched) == canonical(before))
        #expect(try canonical(before).contains("\"examples\":140"))
        let jobs = try second.app.services.jobs.jobs(datasetID: interruptedID)
        #expect(jobs.map(\.state) == [.completed])
    }
}
