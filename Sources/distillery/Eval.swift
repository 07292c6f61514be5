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

    @Option(name: .customLong("student-provider"), help: "The student's provider (default: openai-compatible, any OpenAI-compatible server).")
    var studentProvider = "openai-compatible"

    @Option(name: .customLong("student-model"), help: "The student's model name, as its server expects it.")
    var studentModel: String

    @Option(name: .customLong("student-base-url"), help: "The student server's base URL, e.g. http://127.0.0.1:8081/v1.")
    var studentBaseURL: String?

    @Option(name: .customLong("student-api-key-env"), help: "Name of the environment variable holding the student's API key.")
    var studentAPIKeyEnvironment: String?

    @Option(name: .customLong("student-temperature"), help: "The student's sampling temperature (default: the recipe's, else 0.7).")
    var studentTemperature: Double?

    @Option(name: .customLong("student-max-new-tokens"), help: "The student's answer limit (default: the recipe's, else 1024).")
    var studentMaxNewTokens: Int?

    @Option(name: .customLong("student-max-in-flight"), help: "Student requests in flight at once (default: 16).")
    var studentMaxInFlight: Int?

    @Option(name: .customLong("judge-provider"), help: "The judge's provider id (deepseek, qwen, glm, kimi, openai-compatible).")
    var judgeProvider: String

    @Option(name: .customLong("judge-model"), help: "The judge's model.")
    var judgeModel: String

    @Option(name: .customLong("judge-base-url"), help: "The judge server's base URL (openai-compatible only).")
    var judgeBaseURL: String?

    @Option(name: .customLong("judge-api-key-env"), help: "Name of the environment variable holding the judge's API key.")
    var judgeAPIKeyEnvironment: String?

    @Option(name: .customLong("judge-max-in-flight"), help: "Judge requests in flight at once (default: 16).")
    var judgeMaxInFlight: Int?

    @Option(name: .customLong("judge-max-new-tokens"), help: "The judge's verdict limit, reasoning included (default: 1024).")
    var judgeMaxNewTokens: Int?

    @Option(
        name: .customLong("judge-structured-output"),
        help: "How a custom judge server takes the verdict's JSON schema: none, json_schema, or json_object_schema (llama-cpp-python).")
    var judgeStructuredOutput: String?

    @Option(help: "A folder for the run's state; run again with it to resume.")
    var state: String?

    func run() throws {
        var logger = Logger(label: "distillery-eval")
        logger.logLevel = .warning
        let studentKey = try TeacherFlags.openKey(named: studentAPIKeyEnvironment)
        defer { studentKey?.free() }
        let judgeKey = try TeacherFlags.openKey(named: judgeAPIKeyEnvironment)
        defer { judgeKey?.free() }
        var recipeBytes: [UInt8]?
        if let recipe {
            guard let data = FileManager.default.contents(atPath: recipe) else {
                FileHandle.standardError.write(Data("distillery: cannot read the recipe \(recipe)\n".utf8))
                throw ExitCode(2)
            }
            recipeBytes = Array(data)
        }
        var student: [String: String] = [
            "provider": studentProvider, "model": studentModel, "custom_model": studentModel,
        ]
        student["base_url"] = studentBaseURL
        student["temperature"] = studentTemperature.map { String($0) }
        student["max_new_tokens"] = studentMaxNewTokens.map(String.init)
        student["max_in_flight"] = studentMaxInFlight.map(String.init)
        var judge: [String: String] = ["provider": judgeProvider, "model": judgeModel, "custom_model": judgeModel]
        judge["base_url"] = judgeBaseURL
        judge["max_in_flight"] = judgeMaxInFlight.map(String.init)
        judge["max_new_tokens"] = judgeMaxNewTokens.map(String.init)
        judge["supports_structured_output"] = judgeStructuredOutput

        let bar = ProgressBar()
        let document: CommandLineEvaluation.Document
        do {
            var options = CommandLineEvaluation.Options(
                dataPath: data, outputPath: out, stateDirectory: state, split: split, dimensions: dimensions, studentFields: student,
                judgeFields: judge, studentKey: studentKey, judgeKey: judgeKey)
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
