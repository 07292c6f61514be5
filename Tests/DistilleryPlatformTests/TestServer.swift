import DistilleryCore
import DistilleryPlatform
import Foundation

/// A fresh temporary folder, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "distillery-platform-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func contents() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// What the echo handler saw, sent back as JSON.
struct EchoedRequest: Codable {
    var method: String
    var path: String
    var query: [[String]]
    var headers: [[String]]
    var bodyKind: String
    var bodySize: Int
    var bodyText: String
    var remoteAddress: String

    init(_ request: HTTPRequest) {
        method = request.method
        path = request.path
        query = request.queryItems.map { [$0.name, $0.value] }
        headers = request.headers.fields.map { [$0.name, $0.value] }
        bodySize = request.body.size
        remoteAddress = request.remoteAddress
        switch request.body {
        case .empty:
            bodyKind = "empty"
            bodyText = ""
        case .bytes(let bytes):
            bodyKind = "bytes"
            bodyText = bytes.count <= 1024 ? String(decoding: bytes, as: UTF8.self) : ""
        case .file(let path, _):
            bodyKind = "file"
            bodyText = path
        }
    }

    static func decode(_ response: HTTPClientResponse) throws -> EchoedRequest {
        try JSONDecoder().decode(EchoedRequest.self, from: Data(response.body))
    }
}

@Sendable func echoHandler(_ request: HTTPRequest) -> HTTPResponse {
    let json = (try? JSONEncoder().encode(EchoedRequest(request))) ?? Data()
    return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: .bytes(Array(json)))
}

/// Answers rejections with their suggested status and a text naming the rejection and the path.
@Sendable func plainRejectionHandler(_ rejection: HTTPRejection, _ request: HTTPRequest) -> HTTPResponse {
    HTTPResponse(
        status: rejection.suggestedStatus,
        headers: HTTPHeaders([("Content-Type", "text/plain")]),
        body: .bytes(Array("\(request.method) \(request.path): \(rejection.message)".utf8)))
}

/// A started server on 127.0.0.1 (or `host`) port 0 with its own spool folder.
final class RunningServer {
    let server: HTTPServer
    let spool: TemporaryDirectory
    let baseURL: String

    init(
        host: String = "127.0.0.1",
        configure: (inout HTTPServerConfiguration) -> Void = { _ in },
        handler: @escaping HTTPServer.Handler = echoHandler,
        rejectionHandler: @escaping HTTPServer.RejectionHandler = plainRejectionHandler
    ) throws {
        CurlGlobal.initialize()
        spool = try TemporaryDirectory()
        var configuration = HTTPServerConfiguration(spoolDirectory: spool.path, host: host, port: 0, threadCount: 2)
        configure(&configuration)
        server = HTTPServer(configuration: configuration, handler: handler, rejectionHandler: rejectionHandler)
        let port = try server.start()
        baseURL = host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    func send(
        _ method: String = "GET", _ path: String, headers: [(String, String)] = [],
        body: HTTPClientRequest.Body = .none, timeoutSeconds: Double = 10
    ) throws -> HTTPClientResponse {
        try HTTPClient.send(
            HTTPClientRequest(method: method, url: baseURL + path, headers: headers, body: body, timeoutSeconds: timeoutSeconds))
    }

    /// The completion notice (which deletes spool files and closes streams) may run just after the
    /// client has the response; wait briefly for a condition instead of racing it.
    func eventually(timeoutSeconds: Double = 2, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    func shutDown() {
        server.stop(timeoutSeconds: 2)
        spool.remove()
    }
}

/// Deterministic bytes so a transferred body can be checked byte for byte.
func patternBytes(count: Int, seed: UInt8 = 7, startingAt start: Int = 0) -> [UInt8] {
    // A plain loop over an uninitialized buffer: `map` over millions of elements is slow in debug builds.
    [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        for index in 0..<count {
            let position = start + index
            buffer[index] = UInt8(truncatingIfNeeded: position &* 31 &+ Int(seed) &+ position / 251)
        }
        initialized = count
    }
}
