import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryTestSupport
import Foundation
import Synchronization
import Testing

/// Only dataset uploads may be spooled to disk: a JSON request carrying a pasted key stays in memory
/// however large (up to 1 MiB), and anything larger is refused with a 413 naming the limit.
@Suite(.serialized)
struct RequestBodyLimitTests {
    static let key = "sk-pasted-key-that-must-not-touch-the-disk"

    /// Names of the files that appeared in `folder` while `body` ran (polled every millisecond).
    static func filesAppearing(in folder: String, during body: () throws -> Void) rethrows -> Set<String> {
        let seen = Mutex<Set<String>>([])
        let done = Atomic<Bool>(false)
        let watcher = Thread {
            while !done.load(ordering: .acquiring) {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                if !names.isEmpty { seen.withLock { $0.formUnion(names) } }
                usleep(1_000)
            }
        }
        watcher.start()
        defer { done.store(true, ordering: .releasing) }
        try body()
        return seen.withLock { $0 }
    }

    @Test func aLargeJSONRequestWithAKeyIsNeverSpooledAndAnOversizedOneIs413() throws {
        // The pre-flight takes 1.5 s, long enough for the watcher to see any spooled body.
        let teacher = try FakeTeacherProcess(["--models-latency-ms", "1500", "--api-key", Self.key])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(SynthesisTests.seeds(5), name: "seeds", mode: "seeds", skillPrompt: SynthesisTests.skill)
        _ = try test.waitUntilValidated(parent)
        let spool = test.directory + "/tmp"

        var fields: [String: Any] = [
            "provider": "openai-compatible", "model": "fake-teacher", "base_url": teacher.baseURL + "/v1", "api_key": Self.key,
            "note": String(repeating: "padding ", count: 12_000),
        ]
        var response: HTTPClientResponse?
        let appeared = try Self.filesAppearing(in: spool) {
            response = try test.request(
                "POST", "/api/datasets/\(parent)/synthesis", headers: [("Content-Type", "application/json")],
                body: .bytes(Array(try JSONSerialization.data(withJSONObject: fields))))
        }
        #expect(response?.status == 201, "\(response?.text.prefix(300) ?? "")")
        #expect(appeared.isEmpty, "the request body was written to \(spool): \(appeared)")

        fields["note"] = String(repeating: "padding ", count: 140_000)
        let tooLarge = try test.request(
            "POST", "/api/datasets/\(parent)/synthesis", headers: [("Content-Type", "application/json")],
            body: .bytes(Array(try JSONSerialization.data(withJSONObject: fields))))
        #expect(tooLarge.status == 413)
        let error = try TestApp.object(tooLarge)["error"] as? [String: Any]
        #expect((error?["message"] as? String)?.contains("1 MiB limit") == true, "\(tooLarge.text)")

        let form = Array(("note=" + String(repeating: "x", count: 1_100_000)).utf8)
        let tooLargeForm = try BrowserSession(test).send(
            "POST", "/datasets/\(parent)/synthesize", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: .bytes(form))
        #expect(tooLargeForm.status == 413)
        #expect(tooLargeForm.text.contains("1 MiB limit"))
        #expect(tooLargeForm.headers["Content-Type"]?.hasPrefix("text/html") == true)
    }

    @Test func onlyTheRoutesThatCreateADatasetFromAFileMaySpool() {
        let spooling = DistilleryApp.routes.filter { $0.body == .upload }.map { "\($0.method) \($0.pattern)" }
        #expect(spooling == ["POST /datasets", "POST /api/datasets"])
    }

    @Test func datasetUploadsStillStreamPastTheSmallLimit() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        // About 2 MB of chat rows: over the 1 MiB in-memory limit, so it must be spooled to be accepted.
        let lines = Fixtures.chatLines(150, tag: "big") { index in
            "Question \(index): " + String(repeating: "why does my export stall? ", count: 520)
        }
        let id = try test.uploadRaw(Fixtures.jsonl(lines), name: "big")
        #expect(Fixtures.jsonl(lines).count > 1024 * 1024 + 512 * 1024)
        let view = try test.waitUntilValidated(id)
        #expect((view["dataset"] as? [String: Any])?["rows"] as? Int == 150)
    }
}
