import DistilleryCore
import DistilleryPlatform
import DistilleryTestSupport
import Foundation
import Testing

/// Requests no browser sends, and clients that hold on to the server: conflicting framing, many
/// connections from one address, answers that wait on the network.
@Suite struct HTTPServerFramingTests {
    @Test(arguments: [
        ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "a request may not carry both Content-Length and Transfer-Encoding"),
        ("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "a request may not carry both Content-Length and Transfer-Encoding"),
        ("Transfer-Encoding: gzip\r\n", "Transfer-Encoding \"gzip\" is not supported; use chunked alone"),
        ("Content-Length: 5\r\nContent-Length: 7\r\n", "the request carries different Content-Length values (5, 7)"),
    ])
    func refusesAmbiguousFramingWith400BeforeTheHandler(framing: String, reason: String) throws {
        let handlerCalls = Counter()
        let running = try RunningServer(handler: { request in
            handlerCalls.increment()
            return echoHandler(request)
        })
        defer { running.shutDown() }

        let connection = try RawHTTPConnection(port: running.server.port, timeoutSeconds: 5)
        try connection.send("POST /smuggle HTTP/1.1\r\nHost: 127.0.0.1\r\n\(framing)\r\n0\r\n\r\nGET /second HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let answer = connection.readStatus()
        #expect(answer.status == 400, "the client saw: \(answer.text.prefix(300))")
        #expect(answer.text.hasSuffix("POST /smuggle: request refused: \(reason)"))
        #expect(answer.text.contains("Connection: close"))
        #expect(!answer.text.contains("/second"), "the bytes after the refused request were read as a request")
        #expect(handlerCalls.value == 0)
    }
}

@Suite struct HTTPServerConnectionLimitTests {
    @Test func refusesTheConnectionPastThePerAddressLimitWhileAnotherAddressIsServed() throws {
        let running = try RunningServer(configure: { $0.maxConnectionsPerAddress = 3 })
        defer { running.shutDown() }
        let port = running.server.port

        // Three kept-alive connections from 127.0.0.2, each answered once, so the server holds all three.
        let held = try (0..<3).map { _ in try RawHTTPConnection(port: port, sourceAddress: "127.0.0.2", timeoutSeconds: 5) }
        for connection in held {
            try connection.send("GET /hold HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(String(decoding: connection.readSome(), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        }

        // The fourth from the same address is closed unanswered; 127.0.0.1 is still served.
        let fourth = try RawHTTPConnection(port: port, sourceAddress: "127.0.0.2", timeoutSeconds: 5)
        #expect(fourth.isClosedByPeer(within: 5))
        let other = try RawHTTPConnection(port: port, sourceAddress: "127.0.0.1", timeoutSeconds: 5)
        try other.send("GET /other HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        #expect(other.readStatus().status == 200)

        // A limit on open connections, not a ban: once one closes, the address is served again.
        held[0].closeNow()
        #expect(running.eventually(timeoutSeconds: 5) {
            guard let again = try? RawHTTPConnection(port: port, sourceAddress: "127.0.0.2", timeoutSeconds: 2),
                (try? again.send("GET /again HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) != nil
            else { return false }
            return again.readStatus().status == 200
        })
    }
}

@Suite struct HTTPServerPendingAnswerTests {
    @Test func aPendingAnswerLeavesTheOnlyThreadFreeUntilItComes() throws {
        let pending = PendingResponse()
        let slowArrived = DispatchSemaphore(value: 0)
        let running = try RunningServer(configure: { $0.threadCount = 1 }, handler: { request in
            guard request.path == "/slow" else { return HTTPResponse(status: 200, body: .bytes(Array("fast".utf8))) }
            slowArrived.signal()
            return .pending(pending)
        })
        defer { running.shutDown() }

        let slowOutcome = ResultCollector()
        let slowDone = DispatchSemaphore(value: 0)
        let url = running.baseURL + "/slow"
        Thread.detachNewThread {
            let result = Result { () throws(HTTPClientError) in try HTTPClient.send(HTTPClientRequest(url: url, timeoutSeconds: 10)) }
            slowOutcome.add(result.map { "\($0.status) \($0.text)" }.mapError { $0 as Error })
            slowDone.signal()
        }
        #expect(slowArrived.wait(timeout: .now() + 5) == .success)

        // One HTTP thread, and the slow answer has not come: the thread serves other requests meanwhile.
        for index in 0..<20 {
            #expect(try running.send("GET", "/fast?i=\(index)", timeoutSeconds: 5).text == "fast")
        }
        #expect(slowDone.wait(timeout: .now()) == .timedOut, "the pending request was answered before its answer came")

        pending.fulfil(.success(HTTPResponse(status: 201, body: .bytes(Array("later".utf8)))))
        #expect(slowDone.wait(timeout: .now() + 5) == .success)
        #expect(try slowOutcome.all.first?.get() == "201 later")
    }

    @Test func anAnswerThatIsThereBeforeTheConnectionIsParkedIsSent() throws {
        let running = try RunningServer(handler: { _ in
            let pending = PendingResponse()
            pending.fulfil(.success(HTTPResponse(status: 202, body: .bytes(Array("at once".utf8)))))
            return .pending(pending)
        })
        defer { running.shutDown() }
        for _ in 0..<3 {
            let response = try running.send("GET", "/now", timeoutSeconds: 5)
            #expect(response.status == 202)
            #expect(response.text == "at once")
        }
    }

    @Test func aPendingAnswerThatFailsIsA500ThroughTheRejectionHandler() throws {
        struct TeacherVanished: Error {}
        let running = try RunningServer(handler: { _ in
            let pending = PendingResponse()
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { pending.fulfil(.failure(TeacherVanished())) }
            return .pending(pending)
        })
        defer { running.shutDown() }
        let response = try running.send("GET", "/fails", timeoutSeconds: 5)
        #expect(response.status == 500)
        #expect(response.text == "GET /fails: response could not be sent: TeacherVanished()")
    }

    @Test func stoppingAnswersARequestStillWaiting503() throws {
        let never = PendingResponse()
        let arrived = DispatchSemaphore(value: 0)
        let running = try RunningServer(handler: { _ in
            arrived.signal()
            return .pending(never)
        })
        defer { running.spool.remove() }

        let outcome = ResultCollector()
        let done = DispatchSemaphore(value: 0)
        let url = running.baseURL + "/waits"
        Thread.detachNewThread {
            let result = Result { () throws(HTTPClientError) in try HTTPClient.send(HTTPClientRequest(url: url, timeoutSeconds: 10)) }
            outcome.add(result.map { "\($0.status) \($0.text)" }.mapError { $0 as Error })
            done.signal()
        }
        #expect(arrived.wait(timeout: .now() + 5) == .success)

        // libmicrohttpd aborts the process when stopped with a suspended connection: this must resume it.
        running.server.stop(timeoutSeconds: 0.2)
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(try outcome.all.first?.get() == "503 GET /waits: the server is stopping; try again in a moment")
        never.fulfil(.success(HTTPResponse(status: 200)))  // an answer after the stop goes nowhere
    }
}
