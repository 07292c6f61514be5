import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Logging

/// The real application (SQLite file in a temp folder, libmicrohttpd on 127.0.0.1 port 0,
/// worker threads), driven over HTTP with libcurl, as a user would.
final class TestApp: @unchecked Sendable {
    let directory: String
    let app: DistilleryApp
    let base: String
    let logs: LogCapture
    /// An admin's API token; `request` sends it unless told otherwise.
    private(set) var token = ""
    static let adminName = "admin"
    static let adminPassword = "correct horse battery"

    init(
        maxUploadBytes: Int = 50 * 1024 * 1024, workers: Int = 2, directory: String? = nil,
        configure: (inout AppConfiguration) -> Void = { _ in }
    ) throws {
        self.directory = directory ?? TestApp.makeTemporaryDirectory()
        var configuration = AppConfiguration()
        configuration.port = 0
        configuration.dataDirectory = self.directory
        configuration.maxUploadBytes = maxUploadBytes
        configuration.workerCount = workers
        configure(&configuration)
        logs = LogCapture()
        let capture = logs
        var logger = Logger(label: "test") { _ in CapturingLogHandler(capture: capture) }
        logger.logLevel = .debug
        app = try DistilleryApp(configuration: configuration, logger: logger)
        try app.start()
        base = app.url
        token = try makeAdminToken()
    }

    /// The admin account (created on first use of this data folder) and a fresh API token for it.
    private func makeAdminToken() throws -> String {
        let users = app.services.users
        let admin: User
        if let existing = try users.credentials(name: Self.adminName)?.user {
            admin = existing
        } else {
            guard case .created(let created)? = try users.create(
                name: Self.adminName, passwordHash: try PasswordHasher.hash(Self.adminPassword, strength: .minimumForTests),
                role: .admin, now: 1)
            else { throw TestFailure("could not create the admin") }
            admin = created
        }
        let token = "dst_test_" + RandomToken.generate()
        _ = try app.services.tokens.create(
            userID: admin.id, name: "tests", tokenHash: SecretDigest.sha256Hex(token), prefix: "dst_test", now: 1)
        return token
    }

    /// A member account with its own API token.
    func makeMember(_ name: String, password: String = "member password 1") throws -> (user: User, token: String) {
        guard case .created(let user)? = try app.services.users.create(
            name: name, passwordHash: try PasswordHasher.hash(password, strength: .minimumForTests), role: .member, now: 1)
        else { throw TestFailure("could not create \(name)") }
        let token = "dst_test_" + RandomToken.generate()
        _ = try app.services.tokens.create(userID: user.id, name: "tests", tokenHash: SecretDigest.sha256Hex(token), prefix: "dst_test", now: 1)
        return (user, token)
    }

    static func makeTemporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "distillery-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func stop() {
        app.stop()
    }

    func removeFiles() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit {
        app.stop()
    }

    /// Sends the admin's bearer token unless `token` says otherwise ("" for none).
    @discardableResult
    func request(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: HTTPClientRequest.Body = .none,
        token: String? = nil
    ) throws -> HTTPClientResponse {
        let bearer = token ?? self.token
        let allHeaders = bearer.isEmpty ? headers : headers + [("Authorization", "Bearer \(bearer)")]
        return try HTTPClient.send(HTTPClientRequest(method: method, url: base + path, headers: allHeaders, body: body))
    }

    func get(_ path: String, headers: [(String, String)] = []) throws -> HTTPClientResponse {
        try request("GET", path, headers: headers)
    }

    func json(_ path: String) throws -> [String: Any] {
        let response = try get(path)
        guard response.status == 200 else { throw TestFailure("GET \(path) -> \(response.status): \(response.text)") }
        return try Self.object(response)
    }

    static func object(_ response: HTTPClientResponse) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(response.text.prefix(200))")
        }
        return object
    }

    /// POST /api/datasets with a raw JSONL body and the fields as query parameters; returns the id.
    func uploadRaw(_ contents: [UInt8], name: String, mode: String = "chat", skillPrompt: String? = nil,
                   baseModel: String? = nil) throws -> Int64 {
        var query = "name=\(FormDecoding.percentEncode(name))&mode=\(mode)"
        if let skillPrompt { query += "&skill_prompt=\(FormDecoding.percentEncode(skillPrompt))" }
        if let baseModel { query += "&base_model=\(baseModel)" }
        let response = try request(
            "POST", "/api/datasets?\(query)", headers: [("Content-Type", "application/jsonl")], body: .bytes(contents))
        guard response.status == 201 else { throw TestFailure("upload -> \(response.status): \(response.text)") }
        let body = try Self.object(response)
        guard let dataset = body["dataset"] as? [String: Any], let id = (dataset["id"] as? NSNumber)?.int64Value else {
            throw TestFailure("no dataset id in \(response.text.prefix(300))")
        }
        return id
    }

    /// Polls the JSON twin until validation has finished.
    func waitUntilValidated(_ id: Int64, timeoutSeconds: Double = 60) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            let body = try json("/api/datasets/\(id)")
            if let dataset = body["dataset"] as? [String: Any], dataset["status"] as? String != "validating" {
                return body
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("dataset \(id) still validating after \(timeoutSeconds) s")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Every log line the app wrote during a test, to check what was (not) logged.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return lines.joined(separator: "\n")
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append("\(event.level) \(event.message) \(event.metadata ?? [:])")
    }
}

/// Chat-format lines that pass every rule.
enum Fixtures {
    static func chatLines(_ count: Int, tag: String = "q", userContent: ((Int) -> String)? = nil) -> [String] {
        (0..<count).map { index in
            let user = userContent?(index) ?? "Question \(tag) number \(index): how do I export my data?"
            let object: [String: Any] = [
                "messages": [
                    ["role": "system", "content": "You are a concise support agent."],
                    ["role": "user", "content": user],
                    ["role": "assistant", "content": "Open Settings, choose Export, and pick a format (\(index))."],
                ]
            ]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func jsonl(_ lines: [String]) -> [UInt8] {
        Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    static func seedLines(_ count: Int) -> [String] {
        (0..<count).map { "{\"input\":\"Write a tagline about speed, variant \($0).\"}" }
    }
}
