/// The body of `PUT /api/datasets/{id}/split`: `{"train":0.8,"validation":0.1,"test":0.1,"seed":42}`,
/// with an optional `"threshold"` (the near-duplicate Jaccard threshold, default 0.8).
public struct SplitRequest: Sendable, Equatable {
    public var distribution: RecipeDistribution
    public var seed: UInt64
    public var threshold: Double

    public static let thresholdRange = 0.5...1.0
    /// The seed the split form offers first, and a synthesized child's split seed when its job has none.
    public static let defaultSeed: UInt64 = 42

    public init(distribution: RecipeDistribution, seed: UInt64, threshold: Double = NearDuplicateGrouping.defaultThreshold) {
        self.distribution = distribution
        self.seed = seed
        self.threshold = threshold
    }

    /// The request, or every problem keyed by its field.
    public static func read(_ json: SynthesisJSON) -> Result<SplitRequest, SplitRequestProblems> {
        guard case .object(let members) = json else {
            return .failure(SplitRequestProblems(fields: ["body": "must be a JSON object"]))
        }
        var problems: [String: String] = [:]
        let known: Set<String> = ["train", "validation", "test", "seed", "threshold"]
        for member in members where !known.contains(member.key) { problems[member.key] = "is not a known field" }

        func fraction(_ name: String) -> Double {
            guard let value = json[name] else { problems[name] = "is required"; return 0 }
            guard let number = value.doubleValue else { problems[name] = "must be a number from 0 to 1"; return 0 }
            return number
        }
        let distribution = RecipeDistribution(train: fraction("train"), validation: fraction("validation"), test: fraction("test"))
        if problems.isEmpty { problems.merge(distribution.splitProblems) { first, _ in first } }

        var seed: UInt64 = 0
        if let value = json["seed"] {
            if let number = value.doubleValue, number >= 0, number <= 9_007_199_254_740_991, number.rounded() == number {
                seed = UInt64(number)
            } else {
                problems["seed"] = "must be a whole number from 0 to 9007199254740991"
            }
        } else {
            problems["seed"] = "is required"
        }

        var threshold = NearDuplicateGrouping.defaultThreshold
        if let value = json["threshold"] {
            if let number = value.doubleValue, thresholdRange.contains(number) {
                threshold = number
            } else {
                problems["threshold"] = "must be a number from \(thresholdRange.lowerBound) to \(thresholdRange.upperBound)"
            }
        }
        guard problems.isEmpty else { return .failure(SplitRequestProblems(fields: problems)) }
        return .success(SplitRequest(distribution: distribution, seed: seed, threshold: threshold))
    }
}

public struct SplitRequestProblems: Error, Sendable, Equatable {
    public var fields: [String: String]
}

extension SplitRequest {
    /// The detail page's split form: `preset` (a preset's name, or `custom` for the `train`, `validation`
    /// and `test` fields), `seed`, and an optional `threshold`. Problems are keyed like the JSON body's.
    public static func read(form fields: [String: String]) -> Result<SplitRequest, SplitRequestProblems> {
        func value(_ name: String) -> SynthesisJSON? {
            guard let text = fields[name]?.trimmingWhitespace, !text.isEmpty else { return nil }
            return Double(text).map(SynthesisJSON.number) ?? .string(text)
        }
        var members: [(key: String, value: SynthesisJSON)] = []
        let preset = fields["preset"]?.trimmingWhitespace ?? "custom"
        if let chosen = RecipeDistribution.splitPresets.first(where: { $0.name == preset })?.distribution {
            members = DatasetSplit.allCases.map { ($0.rawValue, .number(chosen.fraction($0))) }
        } else if preset == "custom" {
            members = DatasetSplit.allCases.compactMap { split in value(split.rawValue).map { (split.rawValue, $0) } }
        } else {
            return .failure(SplitRequestProblems(fields: ["preset": "must be one of the presets or custom"]))
        }
        for name in ["seed", "threshold"] { if let given = value(name) { members.append((name, given)) } }
        return read(.object(members))
    }
}
