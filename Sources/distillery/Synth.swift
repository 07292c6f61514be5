import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Logging

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send every seed to a teacher and write the answers as chat-format JSONL.",
        discussion: """
            Exits 0 when every seed was answered, 1 when some were skipped (the rows that succeeded are still written), \
            2 on bad input or a failed pre-flight. With --state DIR, running the same command again after an interruption \
            resumes: seeds already answered are not sent again. With --recipe FILE (Distillery's recipe JSON or Oumi's), \
            the recipe gives the settings and any other flag overrides it.
            """)

    @Option(help: "A recipe file, Distillery's recipe JSON or Oumi's (told apart by shape); the other flags override it.")
    var recipe: String?

    @Option(help: "Seeds JSONL: one {\"input\": \"...\"} per line.")
    var seeds: String

    @Option(help: "A file holding the skill prompt (the system message of every row).")
    var skill: String

    @Option(help: "Where to write the chat-format JSONL.")
    var out: String

    @Flag(name: .customLong("rejection-sampling"), inversion: .prefixedNo, help: "Three candidates per seed and a judge call that picks the best (default: off).")
    var rejectionSampling: Bool?

    @Flag(name: .customLong("keep-reasoning"), inversion: .prefixedNo, help: "Keep a reasoning model's reasoning as <think>…</think> before the answer (default: off).")
    var keepReasoning: Bool?

    @Option(name: .customLong("judge-max-tokens"), help: "The judge's own token limit (rejection sampling; default: 256–1024 from max new tokens).")
    var judgeMaxTokens: Int?

    @Option(name: .customLong("swap-check-fraction"), help: "The share of judged seeds asked again with the candidates reversed, 0–1 (rejection sampling; default: 0.1).")
    var swapCheckFraction: String?

    @OptionGroup var teacher: TeacherFlags

    @Option(help: "A folder for the job's state; run again with it to resume.")
    var state: String?

    func run() throws {
        var logger = Logger(label: "distillery-synth")
        logger.logLevel = .warning
        let skillPrompt: String
        do {
            skillPrompt = try String(contentsOfFile: skill, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            FileHandle.standardError.write(Data("distillery: cannot read the skill prompt \(skill): \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
        let key = try teacher.openKey()
        defer { key?.free() }
        let recipeBytes = try teacher.recipeBytes(recipe)
        // Only the flags given: with a recipe, the rest are the recipe's (else the service's defaults).
        var fields = teacher.fields
        fields["rejection_sampling"] = rejectionSampling.map { $0 ? "true" : "false" }
        fields["keep_reasoning"] = keepReasoning.map { $0 ? "true" : "false" }
        fields["judge_max_tokens"] = judgeMaxTokens.map(String.init)
        fields["swap_check_fraction"] = swapCheckFraction

        let bar = ProgressBar()
        let outcome: CommandLineSynthesis.Outcome
        do {
            var options = CommandLineSynthesis.Options(
                seedsPath: seeds, skillPrompt: skillPrompt, outputPath: out, stateDirectory: state, fields: fields, key: key)
            options.recipe = recipeBytes
            options.warn = { FileHandle.standardError.write(Data("distillery: warning: \($0)\n".utf8)) }
            outcome = try CommandLineSynthesis.run(options, logger: logger, progress: bar.draw)
        } catch {
            bar.finish()
            FileHandle.standardError.write(Data("distillery: \(Self.describe(error))\n".utf8))
            throw ExitCode(2)
        }
        bar.finish()
        let cost = Formatting.usd(outcome.costUSD)
        print("\(outcome.status): \(outcome.written) rows written to \(out), \(outcome.skipped) seeds skipped; tokens \(outcome.tokensIn) in / \(outcome.tokensOut) out; cost \(cost)")
        for reason in outcome.skipReasons {
            print("  skipped \(reason.count) × \(reason.code): \(reason.example)")
        }
        if let failure = outcome.failure { print("  \(failure)") }
        if outcome.skipped > 0 || outcome.status != "completed" { throw ExitCode(1) }
    }

    static func describe(_ error: Error) -> String {
        if let appError = error as? AppErrorDescribing { return appError.userMessage }
        return "\(error)"
    }
}

/// One line on stderr, redrawn in place on a terminal; a plain line every few seconds otherwise.
final class ProgressBar {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastPlainLine = Date.distantPast
    private var drewSomething = false

    func draw(_ progress: CommandLineSynthesis.Progress) {
        let width = 30
        let fraction = progress.total == 0 ? 1 : Double(progress.processed) / Double(progress.total)
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let eta = progress.etaSeconds.map { $0 == 0 ? "ETA done" : "ETA \(Formatting.duration(seconds: $0))" } ?? "ETA —"
        let line = "\(bar) \(Formatting.count(progress.processed))/\(Formatting.count(progress.total)) · \(Formatting.count(progress.written)) written · \(Formatting.count(progress.skipped)) skipped · \(Formatting.count(progress.retries)) retries · \(progress.inFlight) in flight · \(Formatting.ratePerMinute(progress.ratePerMinute, noun: progress.unit)) · \(eta) · \(progress.costText)"
        if isTerminal {
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
            drewSomething = true
        } else if Date().timeIntervalSince(lastPlainLine) >= 5 || progress.processed == progress.total {
            lastPlainLine = Date()
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func finish() {
        if isTerminal && drewSomething { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
