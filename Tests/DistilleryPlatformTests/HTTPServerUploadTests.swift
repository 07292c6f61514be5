import DistilleryCore
import DistilleryPlatform
import DistilleryTestSupport
import Foundation
import Testing

@Suite struct HTTPServerUploadTests {
    @Test func spoolsALargeBodyToAPrivateFileAndDeletesItAfterTheResponse() throws {
        let upload = patternBytes(count: 5 * 1024 * 1024)
        let seen = SpoolObservation()
        let running = try RunningServer(handler: { request in
            guard case .file(let path, let size) = request.body else {
                return HTTPResponse(status: 500, body: .bytes(Array("expected a spooled body".utf8)))
            }
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let contents = FileManager.default.contents(atPath: path).map { Array($0) } ?? []
            seen.record(path: path, size: size, mode: (attributes?[.posixPermissions] as? Int) ?? -1, intact: contents == upload)
            return HTTPResponse(status: 200, body: .bytes(Array("stored \(size)".utf8)))
        })
        defer { running.shutDown() }

        let response = try running.send("POST", "/upload", headers: [("Content-Type", "application/octet-stream")], body: .bytes(upload))
        #expect(response.status == 200)
        #expect(response.text == "stored \(upload.count)")
        let observed = try #require(seen.value)
        #expect(observed.size == upload.count)
        #expect(observed.intact)
        #expect(observed.mode == 0o600)
        #expect(observed.path.hasPrefix(running.spool.path))
        #expect(running.eventually { !FileManager.default.fileExists(atPath: observed.path) })
        #expect(running.spool.contents().isEmpty)
    }

    @Test func aHandlerMayMoveTheSpoolFileAway() throws {
        let keep = try TemporaryDirectory()
        defer { keep.remove() }
        let kept = keep.path + "/kept.bin"
        let running = try RunningServer(handler: { request in
            guard case .file(let path, _) = request.body else { return HTTPResponse(status: 500) }
            let moved = rename(path, kept) == 0
            return HTTPResponse(status: moved ? 200 : 500)
        })
        defer { running.shutDown() }

        let response = try running.send("PUT", "/keep", body: .bytes(patternBytes(count: 200_000)))
        #expect(response.status == 200)
        #expect((try? FileManager.default.attributesOfItem(atPath: kept)[.size] as? Int) == 200_000)
        #expect(running.eventually { running.spool.contents().isEmpty })
    }

    @Test func refusesADeclaredOversizedBodyWith413BeforeReadingIt() throws {
        let handlerCalls = Counter()
        let running = try RunningServer(
            configure: { $0.maxBodyBytes = 1024 * 1024 },
            handler: { _ in handlerCalls.increment(); return HTTPResponse(status: 200) })
        defer { running.shutDown() }

        let response = try running.send("POST", "/datasets/upload", body: .bytes(patternBytes(count: 2 * 1024 * 1024)))
        #expect(response.status == 413)
        #expect(response.text == "POST /datasets/upload: request body of 2097152 bytes is larger than the limit of 1048576 bytes")
        #expect(response.headers["Connection"]?.lowercased() == "close")
        #expect(handlerCalls.value == 0)
        #expect(running.spool.contents().isEmpty)

        // Browsers send the body without waiting for "100 Continue"; the answer must still be 413.
        let eager = try running.send("POST", "/datasets/upload", headers: [("Expect", "")], body: .bytes(patternBytes(count: 3 * 1024 * 1024)))
        #expect(eager.status == 413)
        #expect(handlerCalls.value == 0)
        #expect(running.spool.contents().isEmpty)
    }

    @Test func cutsOffAChunkedUploadThatPassesTheLimitAndLeavesNothingBehind() throws {
        let handlerCalls = Counter()
        let running = try RunningServer(
            configure: { $0.maxBodyBytes = 1024 * 1024 },
            handler: { _ in handlerCalls.increment(); return HTTPResponse(status: 200) })
        defer { running.shutDown() }

        let chunks = (0..<32).map { patternBytes(count: 64 * 1024, seed: UInt8($0)) }  // 2 MiB, no length
        let response = try running.send("POST", "/stream-upload", body: .chunked(chunks))
        #expect(response.status == 413)
        #expect(response.text.hasSuffix("request body is larger than the limit of 1048576 bytes"))
        #expect(handlerCalls.value == 0)
        #expect(running.eventually { running.spool.contents().isEmpty })
    }

    @Test func answersAChunkedUploadFarPastTheLimitWith413AndStoresNothing() throws {
        let handlerCalls = Counter()
        let running = try RunningServer(
            configure: { $0.maxBodyBytes = 1024 * 1024 },
            handler: { _ in handlerCalls.increment(); return HTTPResponse(status: 200) })
        defer { running.shutDown() }

        // A raw client that sends the whole body before reading, as simple clients do: 65 MiB in
        // 256 KiB chunks, 64 MiB past the limit. Every send and the read give up after 20 s.
        let connection = try RawHTTPConnection(port: running.server.port, timeoutSeconds: 20)
        try connection.send("PUT /huge HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = Array("40000\r\n".utf8) + patternBytes(count: 256 * 1024) + Array("\r\n".utf8)
        for _ in 0..<260 { try connection.send(chunk) }
        try connection.send("0\r\n\r\n")
        let answer = connection.readStatus()
        #expect(answer.status == 413, "the client saw: \(answer.text.prefix(200))")
        #expect(answer.text.hasSuffix("request body is larger than the limit of 1048576 bytes"))
        #expect(handlerCalls.value == 0)
        #expect(running.eventually { running.spool.contents().isEmpty })
    }

    @Test func cutsOffAnOversizedUploadThatGoesOnPastTheDrainLimit() throws {
        let handlerCalls = Counter()
        let running = try RunningServer(
            configure: {
                $0.maxBodyBytes = 64 * 1024
                $0.oversizedUploadDrainSeconds = 0.2
            },
            handler: { _ in handlerCalls.increment(); return HTTPResponse(status: 200) })
        defer { running.shutDown() }

        let connection = try RawHTTPConnection(port: running.server.port, timeoutSeconds: 5)
        try connection.send("PUT /endless HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = Array("10000\r\n".utf8) + patternBytes(count: 64 * 1024) + Array("\r\n".utf8)
        let began = Date()
        var cutOff = false
        while !cutOff && Date().timeIntervalSince(began) < 15 {
            cutOff = (try? connection.send(chunk)) == nil
        }
        #expect(cutOff, "the server was still reading an endless upload after 15 s")
        #expect(handlerCalls.value == 0)
        #expect(running.eventually { running.spool.contents().isEmpty })
    }

    @Test func anUploadThatCannotBeSpooledIsA500ThroughTheRejectionHandler() throws {
        let handlerCalls = Counter()
        let running = try RunningServer(handler: { _ in handlerCalls.increment(); return HTTPResponse(status: 200) })
        defer { running.shutDown() }
        running.spool.remove()  // the spool folder vanishes while the server runs

        let response = try running.send("POST", "/upload", body: .bytes(patternBytes(count: 200_000)))
        #expect(response.status == 500)
        #expect(response.text.contains("upload could not be stored: cannot create a spool file in \(running.spool.path)"))
        #expect(handlerCalls.value == 0)
    }

    @Test func acceptsAChunkedUploadUnderTheLimit() throws {
        let running = try RunningServer()
        defer { running.shutDown() }

        let chunks = [Array("first,".utf8), [], Array("second".utf8)]
        let response = try running.send("POST", "/chunked", body: .chunked(chunks))
        let echoed = try EchoedRequest.decode(response)
        #expect(echoed.bodyKind == "bytes")
        #expect(echoed.bodyText == "first,second")
        #expect(echoed.headers.contains { $0[0].lowercased() == "transfer-encoding" && $0[1] == "chunked" })
    }

    @Test func receivesAMultipartFormWithAFilePart() throws {
        let running = try RunningServer()
        defer { running.shutDown() }

        var form = MultipartFormData(boundary: "test-boundary")
        form.addField(name: "name", value: "seeds")
        form.addFile(name: "file", filename: "seeds.jsonl", contentType: "application/jsonl", contents: Array("{\"prompt\":\"hi\"}\n".utf8))
        let response = try running.send("POST", "/form", headers: [("Content-Type", form.contentType)], body: .bytes(form.encoded()))
        let echoed = try EchoedRequest.decode(response)
        #expect(echoed.headers.contains { $0[0].lowercased() == "content-type" && $0[1] == "multipart/form-data; boundary=test-boundary" })
        let expected = [
            "--test-boundary",
            "Content-Disposition: form-data; name=\"name\"",
            "",
            "seeds",
            "--test-boundary",
            "Content-Disposition: form-data; name=\"file\"; filename=\"seeds.jsonl\"",
            "Content-Type: application/jsonl",
            "",
            "{\"prompt\":\"hi\"}\n",
            "--test-boundary--",
            "",
        ].joined(separator: "\r\n")
        #expect(echoed.bodyText == expected)
    }
}

final class SpoolObservation: @unchecked Sendable {
    struct Observed { var path: String; var size: Int; var mode: Int; var intact: Bool }
    private let lock = NSLock()
    private var observed: Observed?
    func record(path: String, size: Int, mode: Int, intact: Bool) {
        lock.withLock { observed = Observed(path: path, size: size, mode: mode, intact: intact) }
    }
    var value: Observed? { lock.withLock { observed } }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
