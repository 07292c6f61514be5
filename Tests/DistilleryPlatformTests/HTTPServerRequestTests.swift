import DistilleryCore
import DistilleryPlatform
import Foundation
import Testing

@Suite struct HTTPServerRequestTests {
    @Test func echoesMethodPathQueryHeadersAndRemoteAddress() throws {
        let running = try RunningServer()
        defer { running.shutDown() }

        let response = try running.send("DELETE", "/datasets/3?b=2&a=1", headers: [("X-Trace", "abc"), ("Accept", "application/json")])
        #expect(response.status == 200)
        let echoed = try EchoedRequest.decode(response)
        #expect(echoed.method == "DELETE")
        #expect(echoed.path == "/datasets/3")
        #expect(echoed.query == [["b", "2"], ["a", "1"]])
        #expect(echoed.headers.contains(["X-Trace", "abc"]))
        #expect(echoed.headers.contains { $0[0].lowercased() == "accept" && $0[1] == "application/json" })
        #expect(echoed.bodyKind == "empty")
        #expect(echoed.remoteAddress == "127.0.0.1")
        #expect(response.headers["Content-Type"] == "application/json")
    }

    @Test func decodesPercentPlusAndUnicodeInQueryAndPath() throws {
        let running = try RunningServer()
        defer { running.shutDown() }

        let response = try running.send("GET", "/caf%C3%A9%20bar?q=hello%20world&plus=a+b&name=%E2%9C%93%20ok&flag&empty=&q=second")
        let echoed = try EchoedRequest.decode(response)
        #expect(echoed.path == "/café bar")
        #expect(echoed.query == [["q", "hello world"], ["plus", "a b"], ["name", "✓ ok"], ["flag", ""], ["empty", ""], ["q", "second"]])
    }

    @Test func sendsEveryHeaderIncludingRepeatedSetCookie() throws {
        let running = try RunningServer(handler: { _ in
            HTTPResponse(
                status: 201,
                headers: HTTPHeaders([
                    ("Set-Cookie", "session=abc; HttpOnly; Path=/"),
                    ("Set-Cookie", "theme=dark; Path=/"),
                    ("X-Custom", "yes"),
                    ("Content-Length", "999"),  // ignored: the glue knows the real length
                ]),
                body: .bytes(Array("created".utf8)))
        })
        defer { running.shutDown() }

        let response = try running.send("POST", "/things")
        #expect(response.status == 201)
        #expect(response.headers.values("Set-Cookie") == ["session=abc; HttpOnly; Path=/", "theme=dark; Path=/"])
        #expect(response.headers["X-Custom"] == "yes")
        #expect(response.headers["Content-Length"] == "7")
        #expect(response.text == "created")
    }

    @Test func keepsASmallBodyInMemory() throws {
        let running = try RunningServer()
        defer { running.shutDown() }

        let response = try running.send("POST", "/echo", headers: [("Content-Type", "text/plain")], body: .bytes(Array("hello body".utf8)))
        let echoed = try EchoedRequest.decode(response)
        #expect(echoed.bodyKind == "bytes")
        #expect(echoed.bodyText == "hello body")
        #expect(running.spool.contents().isEmpty)
    }

    @Test func headRequestGetsHeadersButNoBody() throws {
        let running = try RunningServer(handler: { _ in
            HTTPResponse(headers: HTTPHeaders([("X-Head", "1")]), body: .bytes(Array(repeating: 65, count: 500)))
        })
        defer { running.shutDown() }

        let response = try running.send("HEAD", "/page")
        #expect(response.status == 200)
        #expect(response.headers["X-Head"] == "1")
        #expect(response.headers["Content-Length"] == "500")
        #expect(response.body.isEmpty)
    }

    @Test func servesIPv6LoopbackWhenTheMachineHasIt() throws {
        // Where IPv6 is missing this checks IPv4 only; the report says which case ran here.
        guard ipv6LoopbackWorks() else {
            let running = try RunningServer(host: "127.0.0.1")
            defer { running.shutDown() }
            #expect(try EchoedRequest.decode(running.send("GET", "/v4")).remoteAddress == "127.0.0.1")
            return
        }
        let running = try RunningServer(host: "::1")
        defer { running.shutDown() }
        let echoed = try EchoedRequest.decode(running.send("GET", "/v6?x=1"))
        #expect(echoed.remoteAddress == "::1")
        #expect(echoed.query == [["x", "1"]])
    }

    @Test func answersTwoHundredConcurrentRequestsFromSeveralThreads() throws {
        let running = try RunningServer(configure: { $0.threadCount = 4 })
        defer { running.shutDown() }

        let results = ResultCollector()
        let threads = 8
        let perThread = 25
        let group = DispatchGroup()
        for threadIndex in 0..<threads {
            group.enter()
            let url = running.baseURL
            Thread.detachNewThread {
                for requestIndex in 0..<perThread {
                    let outcome = Result { () throws(HTTPClientError) -> HTTPClientResponse in
                        try HTTPClient.send(HTTPClientRequest(url: url + "/n?i=\(threadIndex)-\(requestIndex)"))
                    }
                    results.add(outcome.map { (try? EchoedRequest.decode($0))?.query.first?.last ?? "?" }
                        .mapError { $0 as Error })
                }
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 30) == .success)
        let outcomes = results.all
        #expect(outcomes.count == threads * perThread)
        let answered = Set(outcomes.compactMap { try? $0.get() })
        #expect(answered.count == threads * perThread)  // every request answered, each with its own query
    }
}

final class ResultCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<String, any Error>] = []
    func add(_ result: Result<String, any Error>) { lock.withLock { results.append(result) } }
    var all: [Result<String, any Error>] { lock.withLock { results } }
}

func ipv6LoopbackWorks() -> Bool {
    let descriptor = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    address.sin6_addr = in6addr_loopback
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
    }
    return result == 0
}
