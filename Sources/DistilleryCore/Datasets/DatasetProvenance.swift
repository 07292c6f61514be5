/// How a curated dataset was made from its parent (`datasets.provenance`): the rule, in parameters and in words, and
/// what it did. Shown on the child's page and in its JSON.
public struct DatasetProvenance: Codable, Sendable, Equatable {
    public struct Parameter: Codable, Sendable, Equatable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The split the child was given: the parent's distribution and seed, nil for an unsplit parent.
    public struct Split: Codable, Sendable, Equatable {
        public let train: Double
        public let validation: Double
        public let test: Double
        public let seed: UInt64
        public let threshold: Double

        public init(_ request: SplitRequest) {
            train = request.distribution.train
            validation = request.distribution.validation
            test = request.distribution.test
            seed = request.seed
            threshold = request.threshold
        }

        /// "70/20/10, seed 1234"
        public var text: String {
            func percent(_ fraction: Double) -> String { String(Int((fraction * 100).rounded())) }
            return "\(percent(train))/\(percent(validation))/\(percent(test)), seed \(seed)"
        }
    }

    public static let curatedKind = "curated"

    public let kind: String
    public let parentID: Int64
    public let parentName: String
    /// The filter's query parameters in their fixed order (`RowFilter.parameters`).
    public let rule: [Parameter]
    /// The filter in words, with the standing rules of a curated child ("rejected rows out, edits applied").
    public let summary: String
    public let rowsSelected: Int
    public let rejectedLeftOut: Int
    public let editsApplied: Int
    public let split: Split?

    public init(
        parentID: Int64, parentName: String, rule: [Parameter], summary: String, rowsSelected: Int, rejectedLeftOut: Int, editsApplied: Int,
        split: Split?
    ) {
        kind = Self.curatedKind
        self.parentID = parentID
        self.parentName = parentName
        self.rule = rule
        self.summary = summary
        self.rowsSelected = rowsSelected
        self.rejectedLeftOut = rejectedLeftOut
        self.editsApplied = editsApplied
        self.split = split
    }

    /// "512 rows selected · 3 rejected rows left out · 7 edits applied · split 80/10/10, seed 42"
    public var outcomeText: String {
        var parts = [
            "\(Formatting.count(rowsSelected)) row\(rowsSelected == 1 ? "" : "s") selected",
            "\(Formatting.count(rejectedLeftOut)) rejected row\(rejectedLeftOut == 1 ? "" : "s") left out",
            "\(Formatting.count(editsApplied)) edit\(editsApplied == 1 ? "" : "s") applied",
        ]
        if let split {
            parts.append("split \(split.text)")
        } else {
            parts.append("not split (nor is the parent)")
        }
        return parts.joined(separator: " · ")
    }
}
