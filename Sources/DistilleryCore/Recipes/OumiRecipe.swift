/// Oumi's hosted synthesis recipe (docs.oumi.ai, "Synthesis recipes"), read into a `Recipe` and
/// written back out. Oumi names a model, not an endpoint: a name the catalog knows (compared without
/// case) becomes that provider's model; any other becomes the OpenAI-compatible entry with that
/// model name, to be completed with a base URL before use.
public enum OumiRecipe {
    static let modelIdentifierFields: Set<String> = ["modelType", "modelName", "modelId", "modelVersionId"]
    static let inferenceFields: Set<String> = ["inferenceTemperature", "inferenceMaxNewTokens", "inferenceSeed", "requestsPerMinute"]

    static func decode(_ json: SynthesisJSON, catalog: ProviderCatalog) -> (recipe: Recipe?, problems: [RecipeProblem], warnings: [RecipeProblem]) {
        var reader = RecipeJSONReader()
        guard case .object = json else {
            return (nil, [RecipeProblem(path: "(body)", rule: "must be a JSON object")], [])
        }
        reader.unknownMembers(of: json, path: "", known: ["modelIdentifier", "inferenceConfig", "synthesisConfig"], asWarnings: true)

        var modelName: String?
        if let identifier = reader.object(json["modelIdentifier"], path: "modelIdentifier", required: true) {
            reader.unknownMembers(of: identifier, path: "modelIdentifier", known: modelIdentifierFields, asWarnings: true)
            modelName = reader.string(identifier, "modelName", path: "modelIdentifier", required: true)
            for key in ["modelType", "modelId", "modelVersionId"] where identifier[key] != nil {
                if reader.string(identifier, key, path: "modelIdentifier", required: false) != nil {
                    reader.warning("modelIdentifier.\(key)", "not used by Distillery (a recipe names a provider and model); ignored")
                }
            }
        }
        if let name = modelName, name.trimmingWhitespace.isEmpty {
            reader.problem("modelIdentifier.modelName", "must not be empty")
        }

        let teacher = modelName.map { endpoint(forModelName: $0, catalog: catalog) }
        var recipe = Recipe(
            name: String("Oumi: \(modelName ?? "")".prefix(Recipe.maxNameLength)), description: "Imported from an Oumi synthesis recipe.",
            teacher: teacher ?? RecipeEndpoint(provider: "", model: ""))
        if let teacher, catalog.provider(id: teacher.provider)?.baseURL == nil {
            reader.warning(
                "modelIdentifier.modelName",
                "\"\(teacher.model)\" is not in the provider catalog; it becomes an OpenAI-compatible endpoint that needs a base URL before use")
        }

        let inferencePath = "inferenceConfig"
        if let inference = reader.object(json[inferencePath], path: inferencePath, required: false) {
            reader.unknownMembers(of: inference, path: inferencePath, known: inferenceFields, asWarnings: true)
            recipe.temperature = reader.number(inference, "inferenceTemperature", path: inferencePath) ?? recipe.temperature
            recipe.maxNewTokens = reader.integer(inference, "inferenceMaxNewTokens", path: inferencePath) ?? recipe.maxNewTokens
            recipe.seed = reader.integer(inference, "inferenceSeed", path: inferencePath)
            recipe.requestsPerMinute = reader.integer(inference, "requestsPerMinute", path: inferencePath)
        }

        if let synthesis = reader.object(json["synthesisConfig"], path: "synthesisConfig", required: false) {
            reader.unknownMembers(of: synthesis, path: "synthesisConfig", known: ["synthesisType", "synthesisConfig"], asWarnings: true)
            if let type = reader.string(synthesis, "synthesisType", path: "synthesisConfig", required: false) {
                reader.warning(
                    "synthesisConfig.synthesisType",
                    "not used by Distillery (it synthesizes answers for a seeds dataset's prompts); \"\(type)\" ignored")
            }
            let innerPath = "synthesisConfig.synthesisConfig"
            if let inner = reader.object(synthesis["synthesisConfig"], path: innerPath, required: false) {
                reader.unknownMembers(of: inner, path: innerPath, known: ["datasetId", "datasetDistribution"], asWarnings: true)
                if let datasetID = reader.string(inner, "datasetId", path: innerPath, required: false) {
                    reader.warning(
                        innerPath + ".datasetId",
                        "not used by Distillery (the seeds dataset is chosen when a synthesis starts); \"\(datasetID)\" ignored")
                    recipe.description = "Imported from an Oumi synthesis recipe (datasetId \(datasetID))."
                }
                recipe.distribution = reader.distribution(inner["datasetDistribution"], path: innerPath + ".datasetDistribution")
                    ?? recipe.distribution
            }
        }
        guard teacher != nil else { return (nil, reader.problems, reader.warnings) }
        return (recipe, reader.problems, reader.warnings)
    }

    /// The catalog model of that name (any case), else the catalog's any-name provider with it.
    static func endpoint(forModelName name: String, catalog: ProviderCatalog) -> RecipeEndpoint {
        let wanted = name.lowercased()
        for provider in catalog.providers where provider.baseURL != nil {
            if let model = provider.models.first(where: { !$0.acceptsAnyName && $0.id.lowercased() == wanted }) {
                return RecipeEndpoint(provider: provider.id, model: model.id)
            }
        }
        let custom = catalog.providers.first { $0.baseURL == nil && $0.models.contains(where: \.acceptsAnyName) }
        return RecipeEndpoint(provider: custom?.id ?? "openai-compatible", model: name)
    }
}

extension Recipe {
    /// The recipe in Oumi's shape. Oumi requires the four model identifier strings: `modelId` is
    /// `provider/model` and `modelVersionId` is "latest" (Oumi's own ids mean nothing here).
    /// What Oumi has no place for (judge, top_p, pacing other than requests per minute, candidates,
    /// the base URL, name and description) is left out.
    public var oumiJSON: SynthesisJSON {
        var inference: [(key: String, value: SynthesisJSON)] = [
            ("inferenceTemperature", .number(temperature)),
            ("inferenceMaxNewTokens", .number(Double(maxNewTokens))),
        ]
        if let seed { inference.append(("inferenceSeed", .number(Double(seed)))) }
        if let requestsPerMinute { inference.append(("requestsPerMinute", .number(Double(requestsPerMinute)))) }
        return .object([
            ("modelIdentifier", .object([
                ("modelType", "llm"), ("modelName", .string(teacher.model)),
                ("modelId", .string("\(teacher.provider)/\(teacher.model)")), ("modelVersionId", "latest"),
            ])),
            ("inferenceConfig", .object(inference)),
            ("synthesisConfig", .object([
                ("synthesisType", "general"),
                ("synthesisConfig", .object([("datasetDistribution", distribution.json)])),
            ])),
        ])
    }
}
