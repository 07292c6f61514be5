import DistilleryCore
import DistilleryPlatform
import Foundation
import Testing

@Suite struct HTTPServerResponseBodyTests {
    @Test func sendsAFileAndDeletesItWhenAsked() throws {
        let files = try TemporaryDirectory()
        defer { files.remove() }
        let contents = patternBytes(count: 300_000)
        let kept = files.path + "/kept.bin"
        let temporary = files.path + "/export.bin"
        #expect(FileManager.default.createFile(atPath: kept, contents: Data(contents)))
        #expect(FileManager.default.createFile(atPath: temporary, contents: Data(contents)))
        let running = try RunningServer(handler: { request in
            let delete = request.path == "/temporary"
            return HTTPResponse(
                headers: HTTPHeaders([("Content-Type", "application/octet-stream")]),
                body: .file(path: delete ? temporary : kept, deleteAfterSending: delete))
        })
        defer { running.shutDown() }

        let keptResponse = try running.send("GET", "/kept")
        #expect(keptResponse.status == 200)
        #expect(keptResponse.body == contents)
        #expect(FileManager.default.fileExists(atPath: kept))

        let temporaryResponse = try running.send("GET", "/temporary")
        #expect(temporaryResponse.body == contents)
        #expect(temporaryResponse.headers["Content-Length"] == "300000")
        #expect(running.eventually { !FileManager.default.fileExists(atPath: temporary) })
    }

    @Test func aMissingResponseFileBecomesA500ThroughTheRejectionHandler() throws {
        let running = try RunningServer(handler: { _ in
            HTTPResponse(body: .file(path: "/nonexistent/distillery-export.bin", deleteAfterSending: false))
        })
        defer { running.shutDown() }

        let response = try running.send("GET", "/export")
        #expect(response.status == 500)
        #expect(response.text.contains("cannot open response file /nonexistent/distillery-export.bin"))
    }

    @Test func streamsThreeMegabytesIntactAndClosesTheSourceOnce() throws {
        let source = PatternChunkSource(total: 3 * 1024 * 1024, chunkSize: 100_000)
        let running = try RunningServer(handler: { _ in
            HTTPResponse(headers: HTTPHeaders([("Content-Type", "application/jsonl")]), body: .stream(source))
        })
        defer { running.shutDown() }

        let response = try running.send("GET", "/export.jsonl")
        #expect(response.status == 200)
        #expect(response.body.count == 3 * 1024 * 1024)
        #expect(response.body == patternBytes(count: 3 * 1024 * 1024))
        #expect(running.eventually { source.closeCount == 1 })
        usleep(50_000)
        #expect(source.closeCount == 1)
    }

    @Test func closesTheStreamOnceWhenTheClientGoesAway() throws {
        let source = PatternChunkSource(total: 1 << 40, chunkSize: 64 * 1024, delayMicroseconds: 20_000)
        let running = try RunningServer(handler: { _ in HTTPResponse(body: .stream(source)) })
        defer { running.shutDown() }

        #expect(throws: HTTPClientError.self) { try running.send("GET", "/endless", timeoutSeconds: 0.3) }
        #expect(running.eventually(timeoutSeconds: 5) { source.closeCount == 1 })
        #expect(source.closeCount == 1)
    }

    @Test func headOnAStreamReadsNothingAndStillCloses() throws {
        let source = PatternChunkSource(total: 1024, chunkSize: 100)
        let running = try RunningServer(handler: { _ in HTTPResponse(body: .stream(source)) })
        defer { running.shutDown() }

        let response = try running.send("HEAD", "/export")
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(running.eventually { source.closeCount == 1 })
        #expect(source.chunksServed == 0)
    }
}

/// Produces `patternBytes(count: total)` in chunks, counting chunks served and close() calls.
final class PatternChunkSource: ResponseChunkSource, @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let chunkSize: Int
    private let delayMicroseconds: UInt32
    private var offset = 0
    private var served = 0
    private var closes = 0

    init(total: Int, chunkSize: Int, delayMicroseconds: UInt32 = 0) {
        self.total = total
        self.chunkSize = chunkSize
        self.delayMicroseconds = delayMicroseconds
    }

    func nextChunk() -> [UInt8]? {
        if delayMicroseconds > 0 { usleep(delayMicroseconds) }
        return lock.withLock {
            guard offset < total else { return nil }
            let count = min(chunkSize, total - offset)
            let chunk = patternBytes(count: count, startingAt: offset)
            offset += count
            served += 1
            return chunk
        }
    }

    func close() { lock.withLock { closes += 1 } }
    var closeCount: Int { lock.withLock { closes } }
    var chunksServed: Int { lock.withLock { served } }
}
