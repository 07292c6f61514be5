import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryTestSupport
import Foundation
import Logging

/// Runs one synthesis through the real engine (in process, as `distillery synth` does) against the fake teacher.
func runSynthesis(seeds: Int, teacher: FakeTeacherProcess, fields: [String: String], key: String, marker: (Int) -> String = { _ in "" })
    throws -> (outcome: CommandLineSynthesis.Outcome, seconds: Double, rows: [String])
{
    let folder = NSTemporaryDirectory() + "distillery-bench-synth-\(getpid())-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try writeSeeds(seeds, to: folder + "/seeds.jsonl", marker: marker)
    var allFields: [String: String] = [
        "provider": "openai-compatible", "custom_model": "fake-teacher", "base_url": teacher.apiBaseURL, "max_new_tokens": "256",
    ]
    allFields.merge(fields) { $1 }
    let secret = try Array(key.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
    defer { secret.free() }
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let started = Date()
    let outcome = try CommandLineSynthesis.run(
        .init(seedsPath: folder + "/seeds.jsonl", skillPrompt: "You are a benchmark.", outputPath: folder + "/out.jsonl",
            stateDirectory: folder + "/state", fields: allFields, key: secret),
        logger: logger, progress: { _ in })
    let seconds = Date().timeIntervalSince(started)
    let rows = ((try? String(contentsOfFile: folder + "/out.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    return (outcome, seconds, rows)
}

struct SynthSpeedBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-speed", abstract: "1,000 seeds at 200 ms with 64 in flight, and 10,000 at 500 ms with 1,000 in flight.")

    @Flag(help: "Only the 1,000-seed run.")
    var quick = false

    func run() throws {
        let cases: [(seeds: Int, latencyMs: Int, inFlight: Int)] = quick ? [(1000, 200, 64)] : [(1000, 200, 64), (10_000, 500, 1000)]
        for run in cases {
            let teacher = try FakeTeacherProcess(["--api-key", "sk-bench", "--latency-ms", "\(run.latencyMs)"])
            MemoryStatus.resetPeak()
            let before = MemoryStatus.read()
            let result = try runSynthesis(
                seeds: run.seeds, teacher: teacher, fields: ["max_in_flight": "\(run.inFlight)"], key: "sk-bench")
            let peak = MemoryStatus.read()
            let ideal = Double(run.seeds) * Double(run.latencyMs) / 1000 / Double(run.inFlight)
            let wire = teacher.wireSeconds()
            print("\(run.seeds) seeds, \(run.latencyMs) ms latency, \(run.inFlight) in flight: ideal \(format(ideal, digits: 2)) s")
            let target = run.seeds >= 10_000 ? "1.13" : "1.08"
            print("  synthesis (first request to last answer): \(format(wire, digits: 2)) s = \(format(wire / ideal, digits: 3))× the ideal")
            print("  whole job (validate seeds, pre-flight, synthesis, child dataset validated and stored): \(format(result.seconds, digits: 2)) s = \(format(result.seconds / ideal, digits: 3))× the ideal (target ≤ \(target)×)")
            print("  rows \(result.rows.count), written \(result.outcome.written), skipped \(result.outcome.skipped), requests \(teacher.synthesisLog().count)")
            print("  where the time goes: \(Turnaround.describe(teacher.synthesisLog(), inFlight: run.inFlight, latencyMs: run.latencyMs))")
            if let before, let peak {
                print("  memory: peak RSS \(peak.peakKB / 1024) MiB (process, including the in-process server); \(max(0, peak.peakKB - before.currentKB) / 1024) MiB above the start of the run")
            }
        }
    }
}

struct SynthRateLimitBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-rate-limit", abstract: "1,000 seeds against a 600 requests/minute limit (a 100 s floor).")

    @Option(help: "Seeds (the floor is seeds / limit minutes).")
    var seeds = 1000

    @Option(help: "The teacher's requests-per-minute limit, also declared to Distillery.")
    var limit = 600

    func run() throws {
        let teacher = try FakeTeacherProcess(["--api-key", "sk-bench", "--rpm-limit", "\(limit)", "--latency-ms", "100"])
        let result = try runSynthesis(
            seeds: seeds, teacher: teacher, fields: ["max_in_flight": "64", "requests_per_minute": "\(limit)"], key: "sk-bench")
        let log = teacher.synthesisLog()
        let limited = log.filter { ($0["status"] as? Int) == 429 }.count
        // N requests evenly spaced at the limit take (N - 1) intervals; the last answer adds one latency.
        let floor = Double(seeds) * 60 / Double(limit)
        let wire = teacher.wireSeconds()
        print("\(seeds) seeds at a \(limit)/min limit: floor \(format(floor, digits: 1)) s")
        print("  synthesis: \(format(wire, digits: 1)) s = \(format(wire / floor, digits: 3))× the floor (target ≤ 1.01×); whole job \(format(result.seconds, digits: 1)) s")
        print("  rows \(result.rows.count) of \(seeds); requests \(log.count); 429 answers \(limited) = \(format(Double(limited) * 100 / Double(max(1, log.count)), digits: 2))% (target < 1%)")
    }
}

struct SynthFaultsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-faults", abstract: "1,000 seeds with 5% 500s, 2% malformed, 5% empty, 1% hangs.")

    func run() throws {
        let teacher = try FakeTeacherProcess([
            "--api-key", "sk-bench", "--latency-ms", "50", "--seed", "11", "--rate-500", "0.05", "--rate-malformed", "0.02",
            "--rate-empty", "0.05", "--rate-hang", "0.01",
        ])
        let result = try runSynthesis(
            seeds: 1000, teacher: teacher, fields: ["max_in_flight": "64", "request_timeout_seconds": "2"], key: "sk-bench")
        let answers = result.rows.compactMap { row -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any],
                let messages = object["messages"] as? [[String: String]] else { return nil }
            return messages.last?["content"]
        }
        let empty = answers.filter { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.count
        let duplicates = answers.count - Set(answers).count
        var usable: [String: Int] = [:]
        var faults: [String: Int] = [:]
        for entry in teacher.synthesisLog() {
            let fault = entry["fault"] as? String ?? ""
            if fault.isEmpty && (entry["status"] as? Int) == 200 { usable[entry["seed"] as? String ?? "", default: 0] += 1 }
            if !fault.isEmpty { faults[fault, default: 0] += 1 }
        }
        let resentAfterUsable = usable.values.filter { $0 > 1 }.count
        print("1,000 seeds with faults \(faults.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        print("  rows written \(result.rows.count) (target 1,000), empty rows \(empty), duplicate rows \(duplicates), seeds sent again after a usable answer \(resentAfterUsable)")
        print("  retries \(result.outcome.written > 0 ? "\(teacher.synthesisLog().count - 1000)" : "?"), skipped \(result.outcome.skipped), whole job \(format(result.seconds, digits: 1)) s")
    }
}

struct SynthJudgeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-judge",
        abstract: "Rejection sampling: 1,000 seeds, 3 candidates (n = 3) and a judge on a second endpoint, 200 ms, 64 in flight each.")

    @Option(name: .customLong("swap-check-fraction"), help: "The judge's swap check, 0–1 (default: the product's, 0.1).")
    var swapCheckFraction: String?

    func run() throws {
        let latency = 200
        let seeds = 1000
        let inFlight = 64
        let teacher = try FakeTeacherProcess(["--api-key", "sk-bench", "--latency-ms", "\(latency)"])
        let judge = try FakeTeacherProcess(["--api-key", "sk-bench", "--latency-ms", "\(latency)", "--judge-word", "strict evaluator"])
        var fields = [
            "max_in_flight": "\(inFlight)", "rejection_sampling": "true", "candidates": "3", "supports_n": "true",
            "judge_provider": "openai-compatible", "judge_custom_model": "fake-judge", "judge_base_url": judge.apiBaseURL,
        ]
        fields["swap_check_fraction"] = swapCheckFraction
        let result = try runSynthesis(seeds: seeds, teacher: teacher, fields: fields, key: "sk-bench")
        // The candidate stage is seeds / in-flight waves of one latency; the judge stage overlaps it but for its last wave,
        // and holds one more verdict per swap-checked seed: with those, it is the longer of the two.
        let verdicts = seeds + SwapCheckSample(fraction: swapCheckFraction.flatMap(Double.init) ?? SwapCheck.defaultFraction).count(amongFirst: seeds)
        let floor = Double(max(seeds, verdicts)) * Double(latency) / 1000 / Double(inFlight) + Double(latency) / 1000
        let teacherLog = teacher.chatLog()
        let judgeLog = judge.chatLog()
        let first = teacherLog.compactMap { $0["t_received"] as? Double }.min() ?? 0
        let last = (teacherLog + judgeLog).compactMap { $0["t"] as? Double }.max() ?? 0
        let wire = last - first
        print("\(seeds) seeds, 3 candidates + a judge on a second endpoint (\(verdicts - seeds) swap checks), \(latency) ms, \(inFlight) in flight each: floor \(format(floor, digits: 3)) s")
        print("  synthesis (first request to last verdict): \(format(wire, digits: 2)) s = \(format(wire / floor, digits: 3))× the floor")
        print("  whole job: \(format(result.seconds, digits: 2)) s = \(format(result.seconds / floor, digits: 3))× the floor (target ≤ 1.15×)")
        print("  rows \(result.rows.count), written \(result.outcome.written), skipped \(result.outcome.skipped), teacher requests \(teacherLog.count), judge requests \(judgeLog.count)")
    }
}

/// Splits the wire time into the teacher's own time beyond its scripted latency and Distillery's turnaround (from an
/// answer leaving the teacher to the request that reuses its slot arriving there).
enum Turnaround {
    static func describe(_ log: [[String: Any]], inFlight: Int, latencyMs: Int) -> String {
        let answered = log.compactMap { $0["t"] as? Double }.sorted()
        let received = log.compactMap { $0["t_received"] as? Double }.sorted()
        let served = log.compactMap { entry -> Double? in
            guard let t = entry["t"] as? Double, let r = entry["t_received"] as? Double else { return nil }
            return (t - r) * 1000 - Double(latencyMs)
        }.sorted()
        guard received.count > inFlight, !served.isEmpty else { return "too few requests" }
        let gaps = (inFlight..<received.count).map { (received[$0] - answered[$0 - inFlight]) * 1000 }.sorted()
        func median(_ values: [Double]) -> Double { values[values.count / 2] }
        func p90(_ values: [Double]) -> Double { values[values.count * 9 / 10] }
        return "teacher beyond its latency: median \(format(median(served), digits: 1)) ms, p90 \(format(p90(served), digits: 1)) ms; "
            + "answer to the slot's next request: median \(format(median(gaps), digits: 1)) ms, p90 \(format(p90(gaps), digits: 1)) ms; "
            + "the first \(inFlight) requests arrived within \(format((received[inFlight - 1] - received[0]) * 1000, digits: 1)) ms"
    }
}
