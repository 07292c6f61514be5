import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import Foundation

/// `distillery-bench validate`: generates a realistic chat JSONL file, validates it with the streaming
/// validator and with the Python reference, and compares speed, memory and results.
struct ValidateBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate a generated chat JSONL file and compare with bench/reference_validator.py."
    )

    @Option(help: "Size of the generated file in MB (10^6 bytes).")
    var sizeMb: Int = 50

    @Flag(help: "Keep the generated file instead of deleting it.")
    var keep = false

    @Option(help: "Path to reference_validator.py (default: bench/reference_validator.py under the current directory).")
    var reference: String?

    @Option(help: "Repeat our validation this many times and report the fastest run.")
    var runs: Int = 3

    func run() throws {
        let path = NSTemporaryDirectory() + "distillery-bench-\(getpid()).jsonl"
        defer { if !keep { try? FileManager.default.removeItem(atPath: path) } }
        let generated = try ChatFileGenerator.write(path: path, targetBytes: sizeMb * 1_000_000)
        print("file: \(path)\(keep ? " (kept)" : "")")
        print("size: \(formatMB(generated.bytes)) MB, \(generated.lines) lines (\(generated.invalidLines) deliberately invalid)")

        let options = ValidationOptions(mode: .chat, collectRows: false)
        let baseline = MemoryStatus.read()
        MemoryStatus.resetPeak()
        var best = Double.infinity
        var summary: ValidationSummary?
        for _ in 0..<max(1, runs) {
            let clock = ContinuousClock()
            let started = clock.now
            summary = try validateJSONLFile(atPath: path, options: options)
            let elapsed = clock.now - started
            best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let peak = MemoryStatus.read()
        guard let summary else { return }
        let ourRate = Double(generated.bytes) / 1e6 / best
        print("ours: \(format(best)) s, \(format(ourRate, digits: 1)) MB/s (best of \(max(1, runs)))")
        print("ours: lines \(summary.lines), examples \(summary.examples), invalid lines \(summary.invalidLines), errors \(summary.errorCount), status \(summary.status.rawValue)")
        if let baseline, let peak {
            let aboveIdle = max(0, peak.peakKB - baseline.currentKB)
            print("memory: peak \(aboveIdle / 1024) MiB above idle (VmHWM \(peak.peakKB / 1024) MiB, idle VmRSS \(baseline.currentKB / 1024) MiB)")
        }

        let script = reference ?? FileManager.default.currentDirectoryPath + "/bench/reference_validator.py"
        guard FileManager.default.fileExists(atPath: script) else {
            print("reference: \(script) not found; run from the package root or pass --reference PATH")
            throw ExitCode.failure
        }
        let python = try PythonReference.run(script: script, file: path)
        print("python reference: \(format(python.seconds)) s, \(format(python.mbPerSecond, digits: 1)) MB/s (json.loads alone: \(format(python.loadsOnlySeconds)) s, \(format(Double(generated.bytes) / 1e6 / python.loadsOnlySeconds, digits: 1)) MB/s)")
        let ratio = ourRate / python.mbPerSecond
        print("speed: \(format(ratio, digits: 1))× the Python reference; target ≥ 2× — \(ratio >= 2 ? "met" : "NOT met")")
        print("speed vs json.loads alone: \(format(best > 0 ? python.loadsOnlySeconds / best : 0, digits: 1))×")
        let agree = python.examples == summary.examples && python.invalidLines == summary.invalidLines
            && python.errors == summary.errorCount && python.lines == summary.lines
        print("results: \(agree ? "agree" : "DIFFER") (python: lines \(python.lines), examples \(python.examples), invalid lines \(python.invalidLines), errors \(python.errors))")
        if !agree { throw ExitCode.failure }
    }
}

func format(_ value: Double, digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }
func formatMB(_ bytes: Int) -> String { format(Double(bytes) / 1e6, digits: 1) }

/// Reads VmRSS/VmHWM from /proc/self/status (Linux only).
struct MemoryStatus {
    let currentKB: Int
    let peakKB: Int

    static func read() -> MemoryStatus? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        func value(_ key: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        guard let current = value("VmRSS"), let peak = value("VmHWM") else { return nil }
        return MemoryStatus(currentKB: current, peakKB: peak)
    }

    /// Writing 5 to clear_refs resets VmHWM to the current RSS, so the peak measures validation only.
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }
}

struct PythonResult {
    var seconds = 0.0
    var mbPerSecond = 0.0
    var loadsOnlySeconds = 0.0
    var lines = 0
    var examples = 0
    var invalidLines = 0
    var errors = 0
}

enum PythonReference {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func run(script: String, file: String) throws -> PythonResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, file]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = output.split(separator: "\n").first(where: { $0.hasPrefix("RESULT ") }) else {
            throw Failure(description: "python reference failed (status \(process.terminationStatus)): \(output)")
        }
        var fields: [String: String] = [:]
        for pair in line.dropFirst("RESULT ".count).split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        var result = PythonResult()
        result.seconds = Double(fields["seconds"] ?? "") ?? 0
        result.mbPerSecond = Double(fields["mb_per_s"] ?? "") ?? 0
        result.loadsOnlySeconds = Double(fields["loads_only_seconds"] ?? "") ?? 0
        result.lines = Int(fields["lines"] ?? "") ?? -1
        result.examples = Int(fields["examples"] ?? "") ?? -1
        result.invalidLines = Int(fields["invalid_lines"] ?? "") ?? -1
        result.errors = Int(fields["errors"] ?? "") ?? -1
        return result
    }
}
