/// What a job does. The public name (`validation`) is what pages, filters and JSON say; the stored name
/// (`validate`) is the `jobs.kind` column, which the worker pool dispatches on.
public enum JobKind: String, Sendable, Codable, CaseIterable {
    case validation, synthesis, generation, evaluation

    public var storedName: String {
        switch self {
        case .validation: return "validate"
        case .synthesis: return "synthesize"
        case .generation: return "generate"
        case .evaluation: return "evaluate"
        }
    }

    public init?(storedName: String) {
        guard let kind = Self.allCases.first(where: { $0.storedName == storedName }) else { return nil }
        self = kind
    }

    public var label: String {
        switch self {
        case .validation: return "Validation"
        case .synthesis: return "Synthesis"
        case .generation: return "Generation"
        case .evaluation: return "Evaluation"
        }
    }

    /// How `running` reads for this kind.
    public var runningLabel: String {
        switch self {
        case .validation: return "Validating"
        case .synthesis: return "Synthesizing"
        case .generation: return "Generating"
        case .evaluation: return "Evaluating"
        }
    }

    /// What its progress counts.
    public var unit: String {
        switch self {
        case .validation: return "lines"
        case .synthesis: return "seeds"
        case .generation: return "items"
        case .evaluation: return "rows"
        }
    }
}
