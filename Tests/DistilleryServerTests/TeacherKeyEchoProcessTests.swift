import DistilleryPlatform
import DistilleryTestSupport
import Foundation
import Testing

/// A teacher that echoes the `Authorization` header (in the pre-flight's 401, in chat 400/401/500
/// bodies and inside a 200 answer) against the real binary: the key, in none of its forms, reaches a
/// response of ours, a page, the database file or its WAL, or the server log.
@Suite(.serialized)
struct TeacherKeyEchoProcessTests {
    /// Every response the test received, to search for the key at the end.
    final class Recorder {
        let base: String
        let token: String
        var seen: [(what: String, text: String)] = []

        init(base: String, token: String) {
            self.base = base
            self.token = token
        }

        @discardableResult
        func send(_ method: String, _ path: String, json: [String: Any]? = nil, form: [(String, String)]? = nil) throws -> HTTPClientResponse {
            var headers = [("Authorization", "Bearer \(token)")]
            var body = HTTPClientRequest.Body.none
            if let json {
                headers.append(("Content-Type", "application/json"))
                body = .bytes(Array(try JSONSerialization.data(withJSONObject: json)))
            } else if let form {
                headers.append(("Content-Type", "application/x-www-form-urlencoded"))
                body = .bytes(Array(form.map { "\($0.0)=\(FormEncoding.encode($0.1))" }.joined(separator: "&").utf8))
            }
            let response = try HTTPClient.send(HTTPClientRequest(method: method, url: base + path, headers: headers, body: body, timeoutSeconds: 60))
            let headerText = response.headers.fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
            seen.append(("\(method) \(path) -> \(response.status)", headerText + "\n\n" + response.text))
            return response
        }

        func object(_ method: String, _ path: String, json: [String: Any]? = nil) throws -> [String: Any] {
            try TestApp.object(try send(method, path, json: json))
        }
    }

    static func uploadSeeds(_ recorder: Recorder, name: String, seeds: [String]) throws -> Int64 {
        let body = seeds.map { "{\"input\":\"\($0)\"}" }.joined(separator: "\n") + "\n"
        let response = try HTTPClient.send(HTTPClientRequest(
            method: "POST", url: recorder.base + "/api/datasets?name=\(name)&mode=seeds&skill_prompt=Answer%20briefly.",
            headers: [("Authorization", "Bearer \(recorder.token)"), ("Content-Type", "application/jsonl")], body: .bytes(Array(body.utf8))))
        let id = try #require(((try TestApp.object(response)["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let status = (try recorder.object("GET", "/api/datasets/\(id)")["dataset"] as? [String: Any])?["status"] as? String
            if status != "validating" { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return id
    }

    static func synthesisFields(teacher: FakeTeacherProcess, key: String) -> [String: Any] {
        ["provider": "openai-compatible", "model": "fake-teacher", "base_url": teacher.baseURL + "/v1", "api_key": key,
         "max_in_flight": "8", "request_timeout_seconds": "10"]
    }

    @Test func anEchoingTeacherLeaksTheKeyNowhere() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logPath = directory + "-server.log"
        defer { unlink(logPath) }
        let token = try makeAdminWithToken(in: directory)
        let server = try ServerProcess(dataDirectory: directory, logPath: logPath)
        let recorder = Recorder(base: server.base, token: token)

        var teachers: [FakeTeacherProcess] = []
        var jobs: [Int64] = []
        for (index, key) in EchoedKeys.all.enumerated() {
            // The pre-flight meets a teacher that rejects the key and echoes it in its 401 (JSON API and form).
            let rejecting = try FakeTeacherProcess(["--echo-auth", "--api-key", "another-key-entirely"])
            teachers.append(rejecting)
            let parent = try Self.uploadSeeds(recorder, name: "echo-\(index)", seeds: [
                "Seed one", "Seed two", "Seed three [fail:400]", "Seed four [fail:500x9]",
            ])
            let refused = try recorder.send("POST", "/api/datasets/\(parent)/synthesis", json: Self.synthesisFields(teacher: rejecting, key: key))
            #expect(refused.status == 422)
            #expect(refused.text.contains("[redacted]"), "the 422 should quote the teacher's (redacted) message: \(refused.text)")
            let refusedForm = try recorder.send(
                "POST", "/datasets/\(parent)/synthesize",
                form: Self.synthesisFields(teacher: rejecting, key: key).map { ($0.key, "\($0.value)") })
            #expect(refusedForm.status == 422)

            // Jobs meet chat 200 answers, 400 and 500 bodies (one job) and a 401 (another), all echoing.
            let echoing = try FakeTeacherProcess(["--echo-auth", "--api-key", key])
            teachers.append(echoing)
            let started = try recorder.object("POST", "/api/datasets/\(parent)/synthesis", json: Self.synthesisFields(teacher: echoing, key: key))
            jobs.append(try #require((started["jobID"] as? NSNumber)?.int64Value, "\(started)"))
            let aborting = try Self.uploadSeeds(recorder, name: "echo-401-\(index)", seeds: ["Seed five [fail:401]", "Seed six"])
            let startedAborting = try recorder.object("POST", "/api/datasets/\(aborting)/synthesis", json: Self.synthesisFields(teacher: echoing, key: key))
            jobs.append(try #require((startedAborting["jobID"] as? NSNumber)?.int64Value, "\(startedAborting)"))
        }

        var redactedAnswers = 0
        for job in jobs {
            var view: [String: Any] = [:]
            let deadline = Date().addingTimeInterval(90)
            repeat {
                view = try recorder.object("GET", "/api/synthesis/\(job)")
                if view["isActive"] as? Bool == false { break }
                Thread.sleep(forTimeInterval: 0.1)
            } while Date() < deadline
            #expect(view["isActive"] as? Bool == false, "job \(job) did not end")
            try recorder.send("GET", "/synthesis/\(job)")
            if let parent = (view["parentDatasetID"] as? NSNumber)?.int64Value ?? (view["datasetID"] as? NSNumber)?.int64Value {
                try recorder.send("GET", "/datasets/\(parent)")
            }
            if let child = (view["childDatasetID"] as? NSNumber)?.int64Value {
                for path in ["/datasets/\(child)", "/api/datasets/\(child)", "/api/datasets/\(child)/rows?per_page=500",
                             "/datasets/\(child)/download", "/datasets/\(child)/metadata.jsonl"] {
                    let response = try recorder.send("GET", path)
                    if path.hasSuffix("/download") && response.text.contains("(you sent: Bearer [redacted])") { redactedAnswers += 1 }
                }
            }
        }
        for path in ["/datasets", "/api/datasets", "/admin/audit", "/api/admin/audit"] { try recorder.send("GET", path) }
        #expect(redactedAnswers == EchoedKeys.all.count, "every child should hold the answers with the echo redacted")

        // The job's failure and skip reasons came through, redacted.
        let everything = recorder.seen.map(\.text).joined(separator: "\n")
        #expect(everything.contains("bad_request") && everything.contains("server_error") && everything.contains("unauthorized"))

        // While the server runs, recent pages sit in the WAL; a clean stop checkpoints them into the
        // database file (the last connection to close does) and removes the WAL.
        let databasePath = directory + "/distillery.sqlite"
        let before = Self.bytes(databasePath) + Self.bytes(databasePath + "-wal")
        #expect(!Self.bytes(databasePath + "-wal").isEmpty, "expected a WAL while the server runs")
        server.kill(SIGTERM)
        #expect(server.waitForExit() != nil)
        #expect(Self.bytes(databasePath + "-wal").isEmpty, "the clean stop should have checkpointed the WAL")
        let after = Self.bytes(databasePath)
        let log = Self.bytes(logPath)
        #expect(!log.isEmpty)

        for key in EchoedKeys.all {
            for (what, text) in recorder.seen {
                #expect(EchoedKeys.leaks(of: key, in: text).isEmpty, "\(what) shows the key: \(text.prefix(400))")
            }
            #expect(EchoedKeys.leaks(of: key, in: before).isEmpty, "the database or its WAL holds the key before a checkpoint")
            #expect(EchoedKeys.leaks(of: key, in: after).isEmpty, "the database holds the key after a checkpoint")
            #expect(EchoedKeys.leaks(of: key, in: log).isEmpty, "the server log holds the key")
        }
        for teacher in teachers { teacher.stop() }
    }

    static func bytes(_ path: String) -> [UInt8] {
        (FileManager.default.contents(atPath: path)).map(Array.init) ?? []
    }
}
