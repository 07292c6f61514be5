import DistilleryCore
import Foundation
import Testing

/// Reading recipe JSON in both formats (the three Oumi examples of seed 003 verbatim in Fixtures/oumi),
/// writing Oumi's format back, and the problems and warnings each path reports.
struct RecipeDocumentTests {
    static let catalog = RecipeValidationTests.catalog

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/oumi"))
        return Array(try Data(contentsOf: url))
    }

    struct OumiExample: CustomTestStringConvertible, Sendable {
        let file: String
        let model: String
        let temperature: Double
        let maxNewTokens: Int
        let seed: Int?
        let requestsPerMinute: Int
        let datasetID: String
        let distribution: RecipeDistribution
        var testDescription: String { file }
    }

    static let examples = [
        OumiExample(
            file: "general_synthesis", model: "Llama-3.1-8B-Instruct", temperature: 0.8, maxNewTokens: 512, seed: 42, requestsPerMinute: 60,
            datasetID: "dataset_seed_001", distribution: RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1)),
        OumiExample(
            file: "high_diversity_synthesis", model: "Qwen3-8B", temperature: 1.0, maxNewTokens: 768, seed: nil, requestsPerMinute: 50,
            datasetID: "dataset_seed_002", distribution: RecipeDistribution(train: 0.85, validation: 0.1, test: 0.05)),
        OumiExample(
            file: "failure_mode_targeted_synthesis", model: "Llama-3.1-8B-Instruct", temperature: 0.7, maxNewTokens: 512, seed: 99,
            requestsPerMinute: 60, datasetID: "dataset_failure_modes_eval_run_47",
            distribution: RecipeDistribution(train: 0.9, validation: 0.1, test: 0.0)),
    ]

    @Test(arguments: examples)
    func seedExamplesImportAsTheyAre(_ example: OumiExample) throws {
        let imported = try RecipeDocument.read(bytes: Self.fixture(example.file), catalog: Self.catalog)
        #expect(imported.format == .oumi)
        let recipe = imported.recipe
        #expect(recipe.teacher == RecipeEndpoint(provider: "openai-compatible", model: example.model, baseURL: nil))
        #expect(recipe.teacher.needsBaseURL(in: Self.catalog))
        #expect(recipe.judge == nil)
        #expect(recipe.temperature == example.temperature)
        #expect(recipe.maxNewTokens == example.maxNewTokens)
        #expect(recipe.seed == example.seed)
        #expect(recipe.requestsPerMinute == example.requestsPerMinute)
        #expect(recipe.distribution == example.distribution)
        #expect(recipe.name == "Oumi: \(example.model)")
        #expect(imported.warnings.map(\.path) == [
            "modelIdentifier.modelType", "modelIdentifier.modelId", "modelIdentifier.modelVersionId", "modelIdentifier.modelName",
            "synthesisConfig.synthesisType", "synthesisConfig.synthesisConfig.datasetId",
        ])
        #expect(imported.warnings[3].rule.contains("not in the provider catalog"))
        #expect(imported.warnings[5].rule.contains(example.datasetID))
    }

    @Test func aCatalogModelNameMatchesWithoutCase() throws {
        let body = #"{"modelIdentifier":{"modelName":"DeepSeek-Chat"},"inferenceConfig":{"inferenceTemperature":0.2}}"#
        let imported = try RecipeDocument.read(bytes: Array(body.utf8), catalog: Self.catalog)
        #expect(imported.recipe.teacher == RecipeEndpoint(provider: "deepseek", model: "deepseek-chat"))
        #expect(imported.warnings.isEmpty)
        #expect(imported.recipe.temperature == 0.2)
    }

    @Test func oumiExportReadsBackToTheSameSettings() throws {
        for example in Self.examples {
            let first = try RecipeDocument.read(bytes: Self.fixture(example.file), catalog: Self.catalog).recipe
            let again = try RecipeDocument.read(json: first.oumiJSON, catalog: Self.catalog).recipe
            #expect(again.teacher == first.teacher)
            #expect(again.temperature == first.temperature)
            #expect(again.maxNewTokens == first.maxNewTokens)
            #expect(again.seed == first.seed)
            #expect(again.requestsPerMinute == first.requestsPerMinute)
            #expect(again.distribution == first.distribution)
        }
        let exported = RecipeValidationTests.valid.oumiJSON
        #expect(exported.serialized == #"{"modelIdentifier":{"modelType":"llm","modelName":"deepseek-chat","modelId":"deepseek/deepseek-chat","#
            + #""modelVersionId":"latest"},"inferenceConfig":{"inferenceTemperature":0.7,"inferenceMaxNewTokens":512,"inferenceSeed":42,"#
            + #""requestsPerMinute":600},"synthesisConfig":{"synthesisType":"general","synthesisConfig":{"datasetDistribution":"#
            + #"{"train":0.8,"validation":0.1,"test":0.1}}}}"#)
    }

    @Test func distilleryFormatRoundTrips() throws {
        let recipe = RecipeValidationTests.valid
        let imported = try RecipeDocument.read(bytes: recipe.json.serializedBytes, catalog: Self.catalog)
        #expect(imported.format == .distillery)
        #expect(imported.recipe == recipe)
        #expect(imported.warnings.isEmpty)
    }

    @Test func distilleryFormatFillsDefaults() throws {
        let body = #"{"name":"Minimal","teacher":{"provider":"zai","model":"glm-4.5"}}"#
        let recipe = try RecipeDocument.read(bytes: Array(body.utf8), catalog: Self.catalog).recipe
        #expect(recipe == Recipe(name: "Minimal", teacher: RecipeEndpoint(provider: "zai", model: "glm-4.5")))
        #expect(recipe.candidates == 3)
    }

    struct Rejected: CustomTestStringConvertible, Sendable {
        let label: String
        let body: String
        let expected: [String]
        var testDescription: String { label }
    }

    static let rejected: [Rejected] = [
        Rejected(
            label: "Oumi temperature out of range",
            body: #"{"modelIdentifier":{"modelName":"deepseek-chat"},"inferenceConfig":{"inferenceTemperature":3.5}}"#,
            expected: ["inferenceConfig.inferenceTemperature: must be between 0 and 2; got 3.5"]),
        Rejected(
            label: "Oumi split above 1",
            body: #"{"modelIdentifier":{"modelName":"x"},"synthesisConfig":{"synthesisConfig":{"datasetDistribution":{"train":0.9,"validation":0.1,"test":0.1}}}}"#,
            expected: ["synthesisConfig.synthesisConfig.datasetDistribution: train + validation + test must be 1; got 1.1"]),
        Rejected(
            label: "Oumi wrong types",
            body: #"{"modelIdentifier":{"modelName":7},"inferenceConfig":{"inferenceMaxNewTokens":"lots","requestsPerMinute":1.5}}"#,
            expected: [
                "modelIdentifier.modelName: must be a string", "inferenceConfig.inferenceMaxNewTokens: must be a whole number",
                "inferenceConfig.requestsPerMinute: must be a whole number; got 1.5",
            ]),
        Rejected(
            label: "Oumi without modelIdentifier",
            body: #"{"inferenceConfig":{"inferenceTemperature":0.5}}"#,
            expected: ["modelIdentifier: is required (an object)"]),
        Rejected(
            label: "Oumi split missing a part",
            body: #"{"modelIdentifier":{"modelName":"x"},"synthesisConfig":{"synthesisConfig":{"datasetDistribution":{"train":1}}}}"#,
            expected: [
                "synthesisConfig.synthesisConfig.datasetDistribution.validation: is required (a number from 0 to 1)",
                "synthesisConfig.synthesisConfig.datasetDistribution.test: is required (a number from 0 to 1)",
            ]),
        Rejected(
            label: "Distillery split above 1",
            body: #"{"name":"n","teacher":{"provider":"deepseek","model":"deepseek-chat"},"datasetDistribution":{"train":0.9,"validation":0.1,"test":0.1}}"#,
            expected: ["datasetDistribution: train + validation + test must be 1; got 1.1"]),
        Rejected(
            label: "Distillery unknown field and missing teacher",
            body: #"{"name":"n","temprature":1}"#,
            expected: ["temprature: unknown field", "teacher: is required (an object)"]),
        Rejected(
            label: "Distillery wrong types",
            body: #"{"name":"n","teacher":{"provider":"deepseek","model":"deepseek-chat"},"sampling":{"temperature":"hot"},"candidates":2.5,"keepReasoning":"yes"}"#,
            expected: ["sampling.temperature: must be a number", "candidates: must be a whole number; got 2.5", "keepReasoning: must be true or false"]),
        Rejected(label: "not an object", body: "[1,2]", expected: ["(body): must be a JSON object"]),
    ]

    @Test(arguments: rejected)
    func badRecipesNameEachPathAndRule(_ item: Rejected) {
        #expect(throws: RecipeRejection.self) { try RecipeDocument.read(bytes: Array(item.body.utf8), catalog: Self.catalog) }
        do {
            _ = try RecipeDocument.read(bytes: Array(item.body.utf8), catalog: Self.catalog)
        } catch let rejection as RecipeRejection {
            #expect(rejection.problems.map(\.description) == item.expected)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func malformedJSONNamesLineAndColumn() {
        let body = "{\n  \"name\": \"x\",\n  \"teacher\": {\"provider\": \"deepseek\",, }\n}"
        do {
            _ = try RecipeDocument.read(bytes: Array(body.utf8), catalog: Self.catalog)
            Issue.record("accepted malformed JSON")
        } catch let error as RecipeSyntaxError {
            #expect(error.line == 3)
            #expect(error.column == 38)
            #expect(error.description.hasSuffix("at line 3, column 38."))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func formFieldsReadIntoARecipe() {
        let (recipe, problems) = RecipeForm.decode([
            "name": "Form", "teacherProvider": "deepseek", "teacherModel": "deepseek-chat", "judgeProvider": "", "temperature": "0.3",
            "maxNewTokens": "abc", "candidates": "4", "rejectionSampling": "on", "distributionTrain": "0.5", "distributionValidation": "0.5",
        ])
        #expect(problems.map(\.description) == ["maxNewTokens: must be a whole number; got \"abc\""])
        #expect(recipe.judge == nil)
        #expect(recipe.temperature == 0.3)
        #expect(recipe.candidates == 4)
        #expect(recipe.rejectionSampling)
        #expect(recipe.distribution == RecipeDistribution(train: 0.5, validation: 0.5, test: 0))
        let values = RecipeForm.values(of: RecipeValidationTests.valid)
        #expect(RecipeForm.decode(values).recipe == RecipeValidationTests.valid)
    }
}
