/// What a merge request must satisfy: at least two distinct datasets and a usable name, then each dataset
/// a chat dataset whose validation has finished with at least one valid row (an invalid one, such as a
/// synthesized child with fewer than 100 rows, is merged by its valid rows).
public enum DatasetMergeRules {
    public static let minimumDatasets = 2
    public static let maxNameLength = 200

    /// Field problems of the request itself, keyed by field name ("dataset_ids", "name"); empty when it may proceed.
    public static func requestProblems(ids: [Int64], name: String) -> [String: String] {
        var problems: [String: String] = [:]
        if ids.count < minimumDatasets {
            problems["dataset_ids"] = "Select at least \(minimumDatasets) datasets to merge; got \(ids.count)."
        } else if let repeated = firstRepeated(ids) {
            problems["dataset_ids"] = "Dataset \(repeated) is selected more than once; each dataset can be merged once."
        }
        if name.isEmpty {
            problems["name"] = "Give the merged dataset a name."
        } else if name.count > maxNameLength {
            problems["name"] = "The name is \(name.count) characters; the limit is \(maxNameLength)."
        }
        return problems
    }

    /// Why this dataset cannot be merged, naming it; nil when it can.
    public static func ineligibility(_ record: DatasetRecord) -> String? {
        if record.mode != .chat {
            return "Dataset \(record.id) is a seeds dataset; only chat datasets can be merged (synthesize it first)."
        }
        if record.status == .validating {
            return "Dataset \(record.id) is still validating; merge it once its validation has finished."
        }
        if record.rowCount == 0 {
            return "Dataset \(record.id) has no valid rows to merge."
        }
        return nil
    }

    private static func firstRepeated(_ ids: [Int64]) -> Int64? {
        var seen = Set<Int64>()
        return ids.first { !seen.insert($0).inserted }
    }
}
