/// A recipe as the fields of a synthesis run (the dialog's form, the JSON of
/// `POST /api/datasets/{id}/synthesis`, the CLI's flags), and the dialog's fields back as a recipe.
/// The field names are the ones the synthesis service parses; a key is never among them.
public enum RecipeRunFields {
    /// The run field that carries each recipe setting.
    public static func name(for field: RecipeField) -> String? {
        switch field {
        case .name: return "recipe_name"
        case .description: return "recipe_description"
        case .teacherProvider: return "provider"
        case .teacherModel: return "model"
        case .teacherBaseURL: return "base_url"
        case .judgeProvider: return "judge_provider"
        case .judgeModel: return "judge_model"
        case .judgeBaseURL: return "judge_base_url"
        case .temperature: return "temperature"
        case .topP: return "top_p"
        case .maxNewTokens: return "max_new_tokens"
        case .seed: return "seed"
        case .requestsPerMinute: return "requests_per_minute"
        case .tokensPerMinute: return "tokens_per_minute"
        case .maxInFlight: return "max_in_flight"
        case .requestTimeoutSeconds: return "request_timeout_seconds"
        case .candidates: return "candidates"
        case .rejectionSampling: return "rejection_sampling"
        case .keepReasoning: return "keep_reasoning"
        case .swapCheckFraction: return "swap_check_fraction"
        case .distributionTrain: return "split_train"
        case .distributionValidation: return "split_validation"
        case .distributionTest: return "split_test"
        case .distribution: return "split_fractions"
        }
    }

    /// Every run setting of the recipe as a field. A custom endpoint's model goes in `custom_model` too
    /// (what the dialog's text box shows); an absent seed or rate limit is left out (no limit, random).
    public static func fields(of recipe: Recipe, catalog: ProviderCatalog) -> [String: String] {
        var fields: [String: String] = [
            "temperature": Recipe.text(recipe.temperature),
            "top_p": Recipe.text(recipe.topP),
            "max_new_tokens": String(recipe.maxNewTokens),
            "max_in_flight": String(recipe.maxInFlight),
            "request_timeout_seconds": String(recipe.requestTimeoutSeconds),
            "candidates": String(recipe.candidates),
            "rejection_sampling": recipe.rejectionSampling ? "true" : "false",
            "keep_reasoning": recipe.keepReasoning ? "true" : "false",
            "swap_check_fraction": Recipe.text(recipe.swapCheckFraction),
            // Empty: the teacher judges (the default when the recipe names no judge).
            "judge_provider": "",
        ]
        fields["seed"] = recipe.seed.map(String.init)
        fields["requests_per_minute"] = recipe.requestsPerMinute.map(String.init)
        fields["tokens_per_minute"] = recipe.tokensPerMinute.map(String.init)
        add(recipe.teacher, prefix: "", to: &fields, catalog: catalog)
        if let judge = recipe.judge { add(judge, prefix: "judge_", to: &fields, catalog: catalog) }
        return fields.merging(Self.fields(of: recipe.distribution)) { _, split in split }
    }

    /// The distribution a synthesized child is split by, as the run's `split_train`, `split_validation` and
    /// `split_test` fields.
    public static func fields(of distribution: RecipeDistribution) -> [String: String] {
        [
            "split_train": Recipe.text(distribution.train), "split_validation": Recipe.text(distribution.validation),
            "split_test": Recipe.text(distribution.test),
        ]
    }

    /// The run's distribution: nil when none of the `split_*` fields is given; an absent one reads as 0, and
    /// each broken rule is added to `problems` under its field (`split_fractions` for the sum).
    public static func distribution(in fields: [String: String], problems: inout [String: String]) -> RecipeDistribution? {
        let texts = DatasetSplit.allCases.map { (fields["split_" + $0.rawValue] ?? "").trimmingWhitespace }
        guard texts.contains(where: { !$0.isEmpty }) else { return nil }
        var fractions: [Double] = []
        for (split, text) in zip(DatasetSplit.allCases, texts) {
            guard let value = text.isEmpty ? 0 : Double(text), value.isFinite else {
                problems["split_" + split.rawValue] = "must be a number from 0 to 1; got \"\(text.prefix(40))\""
                return nil
            }
            fractions.append(value)
        }
        let distribution = RecipeDistribution(train: fractions[0], validation: fractions[1], test: fractions[2])
        let broken = distribution.splitProblems
        guard broken.isEmpty else {
            for (field, problem) in broken { problems["split_" + field] = problem }
            return nil
        }
        return distribution
    }

    /// The recipe's fields with `overrides` on top: a field given explicitly wins, even when empty
    /// (an empty `seed` means random, whatever the recipe said).
    public static func merged(recipe: Recipe, overrides: [String: String], catalog: ProviderCatalog) -> [String: String] {
        fields(of: recipe, catalog: catalog).merging(overrides) { _, given in given }
    }

    /// A run that cannot start because a custom endpoint (typically imported from Oumi's format) still has
    /// no base URL, named by the field that supplies it; nil when both endpoints can be called.
    public static func missingBaseURL(in fields: [String: String], catalog: ProviderCatalog) -> RecipeProblem? {
        for (prefix, role) in [("", "teacher"), ("judge_", "judge")] {
            let providerID = (fields[prefix + "provider"] ?? "").trimmingWhitespace
            guard !providerID.isEmpty, let provider = catalog.provider(id: providerID), provider.baseURL == nil else { continue }
            guard (fields[prefix + "base_url"] ?? "").trimmingWhitespace.isEmpty else { continue }
            let model = (fields[prefix + "custom_model"] ?? fields[prefix + "model"] ?? "").trimmingWhitespace
            return RecipeProblem(
                path: prefix + "base_url",
                rule: "the \(role) (\(provider.displayName)\(model.isEmpty ? "" : ", model \(model)")) has no base URL: "
                    + "give \(prefix)base_url (e.g. http://127.0.0.1:8081/v1) or complete the recipe's \(role).baseURL")
        }
        return nil
    }

    /// The dialog's fields as a recipe named `recipe_name` (Save as recipe). Keys are not settings and are
    /// never read. Problems are named by run field (`temperature`, `recipe_name`, …), type and range alike.
    public static func recipe(from fields: [String: String], catalog: ProviderCatalog) -> (recipe: Recipe, problems: [RecipeProblem]) {
        var problems: [RecipeProblem] = []
        func text(_ name: String) -> String { (fields[name] ?? "").trimmingWhitespace }
        func optionalText(_ name: String) -> String? {
            let value = text(name)
            return value.isEmpty ? nil : value
        }
        func number(_ name: String) -> Double? {
            guard let value = optionalText(name) else { return nil }
            guard let number = Double(value), number.isFinite else {
                problems.append(RecipeProblem(path: name, rule: "must be a number; got \"\(value.prefix(40))\""))
                return nil
            }
            return number
        }
        func integer(_ name: String) -> Int? {
            guard let value = number(name) else { return nil }
            guard value == value.rounded(), abs(value) < 1e15 else {
                problems.append(RecipeProblem(path: name, rule: "must be a whole number; got \(Recipe.text(value))"))
                return nil
            }
            return Int(value)
        }
        func flag(_ name: String) -> Bool { ["on", "true", "1", "yes"].contains(text(name).lowercased()) }
        func endpoint(prefix: String) -> RecipeEndpoint? {
            guard let providerID = optionalText(prefix + "provider") else { return nil }
            let provider = catalog.provider(id: providerID)
            let custom = provider.map { $0.baseURL == nil } ?? false
            var model = custom ? optionalText(prefix + "custom_model") ?? text(prefix + "model") : text(prefix + "model")
            if model.isEmpty, !custom, let first = provider?.models.first(where: { !$0.acceptsAnyName }) {
                model = first.id  // the provider's default model, as the run itself would choose
            }
            return RecipeEndpoint(provider: providerID, model: model, baseURL: custom ? optionalText(prefix + "base_url") : nil)
        }

        let recipe = Recipe(
            name: text("recipe_name"), description: text("recipe_description"),
            teacher: endpoint(prefix: "") ?? RecipeEndpoint(provider: "", model: ""), judge: endpoint(prefix: "judge_"),
            temperature: number("temperature") ?? 0.7, topP: number("top_p") ?? 1,
            maxNewTokens: integer("max_new_tokens") ?? Recipe.defaultMaxNewTokens, seed: integer("seed"),
            requestsPerMinute: integer("requests_per_minute"), tokensPerMinute: integer("tokens_per_minute"),
            maxInFlight: integer("max_in_flight") ?? Recipe.defaultMaxInFlight,
            requestTimeoutSeconds: integer("request_timeout_seconds") ?? Recipe.defaultRequestTimeoutSeconds,
            candidates: integer("candidates") ?? Recipe.defaultCandidates,
            rejectionSampling: flag("rejection_sampling"), keepReasoning: flag("keep_reasoning"),
            distribution: RecipeDistribution(
                train: number("split_train") ?? 1, validation: number("split_validation") ?? 0, test: number("split_test") ?? 0),
            swapCheckFraction: number("swap_check_fraction") ?? SwapCheck.defaultFraction)
        return (recipe, problems + recipe.problems(catalog: catalog, format: .runFields))
    }

    private static func add(_ endpoint: RecipeEndpoint, prefix: String, to fields: inout [String: String], catalog: ProviderCatalog) {
        fields[prefix + "provider"] = endpoint.provider
        fields[prefix + "model"] = endpoint.model
        guard catalog.provider(id: endpoint.provider)?.baseURL == nil else { return }
        fields[prefix + "custom_model"] = endpoint.model
        fields[prefix + "base_url"] = endpoint.baseURL ?? ""
    }
}
