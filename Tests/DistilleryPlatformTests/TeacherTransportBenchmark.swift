import DistilleryPlatform
import DistilleryTestSupport
import Foundation
import Testing

/// Manual throughput check of TeacherTransport against the fake teacher, skipped unless asked for
/// (it wants a release build):
///
///     DISTILLERY_TRANSPORT_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter TeacherTransportBenchmark
///
/// (`-enable-testing` because other test targets use `@testable import`.)
///
/// Each run keeps a fixed number of requests in flight (a completion submits the next request, as the
/// synthesis engine will) and prints wall time against the ideal (total / in flight × latency), the
/// ratio, and the process's peak resident memory (VmHWM).
///
/// A custom run: DISTILLERY_TRANSPORT_BENCH_CUSTOM=total,inFlight,latencyMs (e.g. 20000,1000,100 to
/// find the fake teacher's ceiling in requests per second).
@Suite(.serialized) struct TeacherTransportBenchmark {
    static let environment = ProcessInfo.processInfo.environment
    static let enabled = environment["DISTILLERY_TRANSPORT_BENCH"] != nil

    @Test(.enabled(if: environment["DISTILLERY_TRANSPORT_BENCH_CUSTOM"] != nil))
    func customRun() throws {
        let numbers = (Self.environment["DISTILLERY_TRANSPORT_BENCH_CUSTOM"] ?? "").split(separator: ",").compactMap { Int($0) }
        try #require(numbers.count == 3, "DISTILLERY_TRANSPORT_BENCH_CUSTOM must be total,inFlight,latencyMs")
        let outcome = try runClosedLoop(total: numbers[0], inFlight: numbers[1], latencyMilliseconds: numbers[2])
        #expect(outcome.failures == 0)
    }

    @Test(.enabled(if: enabled))
    func tenThousandRequestsAtFiveHundredMillisecondsWithAThousandInFlight() throws {
        let outcome = try runClosedLoop(total: 10_000, inFlight: 1_000, latencyMilliseconds: 500)
        #expect(outcome.failures == 0)
        #expect(outcome.wallSeconds < 5.0 * 1.5)
    }

    @Test(.enabled(if: enabled))
    func thousandRequestsAtTwoHundredMillisecondsWithSixtyFourInFlight() throws {
        let outcome = try runClosedLoop(total: 1_000, inFlight: 64, latencyMilliseconds: 200)
        #expect(outcome.failures == 0)
        #expect(outcome.wallSeconds < 1_000.0 / 64 * 0.2 * 1.5)
    }
}

struct ClosedLoopOutcome {
    var wallSeconds: Double
    var failures: Int
}

/// Sends `total` chat completions keeping `inFlight` on the wire, against a fake teacher answering after
/// `latencyMilliseconds`; prints the figures.
func runClosedLoop(total: Int, inFlight: Int, latencyMilliseconds: Int) throws -> ClosedLoopOutcome {
    let teacher = try FakeTeacherProcess(["--latency-ms", String(latencyMilliseconds)])
    let transport = TeacherTransport(maxConnections: inFlight)
    transport.start()
    defer { transport.shutdown() }
    let residentBefore = procStatusKilobytes("VmRSS")

    let driver = ClosedLoopDriver(total: total)
    let request = teacher.chatRequest(seed: "benchmark seed with a little text to make the body realistic", timeout: 60)
    @Sendable func sendNext() {
        guard driver.claimNext() else { return }
        transport.submit(request) { result in
            driver.record(result)
            sendNext()
        }
    }
    let clientCPUBefore = processCPUSeconds()
    let serverCPUBefore = teacher.cpuSeconds()
    let start = ContinuousClock.now
    for _ in 0..<inFlight { sendNext() }
    driver.waitUntilFinished()
    let wall = secondsSince(start)
    let clientCPU = processCPUSeconds() - clientCPUBefore
    let serverCPU = teacher.cpuSeconds() - serverCPUBefore

    let ideal = Double(total) / Double(inFlight) * Double(latencyMilliseconds) / 1000
    let stats = try teacher.stats()
    print(
        """
        TeacherTransport benchmark: \(total) requests, \(inFlight) in flight, \(latencyMilliseconds) ms latency
          wall \(String(format: "%.3f", wall)) s, ideal \(String(format: "%.3f", ideal)) s, ratio \(String(format: "%.3f", wall / ideal))x
          \(String(format: "%.0f", Double(total) / wall)) requests/s, failures \(driver.failures), non-200 responses \(driver.non200)
          peak RSS (VmHWM) \(procStatusKilobytes("VmHWM") / 1024) MB (VmRSS before the run \(residentBefore / 1024) MB)
          CPU: client (this process) \(String(format: "%.2f", clientCPU)) s, fake teacher \(String(format: "%.2f", serverCPU)) s
          server: concurrent max \(stats["concurrent_max"] ?? "?"), connections accepted \(stats["connections_total"] ?? "?")
        """)
    return ClosedLoopOutcome(wallSeconds: wall, failures: driver.failures + driver.non200)
}

/// Counts claimed and finished requests for `runClosedLoop`; completions arrive on the loop thread.
final class ClosedLoopDriver: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private var claimed = 0
    private var finished = 0
    private(set) var failures = 0
    private(set) var non200 = 0
    private let done = DispatchSemaphore(value: 0)

    init(total: Int) { self.total = total }

    func claimNext() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard claimed < total else { return false }
        claimed += 1
        return true
    }

    func record(_ result: Result<TeacherHTTPResponse, TeacherTransportError>) {
        lock.lock()
        switch result {
        case .success(let response): if response.status != 200 { non200 += 1 }
        case .failure: failures += 1
        }
        finished += 1
        let allDone = finished == total
        lock.unlock()
        if allDone { done.signal() }
    }

    func waitUntilFinished() { done.wait() }
}

/// A "kB" field of /proc/self/status (VmHWM: peak resident set; VmRSS: current), 0 if absent.
func procStatusKilobytes(_ field: String) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
    }
    return 0
}

/// User + system CPU time of this process.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}
