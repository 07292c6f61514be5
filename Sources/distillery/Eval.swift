import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Logging

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a student model on held-out chat rows: a judge grades each answer against the reference and compares the two.",
        discussion: """
            --data FILE is a chat JSONL file whose last assistant turn is each row's reference answer (e.g. test.jsonl from \
            distillery split; with --split train|validation|test the file is split 0.8/0.1/0.1 first, seed 42). The student \
            answers each conversation up to that turn; the judge grades the answer per dimension (pass/fail, reasoning \
            first) and gives its preference in both orders (a disagreement is a tie). Writes the report JSON to --out and \
            prints a summary. Exits 0 when the run completed, 1 when it failed, 2 on bad input or a failed pre-flight. \
            With --state DIR, running the same command again after an interruption resumes.
            """)

    @Option(help: "The held-out chat JSONL file.")
    var data: String

    @Option(help: "Where to write the report JSON.")
    var out: String

    @Option(help: "all (default: the file is the held-out set), or train, validation, test (the file is split first).")
    var split = "all"

    @Option(help: "Dimensions: built-in ids, comma-separated (follows_skill_prompt, answers_request, correct, safe), or a JSON file with the API's list.")
    var dimensions: String?

    @Option(help: "A recipe file (Distillery's recipe JSON or Oumi's) for the student's sampling; the student flags override it.")
    var recipe: String?

    @OptionGroup(title: "Student") var student: StudentFlags

    @OptionGroup(title: "Judge") var judge: JudgeFlags

    @Option(help: "A folder for the run's state; run again with it to resume.")
    var state: String?

    func run() throws {
        var logger = Logger(label: "distillery-eval")
        logger.logLevel = .warning
        try student.requireProviderAndModel()
        try judge.requireProviderAndModel()
        let studentKey = try student.openKey()
        defer { studentKey?.free() }
        let judgeKey = try judge.openKey()
        defer { judgeKey?.free() }
        let recipeBytes = try recipe.map(StudentFlags.readRecipe)

        let bar = ProgressBar()
        let document: CommandLineEvaluation.Document
        do {
            var options = CommandLineEvaluation.Options(
                dataPath: data, outputPath: out, stateDirectory: state, split: split, dimensions: dimensions, studentFields: student.fields,
                judgeFields: judge.fields, studentKey: studentKey, judgeKey: judgeKey)
            options.recipe = recipeBytes
            options.warn = { FileHandle.standardError.write(Data("distillery: warning: \($0)\n".utf8)) }
            document = try CommandLineEvaluation.run(options, logger: logger, progress: bar.draw)
        } catch {
            bar.finish()
            FileHandle.standardError.write(Data("distillery: \(Synth.describe(error))\n".utf8))
            throw ExitCode(2)
        }
        bar.finish()
        let report = document.report
        let cost = document.costUSD.map(Formatting.usd) ?? SelfHostedCost.unknownText
        print("\(document.status): \(document.judged) of \(document.total) rows judged, \(document.skipped) skipped; report written to \(out); cost \(cost)")
        for dimension in report.dimensions {
            print("  \(dimension.id): \(dimension.passes.rateText) pass (\(dimension.passes.count)/\(dimension.passes.of), 95% \(dimension.passes.intervalText ?? "—"))")
        }
        let pairwise = report.pairwise
        print("  win rate vs the reference: \(pairwise.winRateText) (\(pairwise.wins) wins, \(pairwise.losses) losses, \(pairwise.ties) ties; tie rate \(pairwise.tieRateText), order flips \(pairwise.flipRateText); length-controlled \(pairwise.lengthControlledWinRateText))")
        for reason in document.skipReasons { print("  skipped \(reason.count) × \(reason.code): \(reason.example)") }
        if let failure = document.failure { print("  \(failure)") }
        if document.status != JobStatus.completed.rawValue { throw ExitCode(1) }
    }
}
