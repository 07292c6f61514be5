/// The input shapes a recipe arrives in; each names a setting by its own path.
public enum RecipeFormat: String, Sendable {
    /// Distillery's own recipe JSON (`sampling.temperature`, `datasetDistribution`, …).
    case distillery
    /// Oumi's hosted synthesis recipe (`inferenceConfig.inferenceTemperature`, …).
    case oumi
    /// The recipe page's form (`temperature`, `teacherProvider`, …: the field's raw value).
    case form
    /// The synthesis dialog's fields (`temperature`, `provider`, `recipe_name`, …), for Save as recipe.
    case runFields

    public func path(for field: RecipeField) -> String {
        switch self {
        case .distillery: return Self.distilleryPath(field)
        case .form: return field.rawValue
        case .runFields: return RecipeRunFields.name(for: field) ?? Self.distilleryPath(field)
        case .oumi: return Self.oumiPath(field) ?? Self.distilleryPath(field)
        }
    }

    static func distilleryPath(_ field: RecipeField) -> String {
        switch field {
        case .name: return "name"
        case .description: return "description"
        case .teacherProvider: return "teacher.provider"
        case .teacherModel: return "teacher.model"
        case .teacherBaseURL: return "teacher.baseURL"
        case .judgeProvider: return "judge.provider"
        case .judgeModel: return "judge.model"
        case .judgeBaseURL: return "judge.baseURL"
        case .temperature: return "sampling.temperature"
        case .topP: return "sampling.topP"
        case .maxNewTokens: return "sampling.maxNewTokens"
        case .seed: return "sampling.seed"
        case .requestsPerMinute: return "pacing.requestsPerMinute"
        case .tokensPerMinute: return "pacing.tokensPerMinute"
        case .maxInFlight: return "pacing.maxInFlight"
        case .requestTimeoutSeconds: return "pacing.requestTimeoutSeconds"
        case .candidates: return "candidates"
        case .rejectionSampling: return "rejectionSampling"
        case .keepReasoning: return "keepReasoning"
        case .swapCheckFraction: return "swapCheckFraction"
        case .distributionTrain: return "datasetDistribution.train"
        case .distributionValidation: return "datasetDistribution.validation"
        case .distributionTest: return "datasetDistribution.test"
        case .distribution: return "datasetDistribution"
        }
    }

    static func oumiPath(_ field: RecipeField) -> String? {
        let distribution = "synthesisConfig.synthesisConfig.datasetDistribution"
        switch field {
        case .teacherModel: return "modelIdentifier.modelName"
        case .temperature: return "inferenceConfig.inferenceTemperature"
        case .maxNewTokens: return "inferenceConfig.inferenceMaxNewTokens"
        case .seed: return "inferenceConfig.inferenceSeed"
        case .requestsPerMinute: return "inferenceConfig.requestsPerMinute"
        case .distributionTrain: return distribution + ".train"
        case .distributionValidation: return distribution + ".validation"
        case .distributionTest: return distribution + ".test"
        case .distribution: return distribution
        default: return nil
        }
    }
}

extension Recipe {
    public static let maxNameLength = 120
    public static let maxDescriptionLength = 2000
    public static let candidateRange = 1...5
    public static let maxInFlightRange = 1...1024
    public static let requestTimeoutRange = 1...3600
    public static let distributionTolerance = 1e-9

    /// Every rule the recipe breaks, each named by `format`'s path. Empty means the recipe can be saved.
    /// A custom endpoint without a base URL is allowed (an imported recipe is completed later); the
    /// pages and `needsBaseURL` say so.
    public func problems(catalog: ProviderCatalog, format: RecipeFormat) -> [RecipeProblem] {
        var problems: [RecipeProblem] = []
        func add(_ field: RecipeField, _ rule: String) { problems.append(RecipeProblem(path: format.path(for: field), rule: rule)) }

        let trimmedName = name.trimmingWhitespace
        if trimmedName.isEmpty { add(.name, "is required") }
        if name.count > Self.maxNameLength { add(.name, "must be at most \(Self.maxNameLength) characters; got \(name.count)") }
        if description.count > Self.maxDescriptionLength {
            add(.description, "must be at most \(Self.maxDescriptionLength) characters; got \(description.count)")
        }
        Self.checkEndpoint(teacher, catalog: catalog, fields: (.teacherProvider, .teacherModel, .teacherBaseURL), add: add)
        if let judge {
            Self.checkEndpoint(judge, catalog: catalog, fields: (.judgeProvider, .judgeModel, .judgeBaseURL), add: add)
        }
        if !(temperature >= 0 && temperature <= 2) { add(.temperature, "must be between 0 and 2; got \(Self.text(temperature))") }
        if !(topP >= 0 && topP <= 1) { add(.topP, "must be between 0 and 1; got \(Self.text(topP))") }
        if maxNewTokens <= 0 { add(.maxNewTokens, "must be above 0; got \(maxNewTokens)") }
        if let seed, seed < 0 { add(.seed, "must be 0 or more; got \(seed)") }
        if let requestsPerMinute, requestsPerMinute <= 0 { add(.requestsPerMinute, "must be above 0; got \(requestsPerMinute)") }
        if let tokensPerMinute, tokensPerMinute <= 0 { add(.tokensPerMinute, "must be above 0; got \(tokensPerMinute)") }
        if !Self.maxInFlightRange.contains(maxInFlight) { add(.maxInFlight, "must be between 1 and 1024; got \(maxInFlight)") }
        if !Self.requestTimeoutRange.contains(requestTimeoutSeconds) {
            add(.requestTimeoutSeconds, "must be between 1 and 3600 seconds; got \(requestTimeoutSeconds)")
        }
        if !Self.candidateRange.contains(candidates) { add(.candidates, "must be between 1 and 5; got \(candidates)") }
        if rejectionSampling && candidates < 2 && Self.candidateRange.contains(candidates) {
            add(.candidates, "must be at least 2 when rejection sampling is on (the judge picks one of them); got \(candidates)")
        }
        if !(swapCheckFraction >= 0 && swapCheckFraction <= 1) {
            add(.swapCheckFraction, "must be between 0 and 1; got \(Self.text(swapCheckFraction))")
        }
        let parts: [(RecipeField, Double)] = [
            (.distributionTrain, distribution.train), (.distributionValidation, distribution.validation),
            (.distributionTest, distribution.test),
        ]
        var partsInRange = true
        for (field, value) in parts where !(value >= 0 && value <= 1) {
            add(field, "must be between 0 and 1; got \(Self.text(value))")
            partsInRange = false
        }
        let sum = distribution.train + distribution.validation + distribution.test
        if partsInRange && !(abs(sum - 1) <= Self.distributionTolerance) {
            add(.distribution, "train + validation + test must be 1; got \(Self.text(sum))")
        }
        return problems
    }

    private static func checkEndpoint(
        _ endpoint: RecipeEndpoint, catalog: ProviderCatalog,
        fields: (provider: RecipeField, model: RecipeField, baseURL: RecipeField),
        add: (RecipeField, String) -> Void
    ) {
        guard let provider = catalog.provider(id: endpoint.provider) else {
            let known = catalog.providers.map(\.id).joined(separator: ", ")
            add(fields.provider, endpoint.provider.isEmpty ? "is required (one of \(known))" : "must be one of \(known); got \"\(endpoint.provider)\"")
            return
        }
        if endpoint.model.trimmingWhitespace.isEmpty {
            add(fields.model, "is required")
        } else if provider.model(named: endpoint.model) == nil {
            let known = provider.models.map(\.id).joined(separator: ", ")
            add(fields.model, "must be a model of \(provider.id) (\(known)); got \"\(endpoint.model)\"")
        }
        if let url = endpoint.baseURL, !url.isEmpty {
            if provider.baseURL != nil {
                add(fields.baseURL, "must be empty: \(provider.id) has its own base URL")
            } else if !(url.hasPrefix("http://") || url.hasPrefix("https://")) || url.contains("?") || url.contains("#")
                || url.contains(where: \.isWhitespace)
            {
                add(fields.baseURL, "must be an http(s) URL without ? or #; got \"\(url.prefix(80))\"")
            }
        }
    }

    /// Numbers as people write them: 3.5, 1.1, 2 (sums are rounded to 12 digits so 0.8+0.2+0.1 reads 1.1).
    static func text(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let rounded = (value * 1e12).rounded() / 1e12
        return SynthesisJSON.format(rounded)
    }
}

extension String {
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
