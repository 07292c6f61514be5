import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import Foundation

struct Split: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Split a chat JSONL file into train/validation/test without near-duplicate leakage.",
        discussion: "Writes train.jsonl, validation.jsonl and test.jsonl (normalized rows) into --out and prints the counts and the leakage check. The file is validated first, like an upload; exit 1 if it is invalid.")

    @Argument(help: "The chat JSONL file to split.")
    var file: String

    @OptionGroup var options: SplitOptions

    @Option(help: "Folder to write the split files into (created if missing).")
    var out: String

    func run() throws {
        var sink = CollectingSink()
        let summary: ValidationSummary
        do {
            summary = try validateJSONLFile(
                atPath: file, options: ValidationOptions(mode: .chat, collectRows: true), sink: &sink)
        } catch {
            FileHandle.standardError.write(Data("distillery: cannot read \(file): \(error)\n".utf8))
            throw ExitCode(2)
        }
        guard summary.status != .invalid else {
            FileHandle.standardError.write(Data("distillery: \(file) is not valid; nothing was split.\n\(ValidationReportFormatter.text(summary))\n".utf8))
            throw ExitCode(1)
        }
        let assignment = options.assign(sink.rows)
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            for split in DatasetSplit.allCases {
                var bytes: [UInt8] = []
                for (row, rowSplit) in zip(sink.rows, assignment.splitOfRow) where rowSplit == split {
                    bytes += row.normalizedJSON
                    bytes.append(UInt8(ascii: "\n"))
                }
                try Data(bytes).write(to: URL(fileURLWithPath: out).appendingPathComponent("\(split.rawValue).jsonl"))
            }
        } catch {
            FileHandle.standardError.write(Data("distillery: cannot write into \(out): \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
        let counts = assignment.counts
        print("train \(counts.train), validation \(counts.validation), test \(counts.test) rows (of \(counts.total))")
        print("leakage check: \(assignment.crossSplitPairs) cross-split near-duplicate pairs; "
            + "\(assignment.groupsKeptTogether) group\(assignment.groupsKeptTogether == 1 ? "" : "s") of duplicates "
            + "(\(assignment.rowsInGroups) rows) kept together")
        print("quotas bent by \(assignment.bentBy) rows")
    }
}
