import DistilleryCore
import Testing

struct RecipeValidationTests {
    static let catalog = try! ProviderCatalog(jsonBytes: SynthesisCatalogTests.shippedCatalogBytes())

    static let valid = Recipe(
        name: "Support answers", description: "DeepSeek, judged by Qwen",
        teacher: RecipeEndpoint(provider: "deepseek", model: "deepseek-chat"),
        judge: RecipeEndpoint(provider: "qwen", model: "qwen-max"),
        temperature: 0.7, topP: 0.95, maxNewTokens: 512, seed: 42, requestsPerMinute: 600, tokensPerMinute: 100_000,
        maxInFlight: 64, requestTimeoutSeconds: 60, candidates: 3, rejectionSampling: true, keepReasoning: false,
        distribution: RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1))

    struct Case: CustomTestStringConvertible, Sendable {
        let label: String
        let change: @Sendable (inout Recipe) -> Void
        let expected: [String]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "valid", change: { _ in }, expected: []),
        Case(label: "temperature above 2", change: { $0.temperature = 3.5 }, expected: ["sampling.temperature: must be between 0 and 2; got 3.5"]),
        Case(label: "temperature below 0", change: { $0.temperature = -0.1 }, expected: ["sampling.temperature: must be between 0 and 2; got -0.1"]),
        Case(label: "temperature NaN", change: { $0.temperature = .nan }, expected: ["sampling.temperature: must be between 0 and 2; got nan"]),
        Case(label: "temperature 2 is allowed", change: { $0.temperature = 2 }, expected: []),
        Case(label: "top_p above 1", change: { $0.topP = 1.5 }, expected: ["sampling.topP: must be between 0 and 1; got 1.5"]),
        Case(label: "max new tokens 0", change: { $0.maxNewTokens = 0 }, expected: ["sampling.maxNewTokens: must be above 0; got 0"]),
        Case(label: "negative seed", change: { $0.seed = -1 }, expected: ["sampling.seed: must be 0 or more; got -1"]),
        Case(label: "no seed is fine", change: { $0.seed = nil }, expected: []),
        Case(label: "rpm 0", change: { $0.requestsPerMinute = 0 }, expected: ["pacing.requestsPerMinute: must be above 0; got 0"]),
        Case(label: "tpm negative", change: { $0.tokensPerMinute = -5 }, expected: ["pacing.tokensPerMinute: must be above 0; got -5"]),
        Case(label: "in flight 0", change: { $0.maxInFlight = 0 }, expected: ["pacing.maxInFlight: must be between 1 and 1024; got 0"]),
        Case(label: "timeout 0", change: { $0.requestTimeoutSeconds = 0 },
             expected: ["pacing.requestTimeoutSeconds: must be between 1 and 3600 seconds; got 0"]),
        Case(label: "6 candidates", change: { $0.candidates = 6 }, expected: ["candidates: must be between 1 and 5; got 6"]),
        Case(label: "0 candidates", change: { $0.candidates = 0 }, expected: ["candidates: must be between 1 and 5; got 0"]),
        Case(label: "1 candidate with a judge", change: { $0.candidates = 1 },
             expected: ["candidates: must be at least 2 when rejection sampling is on (the judge picks one of them); got 1"]),
        Case(label: "1 candidate without a judge", change: { $0.candidates = 1; $0.rejectionSampling = false }, expected: []),
        Case(label: "swap check above 1", change: { $0.swapCheckFraction = 1.5 }, expected: ["swapCheckFraction: must be between 0 and 1; got 1.5"]),
        Case(label: "swap check below 0", change: { $0.swapCheckFraction = -0.1 }, expected: ["swapCheckFraction: must be between 0 and 1; got -0.1"]),
        Case(label: "swap check 0 is allowed", change: { $0.swapCheckFraction = 0 }, expected: []),
        Case(label: "split sums to 1.1", change: { $0.distribution = RecipeDistribution(train: 0.9, validation: 0.1, test: 0.1) },
             expected: ["datasetDistribution: train + validation + test must be 1; got 1.1"]),
        Case(label: "split sums to 0.9", change: { $0.distribution = RecipeDistribution(train: 0.7, validation: 0.1, test: 0.1) },
             expected: ["datasetDistribution: train + validation + test must be 1; got 0.9"]),
        Case(label: "split part above 1", change: { $0.distribution = RecipeDistribution(train: 1.2, validation: -0.2, test: 0) },
             expected: ["datasetDistribution.train: must be between 0 and 1; got 1.2",
                        "datasetDistribution.validation: must be between 0 and 1; got -0.2"]),
        Case(label: "split off by 1e-12 is 1", change: { $0.distribution = RecipeDistribution(train: 0.5 + 1e-12, validation: 0.5, test: 0) },
             expected: []),
        Case(label: "split off by 1e-8 is not 1", change: { $0.distribution = RecipeDistribution(train: 0.5 + 1e-8, validation: 0.5, test: 0) },
             expected: ["datasetDistribution: train + validation + test must be 1; got 1.00000001"]),
        Case(label: "empty name", change: { $0.name = "   " }, expected: ["name: is required"]),
        Case(label: "unknown provider", change: { $0.teacher.provider = "acme" },
             expected: ["teacher.provider: must be one of deepseek, qwen, zai, moonshot, openai-compatible; got \"acme\""]),
        Case(label: "model not offered", change: { $0.judge?.model = "gpt-9" },
             expected: ["judge.model: must be a model of qwen (qwen3-max, qwen3.5-plus, qwen-max, qwen-plus); got \"gpt-9\""]),
        Case(label: "base URL on a cloud provider", change: { $0.teacher.baseURL = "http://127.0.0.1:1/v1" },
             expected: ["teacher.baseURL: must be empty: deepseek has its own base URL"]),
        Case(label: "custom endpoint without base URL may be saved",
             change: { $0.teacher = RecipeEndpoint(provider: "openai-compatible", model: "Qwen3-8B") }, expected: []),
        Case(label: "custom endpoint with a bad base URL",
             change: { $0.teacher = RecipeEndpoint(provider: "openai-compatible", model: "m", baseURL: "ftp://x") },
             expected: ["teacher.baseURL: must be an http(s) URL without ? or #; got \"ftp://x\""]),
        Case(label: "several problems at once", change: { $0.temperature = 3; $0.candidates = 9; $0.maxNewTokens = -1 },
             expected: ["sampling.temperature: must be between 0 and 2; got 3", "sampling.maxNewTokens: must be above 0; got -1",
                        "candidates: must be between 1 and 5; got 9"]),
    ]

    @Test(arguments: cases)
    func rules(_ testCase: Case) {
        var recipe = Self.valid
        testCase.change(&recipe)
        #expect(recipe.problems(catalog: Self.catalog, format: .distillery).map(\.description) == testCase.expected)
    }

    @Test func eachFormatNamesTheSameRuleByItsOwnPath() {
        var recipe = Self.valid
        recipe.temperature = 3.5
        recipe.distribution = RecipeDistribution(train: 0.9, validation: 0.1, test: 0.1)
        #expect(recipe.problems(catalog: Self.catalog, format: .oumi).map(\.description) == [
            "inferenceConfig.inferenceTemperature: must be between 0 and 2; got 3.5",
            "synthesisConfig.synthesisConfig.datasetDistribution: train + validation + test must be 1; got 1.1",
        ])
        #expect(recipe.problems(catalog: Self.catalog, format: .form).map(\.path) == ["temperature", "distribution"])
    }

    @Test func needsBaseURLOnlyForACustomEndpointWithoutOne() {
        #expect(RecipeEndpoint(provider: "openai-compatible", model: "m").needsBaseURL(in: Self.catalog))
        #expect(!RecipeEndpoint(provider: "openai-compatible", model: "m", baseURL: "http://127.0.0.1:8081/v1").needsBaseURL(in: Self.catalog))
        #expect(!RecipeEndpoint(provider: "deepseek", model: "deepseek-chat").needsBaseURL(in: Self.catalog))
    }

    @Test func judgeDefaultsToTheTeacher() {
        var recipe = Self.valid
        recipe.judge = nil
        #expect(recipe.effectiveJudge == recipe.teacher)
        #expect(Self.valid.effectiveJudge == RecipeEndpoint(provider: "qwen", model: "qwen-max"))
    }
}
