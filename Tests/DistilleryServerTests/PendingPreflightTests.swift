import DistilleryCore
import DistilleryPlatform
import DistilleryTestSupport
import Foundation
import Synchronization
import Testing

/// The synthesis pre-flight waits on the teacher (up to 60 s against a slow local server). It must not
/// hold an HTTP thread meanwhile: with two HTTP threads, ten pre-flights that the teacher holds leave
/// the UI answering everyone else.
@Suite(.serialized)
struct PendingPreflightTests {
    typealias S = SynthesisTests

    @Test func tenHeldPreflightsLeaveTheServerAnsweringOtherRequests() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--hold-models"])
        let test = try TestApp(configure: { $0.httpThreadCount = 2 })
        defer { test.removeFiles() }
        // Whatever happens below, the held pre-flights are answered before the app stops.
        defer { _ = try? teacher.control(["release_models": true, "hold_models": false]) }
        let parent = try test.uploadRaw(S.seeds(5), name: "held seeds", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)
        let browser = BrowserSession(test)
        try browser.signIn()
        let csrf = try browser.csrfToken(from: "/datasets/\(parent)/synthesize")
        let cookie = browser.cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")

        // Ten submits at once: five from the dialog (HTML form), five through the JSON API.
        let answers = Mutex<[String]>([])
        let submits = DispatchGroup()
        for index in 0..<10 {
            submits.enter()
            Thread.detachNewThread {
                defer { submits.leave() }
                let answer: String
                do {
                    answer = index.isMultiple(of: 2)
                        ? try Self.submitJSON(test, dataset: parent, teacher: teacher)
                        : try Self.submitForm(test, dataset: parent, teacher: teacher, cookie: cookie, csrf: csrf)
                } catch {
                    answer = "error: \(error)"
                }
                answers.withLock { $0.append(answer) }
            }
        }

        // All ten reach the teacher, which holds them: none of them holds one of the two HTTP threads.
        let allHeld = Self.eventually(seconds: 20) { (try? teacher.stats()["held_models"] as? Int) == 10 }
        try #require(allHeld, "not all ten pre-flights reached the teacher; held: \(String(describing: try? teacher.stats()["held_models"]))")

        // Twenty other requests are answered while all ten pre-flights are still pending.
        for index in 0..<20 {
            let path = index.isMultiple(of: 2) ? "/api/datasets" : "/healthz"
            let response = try HTTPClient.send(HTTPClientRequest(
                url: test.base + path, headers: [("Authorization", "Bearer \(test.token)")], timeoutSeconds: 5))
            #expect(response.status == 200, "\(path) -> \(response.status)")
        }
        #expect(answers.withLock { $0 }.isEmpty, "a submit was answered before its pre-flight: \(answers.withLock { $0 })")
        #expect(try teacher.stats()["held_models"] as? Int == 10)

        // Released, every pre-flight passes and every submit gets its own job.
        try teacher.control(["release_models": true, "hold_models": false])
        #expect(submits.wait(timeout: .now() + 30) == .success)
        let final = answers.withLock { $0 }
        #expect(final.filter { $0.hasPrefix("json 201 /api/synthesis/") }.count == 5, "\(final)")
        #expect(final.filter { $0.hasPrefix("html 303 /synthesis/") }.count == 5, "\(final)")
        let jobs = Set(final.compactMap { $0.split(separator: "/").last.flatMap { Int64($0) } })
        #expect(jobs.count == 10)
    }

    @Test func stoppingWhileAPreflightIsHeldAnswersItUnavailableAndStops() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--hold-models"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(S.seeds(5), name: "held seeds", mode: "seeds", skillPrompt: S.skill)
        _ = try test.waitUntilValidated(parent)

        let answer = Mutex<String?>(nil)
        let submitted = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let text = (try? Self.submitJSON(test, dataset: parent, teacher: teacher)) ?? "no answer"
            answer.withLock { $0 = text }
            submitted.signal()
        }
        try #require(Self.eventually(seconds: 20) { (try? teacher.stats()["held_models"] as? Int) == 1 })

        // The parked connection is resumed with a 503 (libmicrohttpd would abort on a suspended one).
        test.stop()
        #expect(submitted.wait(timeout: .now() + 5) == .success)
        let text = try #require(answer.withLock { $0 })
        #expect(text.hasPrefix("json 503 "), "\(text)")
        #expect(text.contains("\"code\":\"unavailable\""), "\(text)")
        #expect(try teacher.stats()["held_models"] as? Int == 1, "the teacher answered before the stop")
    }

    static func submitJSON(_ test: TestApp, dataset: Int64, teacher: FakeTeacherProcess) throws -> String {
        let response = try S.start(test, dataset: dataset, teacher: teacher)
        return "json \(response.status) \(response.headers["Location"] ?? response.text)"
    }

    static func submitForm(_ test: TestApp, dataset: Int64, teacher: FakeTeacherProcess, cookie: String, csrf: String) throws -> String {
        let fields = [
            ("_csrf", csrf), ("provider", "openai-compatible"), ("custom_model", "fake-teacher"),
            ("base_url", teacher.baseURL + "/v1"), ("api_key", S.teacherKey),
        ]
        let body = fields.map { "\($0.0)=\(FormEncoding.encode($0.1))" }.joined(separator: "&")
        let response = try test.request(
            "POST", "/datasets/\(dataset)/synthesize",
            headers: [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")], body: .bytes(Array(body.utf8)),
            token: "")
        return "html \(response.status) \(response.headers["Location"] ?? response.text)"
    }

    static func eventually(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
