import DistilleryCore
import DistilleryPlatform
import Foundation
import Testing

@Suite struct HTTPServerLifecycleTests {
    @Test func reportsAPortAlreadyInUseClearly() throws {
        let first = try RunningServer()
        defer { first.shutDown() }
        let spool = try TemporaryDirectory()
        defer { spool.remove() }

        let second = HTTPServer(
            configuration: HTTPServerConfiguration(spoolDirectory: spool.path, host: "127.0.0.1", port: first.server.port),
            handler: echoHandler, rejectionHandler: plainRejectionHandler)
        #expect(throws: HTTPServerError("port \(first.server.port) on 127.0.0.1 is already in use")) { try second.start() }
    }

    @Test func rejectsAnInvalidHost() throws {
        let spool = try TemporaryDirectory()
        defer { spool.remove() }
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(spoolDirectory: spool.path, host: "example.com", port: 0),
            handler: echoHandler, rejectionHandler: plainRejectionHandler)
        let error = try #require(throws: HTTPServerError.self) { try server.start() }
        #expect(error.description.contains("invalid listen address \"example.com\""))
    }

    @Test func stopLetsAnInFlightRequestFinishThenRefusesConnections() throws {
        let handlerStarted = DispatchSemaphore(value: 0)
        let running = try RunningServer(handler: { request in
            if request.path == "/slow" {
                handlerStarted.signal()
                usleep(300_000)
            }
            return HTTPResponse(status: 200, body: .bytes(Array("done".utf8)))
        })
        defer { running.spool.remove() }

        let outcome = ResultCollector()
        let finished = DispatchSemaphore(value: 0)
        let url = running.baseURL + "/slow"
        Thread.detachNewThread {
            let result = Result { () throws(HTTPClientError) in try HTTPClient.send(HTTPClientRequest(url: url)) }
            outcome.add(result.map { "\($0.status) \($0.text)" }.mapError { $0 as Error })
            finished.signal()
        }
        #expect(handlerStarted.wait(timeout: .now() + 5) == .success)

        let stopBegan = Date()
        running.server.stop(timeoutSeconds: 5)
        let stopDuration = Date().timeIntervalSince(stopBegan)

        #expect(finished.wait(timeout: .now() + 5) == .success)
        #expect(try outcome.all.first?.get() == "200 done")
        #expect(stopDuration > 0.15)  // it waited for the sleeping handler
        #expect(stopDuration < 3)

        let error = try #require(throws: HTTPClientError.self) { try running.send("GET", "/after", timeoutSeconds: 2) }
        #expect(error.kind == .connectionFailed)
        running.server.stop()  // a second stop is harmless
    }

    @Test(arguments: [1, 3])
    func startReturnsTheBoundPortAndTheServerServesIt(threadCount: Int) throws {
        let running = try RunningServer(configure: { $0.threadCount = threadCount })
        defer { running.shutDown() }
        #expect(running.server.port > 0)
        #expect(running.baseURL.hasSuffix(":\(running.server.port)"))
        #expect(try running.send("GET", "/").status == 200)
    }
}

@Suite struct HTTPServerIsolationTests {
    @Test func aSlowHandlerDoesNotHoldUpNewConnections() throws {
        let slowStarted = DispatchSemaphore(value: 0)
        let running = try RunningServer(configure: { $0.threadCount = 4 }, handler: { request in
            if request.path == "/slow" {
                slowStarted.signal()
                usleep(800_000)
            }
            return HTTPResponse(status: 200)
        })
        defer { running.shutDown() }

        let slowDone = DispatchSemaphore(value: 0)
        let url = running.baseURL + "/slow"
        Thread.detachNewThread {
            _ = try? HTTPClient.send(HTTPClientRequest(url: url))
            slowDone.signal()
        }
        #expect(slowStarted.wait(timeout: .now() + 5) == .success)

        // Each request opens a new connection; the pool threads that are not busy accept them.
        let began = Date()
        for index in 0..<20 {
            #expect(try running.send("GET", "/fast?i=\(index)").status == 200)
        }
        let elapsed = Date().timeIntervalSince(began)
        #expect(elapsed < 0.6, "20 quick requests took \(elapsed) s while one handler slept 0.8 s")
        #expect(slowDone.wait(timeout: .now() + 5) == .success)
    }
}
