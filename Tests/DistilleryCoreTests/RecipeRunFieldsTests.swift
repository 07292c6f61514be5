import DistilleryCore
import Testing

/// A recipe as the synthesis run's fields, the fields given on top of it, and the dialog's fields back as a recipe.
struct RecipeRunFieldsTests {
    static let catalog = RecipeValidationTests.catalog

    static let deepseekJudgedByQwen = Recipe(
        name: "Support answers", teacher: RecipeEndpoint(provider: "deepseek", model: "deepseek-chat"),
        judge: RecipeEndpoint(provider: "qwen", model: "qwen-max"), temperature: 0.6, topP: 0.9, maxNewTokens: 400, seed: 5,
        requestsPerMinute: 120, tokensPerMinute: nil, maxInFlight: 32, requestTimeoutSeconds: 90, candidates: 4,
        rejectionSampling: true, keepReasoning: false, distribution: RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1),
        swapCheckFraction: 0.25)

    static let localServer = Recipe(
        name: "Local", teacher: RecipeEndpoint(provider: "openai-compatible", model: "smollm2", baseURL: "http://127.0.0.1:8081/v1"))

    /// An Oumi import: a model outside the catalog, no base URL yet.
    static let imported = Recipe(name: "Imported", teacher: RecipeEndpoint(provider: "openai-compatible", model: "Llama-3.1-8B-Instruct"))

    struct FieldsCase: CustomTestStringConvertible, Sendable {
        let label: String
        let recipe: Recipe
        let expected: [String: String]
        var testDescription: String { label }
    }

    static let fieldsCases: [FieldsCase] = [
        FieldsCase(label: "catalog teacher and judge, every setting", recipe: deepseekJudgedByQwen, expected: [
            "provider": "deepseek", "model": "deepseek-chat",
            "judge_provider": "qwen", "judge_model": "qwen-max",
            "temperature": "0.6", "top_p": "0.9", "max_new_tokens": "400", "seed": "5", "requests_per_minute": "120",
            "max_in_flight": "32", "request_timeout_seconds": "90", "candidates": "4", "rejection_sampling": "true",
            "keep_reasoning": "false", "split_train": "0.8", "split_validation": "0.1", "split_test": "0.1",
            "swap_check_fraction": "0.25",
        ]),
        FieldsCase(label: "custom teacher: model typed, base URL, the teacher judges", recipe: localServer, expected: [
            "provider": "openai-compatible", "model": "smollm2", "custom_model": "smollm2", "base_url": "http://127.0.0.1:8081/v1",
            "judge_provider": "", "temperature": "0.7", "top_p": "1", "max_new_tokens": "1024", "max_in_flight": "8",
            "request_timeout_seconds": "120", "candidates": "3", "rejection_sampling": "false", "keep_reasoning": "false",
            "split_train": "1", "split_validation": "0", "split_test": "0", "swap_check_fraction": "0.1",
        ]),
        FieldsCase(label: "imported, no base URL yet: an empty base_url", recipe: imported, expected: [
            "provider": "openai-compatible", "model": "Llama-3.1-8B-Instruct", "custom_model": "Llama-3.1-8B-Instruct", "base_url": "",
            "judge_provider": "", "temperature": "0.7", "top_p": "1", "max_new_tokens": "1024", "max_in_flight": "8",
            "request_timeout_seconds": "120", "candidates": "3", "rejection_sampling": "false", "keep_reasoning": "false",
            "split_train": "1", "split_validation": "0", "split_test": "0", "swap_check_fraction": "0.1",
        ]),
    ]

    @Test(arguments: fieldsCases)
    func aRecipeBecomesTheRunsFields(_ item: FieldsCase) {
        #expect(RecipeRunFields.fields(of: item.recipe, catalog: Self.catalog) == item.expected)
    }

    struct OverrideCase: CustomTestStringConvertible, Sendable {
        let label: String
        let given: [String: String]
        let expected: [String: String?]
        var testDescription: String { label }
    }

    static let overrideCases: [OverrideCase] = [
        OverrideCase(label: "nothing given: the recipe's", given: [:], expected: ["temperature": "0.6", "seed": "5", "candidates": "4"]),
        OverrideCase(label: "a given field wins", given: ["temperature": "0.2"], expected: ["temperature": "0.2", "max_new_tokens": "400"]),
        OverrideCase(label: "given empty wins too (no seed: random)", given: ["seed": ""], expected: ["seed": "", "temperature": "0.6"]),
        OverrideCase(label: "another teacher", given: ["provider": "zai", "model": "glm-4.5"],
                     expected: ["provider": "zai", "model": "glm-4.5", "judge_provider": "qwen"]),
        OverrideCase(label: "the judge back to the teacher", given: ["judge_provider": ""], expected: ["judge_provider": "", "judge_model": "qwen-max"]),
        OverrideCase(label: "rejection sampling off", given: ["rejection_sampling": "false"], expected: ["rejection_sampling": "false"]),
        OverrideCase(label: "fields the recipe lacks are added", given: ["max_tokens_cap": "2000", "api_key": "sk-x"],
                     expected: ["max_tokens_cap": "2000", "api_key": "sk-x", "tokens_per_minute": nil]),
    ]

    @Test(arguments: overrideCases)
    func fieldsGivenExplicitlyWinOverTheRecipes(_ item: OverrideCase) {
        let merged = RecipeRunFields.merged(recipe: Self.deepseekJudgedByQwen, overrides: item.given, catalog: Self.catalog)
        for (name, value) in item.expected {
            #expect(merged[name] == value, "\(name)")
        }
    }

    struct BaseURLCase: CustomTestStringConvertible, Sendable {
        let label: String
        let recipe: Recipe
        let given: [String: String]
        let field: String?
        var testDescription: String { label }
    }

    static let baseURLCases: [BaseURLCase] = [
        BaseURLCase(label: "catalog endpoints need none", recipe: deepseekJudgedByQwen, given: [:], field: nil),
        BaseURLCase(label: "custom teacher with its URL", recipe: localServer, given: [:], field: nil),
        BaseURLCase(label: "imported teacher without one", recipe: imported, given: [:], field: "base_url"),
        BaseURLCase(label: "imported teacher, URL given with the run", recipe: imported, given: ["base_url": "http://10.0.0.2/v1"], field: nil),
        BaseURLCase(label: "imported teacher, blank URL given", recipe: imported, given: ["base_url": "  "], field: "base_url"),
        BaseURLCase(label: "the run switches to a catalog teacher", recipe: imported, given: ["provider": "deepseek"], field: nil),
        BaseURLCase(
            label: "custom judge without one",
            recipe: Recipe(name: "j", teacher: RecipeEndpoint(provider: "deepseek", model: "deepseek-chat"),
                           judge: RecipeEndpoint(provider: "openai-compatible", model: "judge-8b")),
            given: [:], field: "judge_base_url"),
        BaseURLCase(
            label: "custom judge, URL given with the run",
            recipe: Recipe(name: "j", teacher: RecipeEndpoint(provider: "deepseek", model: "deepseek-chat"),
                           judge: RecipeEndpoint(provider: "openai-compatible", model: "judge-8b")),
            given: ["judge_base_url": "http://127.0.0.1:9000/v1"], field: nil),
    ]

    @Test(arguments: baseURLCases)
    func aCustomEndpointWithoutABaseURLIsNamedByItsField(_ item: BaseURLCase) {
        let merged = RecipeRunFields.merged(recipe: item.recipe, overrides: item.given, catalog: Self.catalog)
        let problem = RecipeRunFields.missingBaseURL(in: merged, catalog: Self.catalog)
        #expect(problem?.path == item.field)
        if let problem { #expect(problem.rule.contains("has no base URL")) }
    }

    @Test func theImportedRecipesProblemSaysWhatToGive() {
        let merged = RecipeRunFields.merged(recipe: Self.imported, overrides: [:], catalog: Self.catalog)
        #expect(RecipeRunFields.missingBaseURL(in: merged, catalog: Self.catalog)?.description
            == "base_url: the teacher (OpenAI-compatible (custom base URL), model Llama-3.1-8B-Instruct) has no base URL: give base_url (e.g. http://127.0.0.1:8081/v1) or complete the recipe's teacher.baseURL")
    }

    @Test(arguments: [deepseekJudgedByQwen, localServer])
    func theRunsFieldsReadBackAsTheSameRecipe(_ recipe: Recipe) {
        var fields = RecipeRunFields.fields(of: recipe, catalog: Self.catalog)
        fields["recipe_name"] = recipe.name
        fields["api_key"] = "sk-never-saved-0000"
        let (back, problems) = RecipeRunFields.recipe(from: fields, catalog: Self.catalog)
        #expect(problems.isEmpty, "\(problems)")
        #expect(back == recipe)
        #expect(!back.json.serialized.contains("sk-never-saved"))
    }

    struct ProblemCase: CustomTestStringConvertible, Sendable {
        let label: String
        let fields: [String: String]
        let expected: [String]
        var testDescription: String { label }
    }

    static let base: [String: String] = ["recipe_name": "Mine", "provider": "deepseek", "model": "deepseek-chat"]

    static let problemCases: [ProblemCase] = [
        ProblemCase(label: "the dialog's defaults", fields: base, expected: []),
        ProblemCase(label: "no name", fields: base.merging(["recipe_name": " "]) { $1 }, expected: ["recipe_name: is required"]),
        ProblemCase(label: "temperature out of range", fields: base.merging(["temperature": "3.5"]) { $1 },
                    expected: ["temperature: must be between 0 and 2; got 3.5"]),
        ProblemCase(label: "not a number", fields: base.merging(["max_new_tokens": "lots"]) { $1 },
                    expected: ["max_new_tokens: must be a number; got \"lots\""]),
        ProblemCase(label: "a fraction where a whole number goes", fields: base.merging(["max_in_flight": "2.5"]) { $1 },
                    expected: ["max_in_flight: must be a whole number; got 2.5"]),
        ProblemCase(label: "the dialog's 120.0 s timeout is whole", fields: base.merging(["request_timeout_seconds": "120.0"]) { $1 },
                    expected: []),
        ProblemCase(label: "unknown model", fields: base.merging(["model": "gpt-9"]) { $1 },
                    expected: ["model: must be a model of deepseek (deepseek-chat, deepseek-reasoner, deepseek-v4-flash, deepseek-v4-pro); got \"gpt-9\""]),
        ProblemCase(label: "six candidates", fields: base.merging(["candidates": "6"]) { $1 }, expected: ["candidates: must be between 1 and 5; got 6"]),
        ProblemCase(label: "a custom server keeps its base URL and model name",
                    fields: ["recipe_name": "L", "provider": "openai-compatible", "custom_model": "m", "base_url": "ftp://x"],
                    expected: ["base_url: must be an http(s) URL without ? or #; got \"ftp://x\""]),
        ProblemCase(label: "a split that does not sum to 1", fields: base.merging(["split_train": "0.5", "split_validation": "0.25"]) { $1 },
                    expected: ["split_fractions: train + validation + test must be 1; got 0.75"]),
    ]

    @Test(arguments: problemCases)
    func savingTheDialogAsARecipeNamesEachBadFieldByItsName(_ item: ProblemCase) {
        #expect(RecipeRunFields.recipe(from: item.fields, catalog: Self.catalog).problems.map(\.description) == item.expected)
    }

    @Test func aCatalogTeacherWithoutAModelGetsTheProvidersFirst() {
        let (recipe, problems) = RecipeRunFields.recipe(from: ["recipe_name": "x", "provider": "deepseek"], catalog: Self.catalog)
        #expect(problems.isEmpty)
        #expect(recipe.teacher == RecipeEndpoint(provider: "deepseek", model: "deepseek-chat"))
        #expect(recipe.judge == nil)
    }

    struct DistributionCase: CustomTestStringConvertible, Sendable {
        let label: String
        let fields: [String: String]
        let expected: RecipeDistribution?
        let problems: [String: String]
        var testDescription: String { label }
    }

    static let distributionCases: [DistributionCase] = [
        DistributionCase(label: "none given: the child is not split", fields: ["seed": "3"], expected: nil, problems: [:]),
        DistributionCase(label: "blank ones count as not given", fields: ["split_train": " ", "split_test": ""], expected: nil, problems: [:]),
        DistributionCase(label: "all three", fields: ["split_train": "0.8", "split_validation": "0.1", "split_test": "0.1"],
                         expected: RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1), problems: [:]),
        DistributionCase(label: "an absent one reads as 0", fields: ["split_train": "1"], expected: .allTrain, problems: [:]),
        DistributionCase(label: "not a number", fields: ["split_train": "most", "split_test": "0.2"], expected: nil,
                         problems: ["split_train": "must be a number from 0 to 1; got \"most\""]),
        DistributionCase(label: "out of range", fields: ["split_train": "1.5", "split_validation": "-0.5"], expected: nil,
                         problems: ["split_train": "must be a number from 0 to 1; got 1.5", "split_validation": "must be a number from 0 to 1; got -0.5"]),
        DistributionCase(label: "not summing to 1", fields: ["split_train": "0.7"], expected: nil,
                         problems: ["split_fractions": "train + validation + test must sum to 1; got 0.7"]),
    ]

    @Test(arguments: distributionCases)
    func aRunsSplitFieldsReadAsTheChildsDistribution(_ item: DistributionCase) {
        var problems: [String: String] = [:]
        #expect(RecipeRunFields.distribution(in: item.fields, problems: &problems) == item.expected)
        #expect(problems == item.problems)
    }
}
