/// One recipe as the list, its page and the JSON API show it.
public struct RecipeSummary: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let teacherText: String
    public let judgeText: String
    public let usedByJobs: Int
    public let activeJobs: Int
    public let createdByName: String
    public let createdAt: Int64
    public let updatedAt: Int64
    public let updatedText: String
    /// A custom endpoint (teacher or judge) still lacks its base URL, so the recipe cannot run yet.
    public let needsBaseURL: Bool
    public let recipe: Recipe

    public init(
        id: Int64, recipe: Recipe, catalog: ProviderCatalog, usedByJobs: Int, activeJobs: Int, createdByName: String?,
        createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.recipe = recipe
        name = recipe.name
        teacherText = Self.text(recipe.teacher, catalog: catalog)
        judgeText = recipe.judge.map { Self.text($0, catalog: catalog) } ?? "same as the teacher"
        self.usedByJobs = usedByJobs
        self.activeJobs = activeJobs
        self.createdByName = createdByName ?? "—"
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        updatedText = Formatting.timestamp(milliseconds: updatedAt)
        needsBaseURL = recipe.teacher.needsBaseURL(in: catalog) || (recipe.judge?.needsBaseURL(in: catalog) ?? false)
    }

    static func text(_ endpoint: RecipeEndpoint, catalog: ProviderCatalog) -> String {
        let provider = catalog.provider(id: endpoint.provider)?.displayName ?? endpoint.provider
        return "\(provider) · \(endpoint.model)"
    }

    /// The JSON API's view: the summary fields, and under `recipe` the recipe in Distillery's own
    /// shape (what `PUT /api/recipes/{id}` takes back).
    public var json: SynthesisJSON {
        .object([
            ("id", .number(Double(id))), ("name", .string(name)), ("teacher", .string(teacherText)), ("judge", .string(judgeText)),
            ("usedByJobs", .number(Double(usedByJobs))), ("activeJobs", .number(Double(activeJobs))),
            ("createdBy", .string(createdByName)), ("createdAt", .string(Formatting.iso8601(milliseconds: createdAt))),
            ("updatedAt", .string(Formatting.iso8601(milliseconds: updatedAt))), ("needsBaseURL", .bool(needsBaseURL)),
            ("recipe", recipe.json),
        ])
    }
}

/// `/recipes`: every saved recipe, by name.
public struct RecipeListView: Sendable {
    public var chrome: PageChrome
    public let recipes: [RecipeSummary]
    /// Stored, not computed: the templates read properties by reflection.
    public let isEmpty: Bool

    public init(chrome: PageChrome, recipes: [RecipeSummary]) {
        self.chrome = chrome
        self.recipes = recipes
        isEmpty = recipes.isEmpty
    }

    public var json: SynthesisJSON { .object([("recipes", .array(recipes.map(\.json)))]) }
}

/// A provider in the recipe form's menus, with whether it is the current choice.
public struct RecipeProviderOption: Sendable, Equatable {
    public let id: String
    public let displayName: String
    public let selected: Bool
}

/// `/recipes/new` and `/recipes/{id}`: the recipe's settings as an editable form, with each field's
/// error next to it after a refused submission.
public struct RecipeFormView: Sendable {
    public var chrome: PageChrome
    public let summary: RecipeSummary?
    public let isNew: Bool
    public let title: String
    public let action: String
    public let values: [String: String]
    public let fieldErrors: [String: String]
    public let message: String?
    public let notice: String?
    public let teacherProviders: [RecipeProviderOption]
    public let judgeProviders: [RecipeProviderOption]
    public let judgeIsTeacher: Bool
    public let rejectionSampling: Bool
    public let keepReasoning: Bool
    /// Every catalog model id, for the model fields' suggestion list.
    public let modelSuggestions: [String]

    public init(
        chrome: PageChrome, summary: RecipeSummary?, values: [String: String], problems: [RecipeProblem] = [],
        message: String? = nil, notice: String? = nil, catalog: ProviderCatalog
    ) {
        self.chrome = chrome
        self.summary = summary
        isNew = summary == nil
        title = summary?.name ?? "New recipe"
        action = summary.map { "/recipes/\($0.id)" } ?? "/recipes"
        self.values = values
        fieldErrors = problems.firstRuleByPath
        self.message = message
        self.notice = notice
        let teacher = values[RecipeField.teacherProvider.rawValue] ?? ""
        let judge = values[RecipeField.judgeProvider.rawValue] ?? ""
        teacherProviders = catalog.providers.map { RecipeProviderOption(id: $0.id, displayName: $0.displayName, selected: $0.id == teacher) }
        judgeProviders = catalog.providers.map { RecipeProviderOption(id: $0.id, displayName: $0.displayName, selected: $0.id == judge) }
        judgeIsTeacher = judge.isEmpty
        rejectionSampling = !(values[RecipeField.rejectionSampling.rawValue] ?? "").isEmpty
        keepReasoning = !(values[RecipeField.keepReasoning.rawValue] ?? "").isEmpty
        modelSuggestions = catalog.providers.flatMap { $0.models.filter { !$0.acceptsAnyName }.map(\.id) }
    }

    /// A new recipe's starting values: the first catalog provider and its first model.
    public static func defaultValues(catalog: ProviderCatalog) -> [String: String] {
        let provider = catalog.providers.first { $0.baseURL != nil } ?? catalog.providers.first
        let model = provider?.models.first { !$0.acceptsAnyName }?.id ?? ""
        var values = RecipeForm.values(
            of: Recipe(name: "", teacher: RecipeEndpoint(provider: provider?.id ?? "", model: model)))
        values[RecipeField.name.rawValue] = ""
        return values
    }
}
