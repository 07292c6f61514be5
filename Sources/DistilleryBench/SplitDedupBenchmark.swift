import ArgumentParser
import DistilleryCore
import Foundation

/// `distillery-bench split-dedup`: near-duplicate grouping of generated prompts, timed with its memory,
/// side by side with Python datasketch's MinHashLSH on the same prompts with the same parameters
/// (bench/datasketch_dedup.py), and the recall of datasketch's verified pairs (both prompts in one group).
struct SplitDedupBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split-dedup",
        abstract: "Group 100,000 generated prompts by near duplicates and compare with datasketch MinHashLSH.")

    @Option(help: "Number of prompts to generate.")
    var prompts: Int = 100_000

    @Option(help: "Python with datasketch; created (a venv with datasketch from PyPI) when missing.")
    var python: String = NSHomeDirectory() + "/.cache/distillery/datasketch-venv/bin/python"

    @Option(help: "Path to datasketch_dedup.py (default: bench/datasketch_dedup.py under the current directory).")
    var script: String?

    func run() throws {
        let directory = NSTemporaryDirectory() + "distillery-split-dedup-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let texts = PromptGenerator.prompts(count: prompts)
        let promptsPath = directory + "/prompts.txt"
        try Data((texts.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: promptsPath))
        print("prompts: \(texts.count) (about 15% near-duplicate variants, 5% exact duplicates up to case and punctuation)")

        let baseline = MemoryStatus.read()
        MemoryStatus.resetPeak()
        let clock = ContinuousClock()
        let started = clock.now
        let grouping = NearDuplicateGrouping(texts: texts)
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let peak = MemoryStatus.read()
        let grouped = Dictionary(grouping: grouping.groupOfRow, by: { $0 }).values.filter { $0.count > 1 }
        print("ours: \(format(seconds)) s, \(grouping.groupCount) groups, \(grouped.count) of them with duplicates (\(grouped.reduce(0) { $0 + $1.count }) prompts)")
        if let baseline, let peak {
            print("ours memory: peak \((max(0, peak.peakKB - baseline.currentKB)) / 1024) MiB above idle (VmHWM \(peak.peakKB / 1024) MiB)")
        }

        try ensureDatasketch()
        let scriptPath = script ?? FileManager.default.currentDirectoryPath + "/bench/datasketch_dedup.py"
        let pairsPath = directory + "/pairs.txt"
        let output = try runPython([scriptPath, promptsPath, pairsPath, "\(NearDuplicateGrouping.defaultThreshold)"])
        guard let report = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
              let theirSeconds = report["seconds"] as? Double, let theirRSS = report["maxRssMiB"] as? Double
        else { throw ValidationError("datasketch_dedup.py printed no report: \(output.prefix(300))") }
        print("datasketch: \(format(theirSeconds)) s, max RSS \(Int(theirRSS)) MiB (the whole Python process)")
        print("speed: \(format(theirSeconds / seconds, digits: 1))× datasketch; target ≥ 10×")

        let pairs = try String(contentsOfFile: pairsPath, encoding: .utf8).split(separator: "\n").compactMap { line -> (Int, Int)? in
            let parts = line.split(separator: " ").compactMap { Int($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        let found = pairs.filter { grouping.groupOfRow[$0.0] == grouping.groupOfRow[$0.1] }.count
        let recall = pairs.isEmpty ? 1 : Double(found) / Double(pairs.count)
        print("recall: \(found) of datasketch's \(pairs.count) verified pairs are in one of our groups = \(format(recall * 100, digits: 2))%; target ≥ 99%")
    }

    private func ensureDatasketch() throws {
        if FileManager.default.isExecutableFile(atPath: python), (try? runPython(["-c", "import datasketch"])) != nil { return }
        let venv = URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent().path
        print("setting up \(venv) with datasketch from PyPI…")
        _ = try runProcess("/usr/bin/env", ["python3", "-m", "venv", venv])
        _ = try runProcess(venv + "/bin/pip", ["install", "-q", "datasketch"])
    }

    private func runPython(_ arguments: [String]) throws -> String {
        try runProcess(python, arguments)
    }

    private func runProcess(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Deterministic prompts: 80% fresh (20–40 words from a 5,000-word vocabulary), 15% a fresh prompt's
/// copy with one word changed, 5% a copy differing only in case and punctuation.
enum PromptGenerator {
    static func prompts(count: Int) -> [String] {
        var state: UInt64 = 0x5917_d3d0
        func next(_ bound: Int) -> Int {
            state &+= 0x9e37_79b9_7f4a_7c15
            return Int(StableHash.mix(state) % UInt64(bound))
        }
        let vocabulary = (0..<5_000).map { index in
            let syllables = ["ka", "lo", "mi", "ser", "tan", "vo", "pre", "dul", "xen", "ro", "bi", "que"]
            return (0..<(2 + index % 3)).map { syllables[(index / (1 + $0 * 7) + $0) % syllables.count] }.joined() + "\(index)"
        }
        var fresh: [[String]] = []
        var texts: [String] = []
        texts.reserveCapacity(count)
        for _ in 0..<count {
            let roll = next(100)
            if roll < 15, !fresh.isEmpty {
                var words = fresh[next(fresh.count)]
                words[next(words.count)] = vocabulary[next(vocabulary.count)]
                texts.append(words.joined(separator: " "))
            } else if roll < 20, !fresh.isEmpty {
                let words = fresh[next(fresh.count)]
                texts.append(words.joined(separator: " ").uppercased() + "?!")
            } else {
                let words = (0..<(20 + next(21))).map { _ in vocabulary[next(vocabulary.count)] }
                fresh.append(words)
                texts.append(words.joined(separator: " "))
            }
        }
        return texts
    }
}
