import DistilleryTestSupport
import Foundation
import Testing

/// Requests that only a broken or hostile client sends, against the whole app over a raw socket:
/// each gets a JSON error a client can read, and nothing is stored.
struct RequestHardeningTests {
    static func rawRequest(_ test: TestApp, _ head: String) -> String {
        "\(head)\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(test.token)\r\nContent-Type: application/jsonl\r\n"
    }

    @Test func aRequestWithBothContentLengthAndTransferEncodingIs400AndStoresNothing() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let connection = try RawHTTPConnection(port: test.app.port, timeoutSeconds: 10)
        try connection.send(
            Self.rawRequest(test, "POST /api/datasets?name=smuggled HTTP/1.1")
                + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{}\r\n\r\n0\r\n\r\n")
        let answer = connection.readStatus()
        #expect(answer.status == 400, "\(answer.text.prefix(300))")
        #expect(answer.text.contains(#""code":"bad_request""#))
        #expect(answer.text.contains("a request may not carry both Content-Length and Transfer-Encoding"))
        #expect(try test.json("/api/datasets")["count"] as? Int == 0)
    }

    @Test func aChunkedUploadFarPastTheLimitGetsTheJSON413AndStoresNothing() throws {
        let test = try TestApp(maxUploadBytes: 1024 * 1024)
        defer { test.removeFiles() }
        let connection = try RawHTTPConnection(port: test.app.port, timeoutSeconds: 20)
        try connection.send(Self.rawRequest(test, "POST /api/datasets?name=huge HTTP/1.1") + "Transfer-Encoding: chunked\r\n\r\n")
        let line = Array(#"{"messages":[{"role":"user","content":"padding"}]}"#.utf8) + [10]
        let chunkBody = Array((0..<(256 * 1024 / line.count)).map { _ in line }.joined())
        let chunk = Array(String(chunkBody.count, radix: 16).utf8) + [13, 10] + chunkBody + [13, 10]
        for _ in 0..<64 { try connection.send(chunk) }  // about 16 MiB against a 1 MiB limit
        try connection.send("0\r\n\r\n")
        let answer = connection.readStatus()
        #expect(answer.status == 413, "\(answer.text.prefix(300))")
        #expect(answer.text.contains(#""code":"too_large""#))
        #expect(try test.json("/api/datasets")["count"] as? Int == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: test.directory + "/tmp").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: test.directory + "/uploads").isEmpty)
    }
}
