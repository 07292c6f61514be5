import DistilleryCore
import Foundation
import Testing

struct SynthesisCatalogTests {
    static func shippedCatalogBytes() throws -> [UInt8] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return Array(try Data(contentsOf: root.appendingPathComponent("Resources/catalog/providers.json")))
    }

    @Test func shippedCatalogDecodesWithEveryRequiredProvider() throws {
        let catalog = try ProviderCatalog(jsonBytes: Self.shippedCatalogBytes())
        #expect(catalog.providers.map(\.id) == ["deepseek", "qwen", "zai", "moonshot", "openai-compatible"])
        let deepseek = try #require(catalog.provider(id: "deepseek"))
        #expect(deepseek.baseURL == "https://api.deepseek.com")
        #expect(deepseek.model(named: "deepseek-reasoner")?.capabilities.returnsReasoning == true)
        #expect(deepseek.model(named: "deepseek-chat")?.capabilities.returnsReasoning == false)
        #expect(deepseek.endpointURL(deepseek.chatCompletionsPath) == "https://api.deepseek.com/chat/completions")
        #expect(catalog.provider(id: "qwen")?.endpointURL("/models") == "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/models")
        #expect(catalog.provider(id: "zai")?.model(named: "glm-4.5") != nil)
        #expect(catalog.provider(id: "moonshot")?.baseURL == "https://api.moonshot.ai/v1")
        for provider in catalog.providers where provider.baseURL != nil {
            #expect(provider.keyRequired, "\(provider.id) is a cloud API")
        }
    }

    @Test func everyHostedModelHasDatedTypicalSpeedsForTheEstimate() throws {
        let catalog = try ProviderCatalog(jsonBytes: Self.shippedCatalogBytes())
        for provider in catalog.providers where provider.baseURL != nil {
            for model in provider.models {
                let speed = try #require(model.typicalSpeed, "\(model.id) has no typicalSpeed")
                #expect(speed.tokensPerSecond > 0 && speed.firstTokenMs > 0)
                #expect(model.typicalSpeedAsOf == "2026-11-30")
                #expect(speed.source == "typical figures in the catalog, as of 2026-11-30")
            }
        }
        // A self-hosted server is timed at pre-flight instead.
        #expect(catalog.provider(id: "openai-compatible")?.models.allSatisfy { $0.typicalSpeed == nil } == true)
    }

    @Test func catalogJSONRoundTripsThroughTheValidator() throws {
        let catalog = try ProviderCatalog(jsonBytes: Self.shippedCatalogBytes())
        let again = try ProviderCatalog(jsonBytes: Array(catalog.json.serialized.utf8))
        #expect(again == catalog)
    }

    @Test func customProviderAcceptsAnyModelNameAndUserBaseURL() throws {
        let catalog = try ProviderCatalog(jsonBytes: Self.shippedCatalogBytes())
        let custom = try #require(catalog.provider(id: "openai-compatible"))
        #expect(custom.baseURL == nil)
        #expect(custom.keyRequired == false)
        let model = try #require(custom.model(named: "smollm2-135m-instruct"))
        #expect(model.id == "smollm2-135m-instruct")
        #expect(model.inputPricePerMillionUSD == 0)
        #expect(custom.model(named: "") == nil)
        #expect(custom.endpointURL("/chat/completions") == nil)
        #expect(custom.endpointURL("/chat/completions", customBaseURL: "http://127.0.0.1:8080/v1/") == "http://127.0.0.1:8080/v1/chat/completions")
        #expect(catalog.provider(id: "deepseek")?.model(named: "gpt-4") == nil)
    }

    static let validModel = """
        {"id": "m1", "contextWindow": 1000, "inputPricePerMillionUSD": 1, "outputPricePerMillionUSD": 2,
         "priceAsOf": "2026-01-31", "capabilities": {"supportsN": true, "supportsSeed": false, "returnsReasoning": false}}
        """

    static func catalog(provider: String) -> [UInt8] { Array("{\"version\": 1, \"providers\": [\(provider)]}".utf8) }

    @Test(arguments: [
        ("{\"id\": \"p\", \"displayName\": \"P\", \"baseURL\": \"ftp://x\", \"keyRequired\": true, \"models\": [\(validModel)]}",
         "providers[0] \"p\".baseURL: must be an http(s) URL, or null for a user-supplied base URL"),
        ("{\"id\": \"P Q\", \"displayName\": \"P\", \"baseURL\": null, \"keyRequired\": true, \"models\": [\(validModel)]}",
         "providers[0] \"P Q\".id: must use only a-z, 0-9, '-' and '_' (it appears in URLs and the command line)"),
        ("{\"id\": \"p\", \"displayName\": \"P\", \"baseURL\": null, \"models\": [\(validModel)]}",
         "providers[0] \"p\".keyRequired: is required (true or false)"),
        ("{\"id\": \"p\", \"displayName\": \"P\", \"baseURL\": null, \"keyRequired\": true, \"models\": []}",
         "providers[0] \"p\".models: must be a non-empty array (use id \"*\" to accept any model name)"),
        ("{\"id\": \"p\", \"displayName\": \"P\", \"baseURL\": null, \"keyRequired\": true, \"modelz\": 1, \"models\": [\(validModel)]}",
         "providers[0] \"p\".modelz: unknown field"),
        ("{\"id\": \"p\", \"displayName\": \"P\", \"baseURL\": null, \"keyRequired\": true, \"models\": [\(validModel.replacingOccurrences(of: "\"inputPricePerMillionUSD\": 1", with: "\"inputPricePerMillionUSD\": -1"))]}",
         "providers[0] \"p\".models[0] \"m1\".inputPricePerMillionUSD: must be a number of USD at or above 0"),
        ("{\"id\": \"p\", \"displayName\": \"P\", \"baseURL\": null, \"keyRequired\": true, \"models\": [\(validModel.replacingOccurrences(of: "2026-01-31", with: "2026-02-30"))]}",
         "providers[0] \"p\".models[0] \"m1\".priceAsOf: must be a date written YYYY-MM-DD"),
        ("{\"id\": \"p\", \"displayName\": \"P\", \"baseURL\": null, \"keyRequired\": true, \"models\": [\(validModel.replacingOccurrences(of: "\"contextWindow\": 1000", with: "\"contextWindow\": 0.5"))]}",
         "providers[0] \"p\".models[0] \"m1\".contextWindow: must be a whole number above 0"),
        ("{\"id\": \"p\", \"displayName\": \"P\", \"baseURL\": null, \"keyRequired\": true, \"models\": [\(validModel.replacingOccurrences(of: "\"supportsN\": true", with: "\"supportsN\": \"yes\""))]}",
         "providers[0] \"p\".models[0] \"m1\".capabilities.supportsN: must be true or false"),
        ("{\"id\": \"p\", \"displayName\": \"P\", \"baseURL\": null, \"keyRequired\": true, \"models\": [\(validModel), \(validModel)]}",
         "providers[0] \"p\".models[1] \"m1\".id: duplicate model id"),
        ("{\"id\": \"p\", \"displayName\": \"P\", \"baseURL\": null, \"keyRequired\": true, \"models\": [\(validModel.replacingOccurrences(of: "\"contextWindow\": 1000", with: "\"contextWindow\": 1000, \"typicalSpeed\": {\"firstTokenMs\": 800, \"tokensPerSecond\": 0, \"asOf\": \"2026-11-30\"}"))]}",
         "providers[0] \"p\".models[0] \"m1\".typicalSpeed.tokensPerSecond: must be a number above 0"),
    ])
    func overrideFileErrorsNameTheEntryAndField(provider: String, expected: String) {
        do {
            _ = try ProviderCatalog(jsonBytes: Self.catalog(provider: provider))
            Issue.record("expected an error: \(expected)")
        } catch {
            #expect(error.problems.map { "\($0.path): \($0.message)" } == [expected])
        }
    }

    @Test func everyProblemIsReportedInOnePass() {
        let bytes = Array("{\"providers\": [{\"id\": \"a\"}, {\"id\": \"a\", \"displayName\": 3}]}".utf8)
        do {
            _ = try ProviderCatalog(jsonBytes: bytes)
            Issue.record("expected errors")
        } catch {
            #expect(error.problems.count >= 5)
            #expect(error.description.contains("providers[1] \"a\".displayName: must be a non-empty string"))
            #expect(error.description.contains("providers[0] \"a\".keyRequired: is required (true or false)"))
        }
    }

    @Test(arguments: [
        ("[]", "catalog: must be a JSON object with a \"providers\" array"),
        ("{\"providers\": []}", "catalog.providers: must be a non-empty array of providers"),
        ("{\"version\": 2, \"providers\": [{}]}", "catalog.version: must be 1 (this build reads catalog version 1)"),
        ("{\"providers\": [", "catalog: not valid JSON: unexpected end of JSON at byte 15"),
    ])
    func malformedFilesSayWhatIsWrong(text: String, firstProblem: String) {
        do {
            _ = try ProviderCatalog(jsonBytes: Array(text.utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.problems.first.map { "\($0.path): \($0.message)" } == firstProblem)
        }
    }
}
