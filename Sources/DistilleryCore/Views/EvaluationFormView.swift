/// `/evaluations/new?dataset=ID`: the form that starts an evaluation run (posted to `POST /evaluations`, which hands it
/// to the same service as `POST /api/evaluations`). Rejected fields come back with their problems (status 422).
public struct EvaluationFormView: Sendable {
    public struct Option: Sendable, Equatable {
        public let value: String
        public let label: String
        public let selected: Bool

        public init(value: String, label: String, selected: Bool) {
            self.value = value
            self.label = label
            self.selected = selected
        }
    }

    public struct DimensionOption: Sendable, Equatable {
        public let id: String
        public let title: String
        public let description: String
        public let checked: Bool
    }

    public var chrome: PageChrome
    public let datasets: [Option]
    public let splits: [Option]
    public let recipes: [Option]
    public let studentProviders: [Option]
    public let judgeProviders: [Option]
    public let hasRecipes: Bool
    public let dimensions: [DimensionOption]
    public let values: [String: String]
    public let fieldErrors: [String: String]
    public let hasErrors: Bool
    public let errorText: String?

    /// The split a new run evaluates unless the form says otherwise.
    public static let defaultSplit = "test"
    public static let selfHostedProvider = "openai-compatible"

    /// `datasets` are the chat datasets a run can evaluate (id, name); `values` what was submitted (or the query's
    /// `dataset`); `checkedDimensions` the built-ins ticked (all of them on a fresh form).
    public init(
        chrome: PageChrome, datasets: [(id: Int64, name: String)], recipes: [(id: Int64, name: String)],
        providers: [(id: String, name: String)], values: [String: String],
        checkedDimensions: Set<String>? = nil, fieldErrors: [String: String] = [:], errorText: String? = nil
    ) {
        self.chrome = chrome
        let chosenDataset = values["dataset_id"] ?? ""
        self.datasets = datasets.map { Option(value: String($0.id), label: "\($0.name) (#\($0.id))", selected: String($0.id) == chosenDataset) }
        let chosenSplit = values["split"] ?? Self.defaultSplit
        splits = [("test", "test split"), ("validation", "validation split"), ("train", "train split"), ("all", "all rows (no split)")]
            .map { Option(value: $0.0, label: $0.1, selected: $0.0 == chosenSplit) }
        let chosenRecipe = values["recipe_id"] ?? ""
        self.recipes = recipes.map { Option(value: String($0.id), label: $0.name, selected: String($0.id) == chosenRecipe) }
        hasRecipes = !recipes.isEmpty
        // A student is usually self-hosted (the OpenAI-compatible entry); the judge a catalog provider.
        let studentProvider = values["student_provider"] ?? Self.selfHostedProvider
        let judgeProvider = values["judge_provider"] ?? providers.first { $0.id != Self.selfHostedProvider }?.id ?? ""
        studentProviders = providers.map { Option(value: $0.id, label: $0.name, selected: $0.id == studentProvider) }
        judgeProviders = providers.map { Option(value: $0.id, label: $0.name, selected: $0.id == judgeProvider) }
        let checked = checkedDimensions ?? Set(JudgeDimension.builtIns.map(\.id))
        dimensions = JudgeDimension.builtIns.map {
            DimensionOption(id: $0.id, title: $0.title, description: $0.description, checked: checked.contains($0.id))
        }
        self.values = values
        self.fieldErrors = fieldErrors
        hasErrors = !fieldErrors.isEmpty || errorText != nil
        self.errorText = errorText
    }

    /// A problem keyed by the API's JSON path (`student.base_url`, `dimensions[1].id`) under the form field that
    /// carries it (`student_base_url`, `custom_dimensions`).
    public static func formField(forPath path: String) -> String {
        if path.hasPrefix("dimensions") {
            return path == "dimensions" ? "dimensions" : "custom_dimensions"
        }
        return path.replacing(".", with: "_")
    }
}
