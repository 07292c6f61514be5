import DistilleryCore
import DistilleryStorage
import Foundation

struct SynthesisDialog {
    struct ModelOption {
        let id: String
        let displayName: String
        let priceText: String
        let selected: Bool
    }

    struct ProviderOption {
        let id: String
        let displayName: String
        let custom: Bool
        let selected: Bool
        let models: [ModelOption]
    }

    struct StructuredOutputOption {
        let value: String
        let label: String
        let selected: Bool
    }

    struct SavedKeyOption {
        let id: Int64
        let providerName: String
        let label: String
        let lastFour: String
        let selected: Bool
    }

    struct EstimateText {
        let costText: String
        let durationText: String
        let requests: String
        let tokensText: String
        let assumption: String?
    }

    var chrome: PageChrome
    let datasetID: Int64
    let datasetName: String
    let seedCountText: String
    let providers: [ProviderOption]
    let savedKeys: [SavedKeyOption]
    let baseURL: String
    let customModel: String
    let supportsN: Bool
    let structuredOutputOptions: [StructuredOutputOption]
    let rejectionSampling: Bool
    let keepReasoning: Bool
    let temperature: String
    let maxNewTokens: String
    let seed: String
    let maxInFlight: String
    let requestsPerMinute: String
    let tokensPerMinute: String
    let expectedCompletionTokens: String
    let maxTokensCap: String
    let judgeMaxTokens: String
    /// The child's split fractions (`split_*`; empty: not split).
    let splitTrain: String
    let splitValidation: String
    let splitTest: String
    /// Set when the expected answer is longer than max new tokens: most answers would be cut off.
    let tokenLimitWarning: String?
    let inputPricePerMillion: String
    let outputPricePerMillion: String
    /// The Judge section: candidates, the judge's endpoint, the family warning.
    let judge: SynthesisJudgeBlock
    /// Shown before the start when the seeds cannot reach the 100 rows training needs.
    let sizeWarning: String?
    var estimate: EstimateText?
    var priceAsOf: String?
    var fieldErrors: [String: String] = [:]
    var formError: String?
    /// Start from a recipe, the recipe the form carries, save as a recipe.
    var recipeSection: SynthesisDialogRecipeSection?

    init(context: RequestContext, dataset: DatasetRecord, fields: [String: String]) throws {
        chrome = context.chrome(section: .datasets)
        datasetID = dataset.id
        datasetName = dataset.name
        seedCountText = Formatting.count(dataset.rowCount)
        let catalog = context.services.catalog
        providers = Self.providerOptions(catalog: catalog, fields: fields)
        let user = try context.requireUser()
        let keys = try TeacherKeyStore(database: context.database).list(userID: user.id)
        judge = SynthesisJudgeBlock(fields: fields, catalog: catalog, savedKeys: keys)
        savedKeys = Self.savedKeyOptions(keys, fields: fields)
        baseURL = fields["base_url"] ?? ""
        customModel = fields["custom_model"] ?? ""
        supportsN = fields["supports_n"] == "true"
        structuredOutputOptions = Self.structuredOutputOptions(fields: fields)
        rejectionSampling = fields["rejection_sampling"] == "true"
        keepReasoning = fields["keep_reasoning"] == "true"
        temperature = fields["temperature"] ?? "0.7"
        maxNewTokens = fields["max_new_tokens"] ?? "1024"
        seed = fields["seed"] ?? ""
        maxInFlight = fields["max_in_flight"] ?? "16"
        requestsPerMinute = fields["requests_per_minute"] ?? ""
        tokensPerMinute = fields["tokens_per_minute"] ?? ""
        expectedCompletionTokens = fields["expected_completion_tokens"] ?? "500"
        maxTokensCap = fields["max_tokens_cap"] ?? ""
        judgeMaxTokens = fields["judge_max_tokens"] ?? ""
        splitTrain = fields["split_train"] ?? ""
        splitValidation = fields["split_validation"] ?? ""
        splitTest = fields["split_test"] ?? ""
        tokenLimitWarning = Self.tokenLimitWarning(
            expected: Int(expectedCompletionTokens.trimmingCharacters(in: .whitespaces)),
            maxNewTokens: Int(maxNewTokens.trimmingCharacters(in: .whitespaces)),
            cap: Int(maxTokensCap.trimmingCharacters(in: .whitespaces)))
        inputPricePerMillion = fields["input_price_per_million"] ?? ""
        outputPricePerMillion = fields["output_price_per_million"] ?? ""
        var ignored: [String: String] = [:]
        sizeWarning = SynthesisSizeCheck.warning(
            seedCount: dataset.rowCount, distribution: RecipeRunFields.distribution(in: fields, problems: &ignored))
    }

    /// The teacher choices, the one in `fields` (`provider`, `model`) selected.
    /// The ways a custom server may take a schema, the field's value chosen (none when absent or unreadable).
    static func structuredOutputOptions(fields: [String: String]) -> [StructuredOutputOption] {
        let chosen = fields["supports_structured_output"].flatMap(StructuredOutputStyle.init(field:)) ?? .none
        return StructuredOutputStyle.allCases.map { style in
            let label = switch style {
            case .none: "None: the prompt describes the format"
            case .jsonSchema: "json_schema (OpenAI, vLLM, llama.cpp's llama-server)"
            case .jsonObjectSchema: "json_object with a schema (llama-cpp-python)"
            }
            return StructuredOutputOption(value: style.rawValue, label: label, selected: style == chosen)
        }
    }

    static func providerOptions(catalog: ProviderCatalog, fields: [String: String]) -> [ProviderOption] {
        let chosenProvider = fields["provider"].flatMap { catalog.provider(id: $0)?.id } ?? SynthesisService.defaultProvider
        return catalog.providers.map { provider in
            ProviderOption(
                id: provider.id, displayName: provider.displayName, custom: provider.baseURL == nil, selected: provider.id == chosenProvider,
                models: provider.models.filter { !$0.acceptsAnyName }.map { model in
                    ModelOption(
                        id: model.id, displayName: model.displayName,
                        priceText: "$\(Self.price(model.inputPricePerMillionUSD)) in / $\(Self.price(model.outputPricePerMillionUSD)) out per M tokens",
                        selected: provider.id == chosenProvider && model.id == fields["model"])
                })
        }
    }

    /// The user's saved keys, the one in `fields` (`saved_key_id`) selected.
    static func savedKeyOptions(_ keys: [TeacherKeyInfo], fields: [String: String]) -> [SavedKeyOption] {
        keys.map {
            SavedKeyOption(
                id: $0.id, providerName: TeacherKeyProviders.name(of: $0.provider) ?? $0.provider, label: $0.label, lastFour: $0.lastFour,
                selected: fields["saved_key_id"] == String($0.id))
        }
    }

    /// Compares the expected answer length with the limit: answers longer than max new tokens are cut off and
    /// retried with a doubled limit (more requests and cost), or skipped when even the cap is too short.
    static func tokenLimitWarning(expected: Int?, maxNewTokens: Int?, cap: Int?) -> String? {
        guard let expected, let maxNewTokens, expected > maxNewTokens else { return nil }
        let cap = cap ?? SynthesisSettings.defaultCap(maxNewTokens: maxNewTokens)
        var text = "The expected answer (\(Formatting.count(expected)) tokens) is longer than max new tokens (\(Formatting.count(maxNewTokens))): "
        if expected > cap {
            text += "answers will be cut off even at the cap (\(Formatting.count(cap))) and skipped. Raise max new tokens or the cap."
        } else {
            text += "answers will be cut off and retried with a doubled limit, costing extra requests. Raise max new tokens."
        }
        return text
    }

    /// Fills the estimate panel from the form's values; a field problem leaves it empty (and is shown when asked).
    mutating func fillEstimate(dataset: DatasetRecord, fields: [String: String], context: RequestContext, showProblems: Bool) throws {
        do {
            let (estimate, model) = try estimateFor(dataset: dataset, fields: fields, context: context)
            self.estimate = EstimateText(
                costText: estimate.costText, durationText: estimate.durationText, requests: Formatting.count(estimate.requests),
                tokensText: "\(Formatting.count(estimate.promptTokens)) / \(Formatting.count(estimate.completionTokens))",
                assumption: estimate.assumption)
            priceAsOf = model?.priceAsOf
        } catch AppError.invalid(_, let problems) {
            if showProblems { fieldErrors = problems }
        }
    }

    static func price(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}

// GET /datasets/{id}/synthesize  — the synthesis dialog with its cost and time estimate (the query
// may carry the form's values: "Recalculate estimate" works without JavaScript).
// JSON twins: GET /api/datasets/{id}/synthesis/estimate, GET /api/providers
// `recipe_id` fills it from a recipe ("Use recipe"), `from_job` from a job's snapshot (Run again); fields in the
// query win over both.
func showSynthesisDialog(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let dataset = try synthesizableDataset(request, context)
    var query: [String: String] = [:]
    for item in request.queryItems where query[item.name] == nil { query[item.name] = item.value }
    let prefill: SynthesisDialogPrefill
    do {
        prefill = try SynthesisDialogPrefill(query: query, services: context.services)
    } catch AppError.invalid(let message, let problems) {
        // An unknown recipe: the dialog as it would be without it, saying why.
        var dialog = try SynthesisDialog(context: context, dataset: dataset, fields: [:])
        dialog.recipeSection = try SynthesisDialogRecipeSection(recipes: context.services.recipes, fields: [:], recipe: nil, notice: nil)
        dialog.fieldErrors = problems
        dialog.formError = message
        return context.renderer.html(.synthesisDialog, dialog, status: 422)
    }
    let fields = prefill.fields
    var dialog = try SynthesisDialog(context: context, dataset: dataset, fields: fields)
    dialog.recipeSection = try SynthesisDialogRecipeSection(
        recipes: context.services.recipes, fields: fields, recipe: prefill.recipe,
        notice: query["notice"].flatMap { SynthesisDialogRecipeSection.notices[$0] })
    try dialog.fillEstimate(dataset: dataset, fields: fields, context: context, showProblems: !query.isEmpty)
    if let missing = prefill.missingBaseURL { dialog.fieldErrors[missing.path] = missing.rule }
    return context.renderer.html(.synthesisDialog, dialog)
}

// POST /datasets/{id}/synthesize  ->  303 /synthesis/{job} once the pre-flight has passed (answered off
// the HTTP thread); a failed pre-flight or bad field re-renders the dialog (422).
// JSON twin: POST /api/datasets/{id}/synthesis
func submitSynthesis(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let dataset = try synthesizableDataset(request, context)
    let fields = try FormFields.fields(request)
    @Sendable func answer(_ started: Result<Int64, any Error>) throws -> HTTPResponse {
        do {
            return Renderer.redirect(to: "/synthesis/\(try started.get())")
        } catch AppError.invalid(let message, let problems) {
            var kept = fields
            kept["api_key"] = nil
            var dialog = try SynthesisDialog(context: context, dataset: dataset, fields: kept)
            // The recipe the form carried stays chosen (an unknown one was the refusal's reason, shown by its field).
            let carried = try Int64(kept["recipe_id"] ?? "").flatMap { try context.services.recipes.get(id: $0) }
            dialog.recipeSection = try SynthesisDialogRecipeSection(recipes: context.services.recipes, fields: kept, recipe: carried, notice: nil)
            // The estimate panel stays filled after a refused start; the refusal's own field messages win.
            try dialog.fillEstimate(dataset: dataset, fields: kept, context: context, showProblems: false)
            dialog.fieldErrors = problems
            dialog.formError = message
            return context.renderer.html(.synthesisDialog, dialog, status: 422)
        }
    }
    let synthesisRequest: SynthesisRequest
    do {
        synthesisRequest = try SynthesisRecipeFields.request(fields, services: context.services)
    } catch {
        return try answer(.failure(error))
    }
    return try SynthesisService.start(datasetID: dataset.id, request: synthesisRequest, context: context, answer: answer)
}

// GET /api/datasets/{id}/synthesis/estimate?provider=&model=&rejection_sampling=&...  — cost, tokens, requests, duration.
func getSynthesisEstimateJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    struct Body: Encodable {
        let estimate: EstimateView
        let priceAsOf: String?
    }
    let dataset = try context.datasets.requireDataset(id: request.datasetID())
    var fields: [String: String] = [:]
    for item in request.queryItems where fields[item.name] == nil { fields[item.name] = item.value }
    let (estimate, model) = try estimateFor(dataset: dataset, fields: fields, context: context)
    return context.renderer.json(Body(estimate: estimate, priceAsOf: model?.priceAsOf))
}

// GET /synthesis/{job}  — progress, followed live while the job runs; skipped seeds by reason; cancel.
// JSON twin: GET /api/synthesis/{job}
func showSynthesisJobPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let skippedPage = request.query("skipped_page").flatMap { Int($0) } ?? 1
    var view = try SynthesisJobView.load(jobID: try request.jobID(), services: context.services, skippedPage: skippedPage)
    view.chrome = context.chrome(section: .datasets)
    if let job = try context.services.synthesis.job(id: view.jobID) {
        view.runAgain = try RunAgainSection(job: job, datasets: context.datasets)
    }
    return context.renderer.html(.synthesisJob, view)
}

// POST /synthesis/{job}/cancel  ->  303 /synthesis/{job}.  JSON twin: POST /api/synthesis/{job}/cancel
func submitSynthesisCancel(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let jobID = try request.jobID()
    try cancelSynthesis(jobID: jobID, context: context)
    return Renderer.redirect(to: "/synthesis/\(jobID)")
}

func synthesizableDataset(_ request: HTTPRequest, _ context: RequestContext) throws -> DatasetRecord {
    let dataset = try context.datasets.requireDataset(id: request.datasetID())
    guard dataset.mode == .seeds, dataset.status == .validSeeds || dataset.status == .synthesizing else {
        throw AppError.conflict("Only a seeds dataset that is ready to synthesize can be synthesized; this one is \(dataset.status.label.lowercased()).")
    }
    return dataset
}

private func estimateFor(dataset: DatasetRecord, fields: [String: String], context: RequestContext) throws -> (EstimateView, TeacherModel?) {
    var withoutKey = fields
    withoutKey["api_key"] = nil
    let resolved = try SynthesisRecipeFields.resolve(withoutKey, services: context.services, requireBaseURL: false)
    let request = try SynthesisService.request(from: resolved.fields)
    let settings = try SynthesisService.settings(for: request, catalog: context.services.catalog)
    let model = context.services.catalog.provider(id: settings.provider)?.model(named: settings.model)
    guard let model else { throw AppError.invalid("Unknown model.", fields: ["model": "Unknown model."]) }
    let seeds = try SynthesisService.seedInputs(datasetID: dataset.id, services: context.services)
    let estimate = SynthesisService.estimate(seeds: seeds, skillPrompt: dataset.skillPrompt ?? "", settings: settings, request: request, model: model)
    return (estimate, model)
}
