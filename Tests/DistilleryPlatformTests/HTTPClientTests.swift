import DistilleryCore
import DistilleryPlatform
import Foundation
import Testing

@Suite struct HTTPClientTests {
    @Test func connectionRefusedIsAClearErrorWithoutHeaders() throws {
        CurlGlobal.initialize()
        let port = try unusedPort()
        let request = HTTPClientRequest(
            method: "POST", url: "http://127.0.0.1:\(port)/v1/chat?key=secret-query",
            headers: [("Authorization", "Bearer sk-secret-token")], body: .bytes(Array("{}".utf8)))
        let error = try #require(throws: HTTPClientError.self) { try HTTPClient.send(request) }
        #expect(error.kind == .connectionFailed)
        #expect(error.description.hasPrefix("POST http://127.0.0.1:\(port)/v1/chat: could not connect (curl error 7)"))
        #expect(!error.description.contains("sk-secret-token"))
        #expect(!error.description.contains("secret-query"))
    }

    @Test func aSlowServerTimesOut() throws {
        let running = try RunningServer(handler: { _ in
            usleep(1_000_000)
            return HTTPResponse(status: 200)
        })
        defer { running.shutDown() }

        let error = try #require(throws: HTTPClientError.self) { try running.send("GET", "/slow", timeoutSeconds: 0.2) }
        #expect(error.kind == .timedOut)
        #expect(error.description.contains("timed out after 0.2 s"))
    }

    @Test func sendsAFileBodyWithItsLength() throws {
        let files = try TemporaryDirectory()
        defer { files.remove() }
        let path = files.path + "/body.txt"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("file body".utf8)))
        let running = try RunningServer()
        defer { running.shutDown() }

        let echoed = try EchoedRequest.decode(running.send("PUT", "/file", body: .file(path: path)))
        #expect(echoed.method == "PUT")
        #expect(echoed.bodyText == "file body")
        #expect(echoed.headers.contains { $0[0].lowercased() == "content-length" && $0[1] == "9" })
    }

    @Test func rejectsHeaderInjection() {
        let request = HTTPClientRequest(url: "http://127.0.0.1:1/", headers: [("X-Evil", "a\r\nHost: other")])
        let error = #expect(throws: HTTPClientError.self) { try HTTPClient.send(request) }
        #expect(error?.kind == .invalidRequest)
    }
}

/// A port nothing listens on: bind to port 0, read it, close.
func unusedPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    try #require(bound)
    return Int(UInt16(bigEndian: address.sin_port))
}
