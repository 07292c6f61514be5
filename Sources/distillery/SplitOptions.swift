import ArgumentParser
import DistilleryCore

/// How `distillery split` and `distillery export` (with `--split` or `--format bundle`) split a file.
struct SplitOptions: ParsableArguments {
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

    var distribution: RecipeDistribution { RecipeDistribution(train: train, validation: validation, test: test) }

    func validate() throws {
        if let (field, problem) = distribution.splitProblems.sorted(by: { $0.key < $1.key }).first {
            throw ValidationError(field == "fractions" ? "--train, --validation, --test: \(problem)" : "--\(field) \(problem)")
        }
        guard SplitRequest.thresholdRange.contains(threshold) else {
            throw ValidationError("--threshold must be a number from 0.5 to 1; got \(threshold)")
        }
    }

    /// Each row's split, near duplicates of the user turns kept together.
    func assign(_ rows: [AcceptedRow]) -> SplitAssignment {
        let grouping = NearDuplicateGrouping(
            texts: rows.map { NearDuplicateText.userTurns(ofChatRow: $0.normalizedJSON) }, threshold: threshold)
        return SplitAssignment(grouping: grouping, distribution: distribution, seed: seed)
    }

    func record(_ assignment: SplitAssignment) -> SplitRecord {
        SplitRecord(distribution: distribution, seed: seed, threshold: threshold, assignment: assignment)
    }
}
