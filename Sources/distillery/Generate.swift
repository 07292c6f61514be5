import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Logging

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate items from an instruction template and variables, hitting every stratum's quota exactly.",
        discussion: """
            --template FILE is JSON {"name", "type" (prompts, qa, dialogue), "system_prompt", "prompt", "settings"}, its settings             the API's template settings ({"temperature", "top_p", "max_tokens", "items_per_call"}: the flags and the recipe win             over them); --variables FILE is \
            the API's variables JSON, e.g. {"topic": [{"value": "billing", "weight": 0.5}, "outages"], "difficulty": "medium"}. \
            Writes the accepted items as JSONL ({"input"} seeds for prompts, chat rows otherwise). Exits 0 when every stratum \
            reached its quota, 1 when the task ended short (the sentence per stratum says why) or failed, 2 on bad input or a \
            failed pre-flight. With --state DIR, running the same command again after an interruption resumes.
            """)

    @Option(help: "The template: JSON {\"name\", \"type\", \"system_prompt\", \"prompt\", \"settings\"}.")
    var template: String

    @Option(help: "The variables: the API's JSON, e.g. {\"topic\": [{\"value\": \"billing\", \"weight\": 0.5}, \"outages\"]}.")
    var variables: String

    @Option(help: "How many items in all (split across the strata by largest remainder).")
    var count: Int

    @Option(help: "Where to write the accepted items as JSONL.")
    var out: String

    @Option(help: "A recipe file, Distillery's recipe JSON or Oumi's; the other flags override it.")
    var recipe: String?

    @Option(name: .customLong("items-per-call"), help: "Items asked for in one teacher call (default: the template's settings, else 5).")
    var itemsPerCall: Int?

    @OptionGroup var teacher: TeacherFlags

    @Option(help: "A folder for the task's state; run again with it to resume.")
    var state: String?

    func run() throws {
        var logger = Logger(label: "distillery-generate")
        logger.logLevel = .warning
        let key = try teacher.openKey()
        defer { key?.free() }
        let recipeBytes = try teacher.recipeBytes(recipe)
        let bar = ProgressBar()
        let outcome: CommandLineGeneration.Outcome
        do {
            var options = CommandLineGeneration.Options(
                templatePath: template, variablesPath: variables, count: count, outputPath: out, stateDirectory: state, fields: teacher.fields,
                key: key)
            options.itemsPerCall = itemsPerCall
            options.recipe = recipeBytes
            options.warn = { FileHandle.standardError.write(Data("distillery: warning: \($0)\n".utf8)) }
            outcome = try CommandLineGeneration.run(options, logger: logger, progress: bar.draw)
        } catch {
            bar.finish()
            FileHandle.standardError.write(Data("distillery: \(Synth.describe(error))\n".utf8))
            throw ExitCode(2)
        }
        bar.finish()
        print("\(outcome.status): \(outcome.accepted) of \(outcome.target) items written to \(out), \(outcome.duplicates) duplicates dropped, \(outcome.unparseable) unparseable answers; tokens \(outcome.tokensIn) in / \(outcome.tokensOut) out; cost \(Formatting.usd(outcome.costUSD))")
        for sentence in outcome.shortfall { print("  short: \(sentence)") }
        if let failure = outcome.failure { print("  \(failure)") }
        if outcome.status != GenerationStatus.completed.rawValue { throw ExitCode(1) }
    }
}
