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

    @Option(help: "Fraction of rows for training (0–1).")
    var train: Double = 0.8

    @Option(help: "Fraction of rows for validation (0–1).")
    var validation: Double = 0.1

    @Option(help: "Fraction of rows for test (0–1); the three must sum to 1.")
    var test: Double = 0.1

    @Option(help: "Seed of the assignment: the same file and seed give the same split.")
    var seed: UInt64 = 42

    @Option(help: "Word-shingle Jaccard similarity at or above which two prompts are near duplicates (0.5–1).")
    var threshold: Double = NearDuplicateGrouping.defaultThreshold

    @Option(help: "Folder to write the split files into (created if missing).")
    var out: String

    var distribution: RecipeDistribution { RecipeDistribution(train: train, validation: validation, test: test) }

    func validate() throws {
        if let (field, problem) = distribution.splitProblems.sorted(by: { $0.key < $1.key }).first {
            throw ValidationError(field == "fractions" ? "--train, --validation, --test: \(problem)" : "--\(field) \(problem)")
        }
        guard SplitRequest.thresholdRange.contains(threshold) else {
            throw ValidationError("--threshold must be a number from 0.5 to 1; got \(threshold)")
        }
    }

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
        let grouping = NearDuplicateGrouping(
            texts: sink.rows.map { NearDuplicateText.userTurns(ofChatRow: $0.normalizedJSON) }, threshold: threshold)
        let assignment = SplitAssignment(grouping: grouping, distribution: distribution, seed: seed)
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
