import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import Foundation

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a JSONL file with the same rules as an upload; exit 1 if it is invalid.")

    @Argument(help: "The JSONL file to check.")
    var file: String

    @Flag(help: "The file is seeds ({\"input\": ...} per line) rather than chat format.")
    var seeds = false

    @Option(name: .customLong("base-model"), help: "Base model whose context window applies (default: \(BaseModelCatalog.defaultModel.id)).")
    var baseModel = BaseModelCatalog.defaultModel.id

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard BaseModelCatalog.model(id: baseModel) != nil else {
            throw ValidationError(
                "unknown base model \"\(baseModel)\"; known: \(BaseModelCatalog.all.map(\.id).joined(separator: ", "))")
        }
    }

    func run() throws {
        let options = ValidationOptions(
            mode: seeds ? .seeds : .chat, baseModel: BaseModelCatalog.model(id: baseModel) ?? BaseModelCatalog.defaultModel,
            collectRows: false)
        let summary: ValidationSummary
        do {
            summary = try validateJSONLFile(atPath: file, options: options)
        } catch {
            FileHandle.standardError.write(Data("distillery: cannot validate \(file): \(error)\n".utf8))
            throw ExitCode(2)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(ValidationReportFormatter.text(summary))
        }
        if summary.status == .invalid { throw ExitCode(1) }
    }
}
