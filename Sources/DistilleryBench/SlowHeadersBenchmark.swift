import ArgumentParser
import DistilleryPlatform
import DistilleryServer
import DistilleryTestSupport
import Foundation
import Logging

/// `distillery-bench slow-headers`: one address (127.0.0.2) opens many connections that send half a
/// request head and wait (a "slowloris" attack), while another address (127.0.0.1) asks for
/// /healthz on a new connection each time. Prints how many connections the attacker holds and how
/// long the other client waits, with the per-address connection limit and (with `--without-limit`)
/// without it. Loopback only; each phase is bounded in time.
struct SlowHeadersBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slow-headers",
        abstract: "Many slow-header connections from one address; latency of /healthz from another.")

    @Option(help: "Slow-header connections the attacker opens from 127.0.0.2.")
    var attackers = 1500

    @Option(help: "Requests the other client (127.0.0.1) sends during the attack, one connection each.")
    var requests = 200

    @Option(name: .customLong("max-connections-per-ip"), help: "The server's per-address limit.")
    var limit = AppConfiguration().maxConnectionsPerAddress

    @Flag(help: "Also run with no per-address limit (the behaviour before the limit existed).")
    var withoutLimit = false

    @Option(help: "How long one request of the other client may wait before it counts as unanswered, in seconds.")
    var requestTimeout = 2.0

    @Option(help: "Upper bound on each phase (opening the attack, the other client's requests), in seconds.")
    var phaseSeconds = 15.0

    func run() throws {
        FileDescriptorLimit.raiseSoftLimit(toAtLeast: attackers * 2 + 256)
        print("attack: \(attackers) connections from 127.0.0.2, each sending half a request head; other client: 127.0.0.1")
        var met = true
        for perAddress in [limit] + (withoutLimit ? [0] : []) {
            let result = try measure(perAddress: perAddress)
            print(result.summary)
            if perAddress > 0 { met = met && result.meetsTarget }
        }
        print("target: with the limit, every request from the other address answered, p99 < 100 ms — \(met ? "met" : "NOT met")")
    }

    struct Result {
        let perAddress: Int
        let opened: Int
        let held: Int
        let latenciesMs: [Double]
        let unanswered: Int

        var meetsTarget: Bool { unanswered == 0 && percentile(0.99) < 100 }

        func percentile(_ fraction: Double) -> Double {
            guard !latenciesMs.isEmpty else { return .infinity }
            let sorted = latenciesMs.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
        }

        var summary: String {
            let limitText = perAddress == 0 ? "no per-address limit" : "--max-connections-per-ip \(perAddress)"
            let answered = latenciesMs.count
            let latencyText = answered == 0
                ? "none answered"
                : "p50 \(format(percentile(0.5), digits: 2)) ms, p99 \(format(percentile(0.99), digits: 2)) ms, max \(format(latenciesMs.max() ?? 0, digits: 2)) ms"
            return "\(limitText): attacker connected \(opened), \(held) of them still open (accepted or waiting in the backlog); "
                + "127.0.0.1: \(answered) of \(answered + unanswered) requests answered (\(latencyText))"
        }
    }

    private func measure(perAddress: Int) throws -> Result {
        let directory = NSTemporaryDirectory() + "distillery-slow-headers-\(getpid())-\(perAddress)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = AppConfiguration()
        configuration.port = 0
        configuration.dataDirectory = directory
        configuration.maxConnectionsPerAddress = perAddress
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let app = try DistilleryApp(configuration: configuration, logger: logger)
        try app.start()
        defer { app.stop() }

        // Opening: connections past the server's limits are closed at once, or wait in the listen backlog.
        var attack: [RawHTTPConnection] = []
        let openDeadline = Date().addingTimeInterval(phaseSeconds)
        while attack.count < attackers && Date() < openDeadline {
            guard let connection = try? RawHTTPConnection(port: app.port, sourceAddress: "127.0.0.2", timeoutSeconds: 0.5) else { continue }
            try? connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            attack.append(connection)
        }
        usleep(200_000)  // let the server accept (and close) what it will
        let held = attack.filter { !$0.isClosedByPeer(within: 0) }.count

        var latencies: [Double] = []
        var unanswered = 0
        let requestDeadline = Date().addingTimeInterval(phaseSeconds)
        while latencies.count + unanswered < requests && Date() < requestDeadline {
            let began = ContinuousClock.now
            let status = try? RawHTTPConnection(port: app.port, sourceAddress: "127.0.0.1", timeoutSeconds: requestTimeout).answer(
                to: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let elapsed = ContinuousClock.now - began
            if status == 200 {
                latencies.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            } else {
                unanswered += 1
            }
        }
        for connection in attack { connection.closeNow() }
        return Result(perAddress: perAddress, opened: attack.count, held: held, latenciesMs: latencies, unanswered: unanswered)
    }
}

extension RawHTTPConnection {
    /// Sends a request that closes the connection and returns the answer's status (nil: no answer).
    fileprivate func answer(to request: String) throws -> Int? {
        try send(request)
        return readStatus().status
    }
}
