/// Where a recipe sends requests: a catalog provider, a model it offers, and a base URL for
/// providers that take the user's own (the OpenAI-compatible entry).
public struct RecipeEndpoint: Sendable, Equatable {
    public var provider: String
    public var model: String
    /// Only for providers without a catalog base URL; nil until the user supplies one.
    public var baseURL: String?

    public init(provider: String, model: String, baseURL: String? = nil) {
        self.provider = provider
        self.model = model
        self.baseURL = baseURL
    }

    /// True when the endpoint cannot be called yet: its provider has no base URL and none was given.
    public func needsBaseURL(in catalog: ProviderCatalog) -> Bool {
        guard let entry = catalog.provider(id: provider) else { return false }
        return entry.baseURL == nil && (baseURL ?? "").isEmpty
    }
}

/// How the output is split into train/validation/test. Stored now; applied by a later issue.
public struct RecipeDistribution: Codable, Sendable, Equatable {
    public var train: Double
    public var validation: Double
    public var test: Double

    public init(train: Double, validation: Double, test: Double) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    public static let allTrain = RecipeDistribution(train: 1, validation: 0, test: 0)
}

/// Everything about a synthesis run except the data and the key, reusable across runs.
public struct Recipe: Sendable, Equatable {
    public var name: String
    public var description: String
    public var teacher: RecipeEndpoint
    /// nil: the judge is the teacher (the default when the user picks nothing).
    public var judge: RecipeEndpoint?
    public var temperature: Double
    public var topP: Double
    public var maxNewTokens: Int
    public var seed: Int?
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var maxInFlight: Int
    public var requestTimeoutSeconds: Int
    public var candidates: Int
    public var rejectionSampling: Bool
    public var keepReasoning: Bool
    public var distribution: RecipeDistribution
    /// The share of judged seeds the swap check asks again with the candidates reversed (0–1).
    public var swapCheckFraction: Double

    public static let defaultCandidates = 3
    public static let defaultMaxInFlight = 8
    public static let defaultRequestTimeoutSeconds = 120
    public static let defaultMaxNewTokens = 1024

    public init(
        name: String, description: String = "", teacher: RecipeEndpoint, judge: RecipeEndpoint? = nil,
        temperature: Double = 0.7, topP: Double = 1, maxNewTokens: Int = Recipe.defaultMaxNewTokens, seed: Int? = nil,
        requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, maxInFlight: Int = Recipe.defaultMaxInFlight,
        requestTimeoutSeconds: Int = Recipe.defaultRequestTimeoutSeconds, candidates: Int = Recipe.defaultCandidates,
        rejectionSampling: Bool = false, keepReasoning: Bool = false, distribution: RecipeDistribution = .allTrain,
        swapCheckFraction: Double = SwapCheck.defaultFraction
    ) {
        self.name = name
        self.description = description
        self.teacher = teacher
        self.judge = judge
        self.temperature = temperature
        self.topP = topP
        self.maxNewTokens = maxNewTokens
        self.seed = seed
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.maxInFlight = maxInFlight
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.candidates = candidates
        self.rejectionSampling = rejectionSampling
        self.keepReasoning = keepReasoning
        self.distribution = distribution
        self.swapCheckFraction = swapCheckFraction
    }

    /// The endpoint that judges: the chosen judge, else the teacher.
    public var effectiveJudge: RecipeEndpoint { judge ?? teacher }
}

/// One setting of a recipe, so each input format (Distillery JSON, Oumi JSON, the HTML form) can
/// name a problem by its own path for it.
public enum RecipeField: String, Sendable, CaseIterable {
    case name, description
    case teacherProvider, teacherModel, teacherBaseURL
    case judgeProvider, judgeModel, judgeBaseURL
    case temperature, topP, maxNewTokens, seed
    case requestsPerMinute, tokensPerMinute, maxInFlight, requestTimeoutSeconds
    case candidates, rejectionSampling, keepReasoning, swapCheckFraction
    case distributionTrain, distributionValidation, distributionTest, distribution
}

/// One thing wrong with a recipe: where (a JSON path or form field) and which rule it breaks.
public struct RecipeProblem: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var rule: String

    public init(path: String, rule: String) {
        self.path = path
        self.rule = rule
    }

    public var description: String { "\(path): \(rule)" }
}

extension [RecipeProblem] {
    /// Each path's first rule: what a form shows beside the field.
    public var firstRuleByPath: [String: String] {
        var rules: [String: String] = [:]
        for problem in self where rules[problem.path] == nil { rules[problem.path] = problem.rule }
        return rules
    }

    /// Each path's rules joined by "; ": the `fields` of a JSON error body.
    public var rulesByPath: [String: String] {
        var rules: [String: String] = [:]
        for problem in self { rules[problem.path] = rules[problem.path].map { $0 + "; " + problem.rule } ?? problem.rule }
        return rules
    }
}
