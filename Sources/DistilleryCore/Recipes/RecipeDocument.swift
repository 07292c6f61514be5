/// A recipe read from JSON: the recipe, the format it came in, and what was ignored on the way.
public struct RecipeImport: Sendable, Equatable {
    public var recipe: Recipe
    public var format: RecipeFormat
    public var warnings: [RecipeProblem]

    public init(recipe: Recipe, format: RecipeFormat, warnings: [RecipeProblem]) {
        self.recipe = recipe
        self.format = format
        self.warnings = warnings
    }
}

/// Why a recipe body was refused: every problem, each with its JSON path and rule.
public struct RecipeRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var format: RecipeFormat
    public var problems: [RecipeProblem]

    public init(format: RecipeFormat, problems: [RecipeProblem]) {
        self.format = format
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "; ") }
}

/// Reading and writing recipe JSON in Distillery's own shape, and choosing between it and Oumi's.
public enum RecipeDocument {
    /// Oumi's recipe is recognised by its top-level sections; anything else is read as Distillery's.
    public static func detectFormat(_ json: SynthesisJSON) -> RecipeFormat {
        let oumiKeys = ["modelIdentifier", "inferenceConfig", "synthesisConfig"]
        return oumiKeys.contains { json[$0] != nil } ? .oumi : .distillery
    }

    /// Parses a request body, detects its format, reads and validates it against the catalog.
    public static func read(bytes: [UInt8], catalog: ProviderCatalog) throws -> RecipeImport {
        let json: SynthesisJSON
        do {
            json = try SynthesisJSON.parse(bytes)
        } catch {
            throw RecipeSyntaxError(bytes: bytes, error: error)
        }
        return try read(json: json, catalog: catalog)
    }

    public static func read(json: SynthesisJSON, catalog: ProviderCatalog) throws(RecipeRejection) -> RecipeImport {
        let format = detectFormat(json)
        let decoded = format == .oumi ? OumiRecipe.decode(json, catalog: catalog) : decodeDistillery(json)
        guard let recipe = decoded.recipe, decoded.problems.isEmpty else {
            throw RecipeRejection(format: format, problems: decoded.problems)
        }
        let problems = recipe.problems(catalog: catalog, format: format)
        guard problems.isEmpty else { throw RecipeRejection(format: format, problems: problems) }
        return RecipeImport(recipe: recipe, format: format, warnings: decoded.warnings)
    }

    static let topLevelFields: Set<String> = [
        "name", "description", "teacher", "judge", "sampling", "pacing", "candidates", "rejectionSampling",
        "keepReasoning", "datasetDistribution", "swapCheckFraction",
    ]

    /// Distillery's own shape; every member but `name` and `teacher` may be left out (defaults apply).
    /// Structure only: range and catalog rules are `Recipe.problems`.
    public static func decodeDistillery(_ json: SynthesisJSON) -> (recipe: Recipe?, problems: [RecipeProblem], warnings: [RecipeProblem]) {
        var reader = RecipeJSONReader()
        guard case .object = json else {
            return (nil, [RecipeProblem(path: "(body)", rule: "must be a JSON object")], [])
        }
        reader.unknownMembers(of: json, path: "", known: topLevelFields, asWarnings: false)
        let name = reader.string(json, "name", path: "", required: true)
        let description = reader.string(json, "description", path: "", required: false) ?? ""
        let teacher = endpoint(json["teacher"], path: "teacher", required: true, reader: &reader)
        let judge = endpoint(json["judge"], path: "judge", required: false, reader: &reader)
        var recipe = Recipe(name: name ?? "", description: description, teacher: teacher ?? RecipeEndpoint(provider: "", model: ""), judge: judge)
        if let sampling = reader.object(json["sampling"], path: "sampling", required: false) {
            reader.unknownMembers(of: sampling, path: "sampling", known: ["temperature", "topP", "maxNewTokens", "seed"], asWarnings: false)
            recipe.temperature = reader.number(sampling, "temperature", path: "sampling") ?? recipe.temperature
            recipe.topP = reader.number(sampling, "topP", path: "sampling") ?? recipe.topP
            recipe.maxNewTokens = reader.integer(sampling, "maxNewTokens", path: "sampling") ?? recipe.maxNewTokens
            recipe.seed = reader.integer(sampling, "seed", path: "sampling")
        }
        if let pacing = reader.object(json["pacing"], path: "pacing", required: false) {
            reader.unknownMembers(
                of: pacing, path: "pacing", known: ["requestsPerMinute", "tokensPerMinute", "maxInFlight", "requestTimeoutSeconds"],
                asWarnings: false)
            recipe.requestsPerMinute = reader.integer(pacing, "requestsPerMinute", path: "pacing")
            recipe.tokensPerMinute = reader.integer(pacing, "tokensPerMinute", path: "pacing")
            recipe.maxInFlight = reader.integer(pacing, "maxInFlight", path: "pacing") ?? recipe.maxInFlight
            recipe.requestTimeoutSeconds = reader.integer(pacing, "requestTimeoutSeconds", path: "pacing") ?? recipe.requestTimeoutSeconds
        }
        recipe.candidates = reader.integer(json, "candidates", path: "") ?? recipe.candidates
        recipe.rejectionSampling = reader.bool(json, "rejectionSampling", path: "") ?? recipe.rejectionSampling
        recipe.keepReasoning = reader.bool(json, "keepReasoning", path: "") ?? recipe.keepReasoning
        recipe.swapCheckFraction = reader.number(json, "swapCheckFraction", path: "") ?? recipe.swapCheckFraction
        recipe.distribution = reader.distribution(json["datasetDistribution"], path: "datasetDistribution") ?? recipe.distribution
        guard name != nil, teacher != nil else { return (nil, reader.problems, reader.warnings) }
        return (recipe, reader.problems, reader.warnings)
    }

    private static func endpoint(_ value: SynthesisJSON?, path: String, required: Bool, reader: inout RecipeJSONReader) -> RecipeEndpoint? {
        guard let object = reader.object(value, path: path, required: required) else { return nil }
        reader.unknownMembers(of: object, path: path, known: ["provider", "model", "baseURL"], asWarnings: false)
        let provider = reader.string(object, "provider", path: path, required: true)
        let model = reader.string(object, "model", path: path, required: true)
        let baseURL = reader.string(object, "baseURL", path: path, required: false)
        guard let provider, let model else { return nil }
        return RecipeEndpoint(provider: provider, model: model, baseURL: baseURL.flatMap { $0.isEmpty ? nil : $0 })
    }
}

extension RecipeEndpoint {
    public var json: SynthesisJSON {
        .object([("provider", .string(provider)), ("model", .string(model)), ("baseURL", baseURL.map { .string($0) } ?? .null)])
    }
}

extension Recipe {
    /// Distillery's own recipe JSON: every member, so what the API returns can be sent back as is.
    public var json: SynthesisJSON {
        func optional(_ value: Int?) -> SynthesisJSON { value.map { .number(Double($0)) } ?? .null }
        return .object([
            ("name", .string(name)),
            ("description", .string(description)),
            ("teacher", teacher.json),
            ("judge", judge?.json ?? .null),
            ("sampling", .object([
                ("temperature", .number(temperature)), ("topP", .number(topP)),
                ("maxNewTokens", .number(Double(maxNewTokens))), ("seed", optional(seed)),
            ])),
            ("pacing", .object([
                ("requestsPerMinute", optional(requestsPerMinute)), ("tokensPerMinute", optional(tokensPerMinute)),
                ("maxInFlight", .number(Double(maxInFlight))), ("requestTimeoutSeconds", .number(Double(requestTimeoutSeconds))),
            ])),
            ("candidates", .number(Double(candidates))),
            ("rejectionSampling", .bool(rejectionSampling)),
            ("keepReasoning", .bool(keepReasoning)),
            ("swapCheckFraction", .number(swapCheckFraction)),
            ("datasetDistribution", distribution.json),
        ])
    }
}

extension RecipeDistribution {
    public var json: SynthesisJSON {
        .object([("train", .number(train)), ("validation", .number(validation)), ("test", .number(test))])
    }
}
