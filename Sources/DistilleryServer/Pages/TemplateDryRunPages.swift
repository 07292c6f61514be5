import DistilleryCore
import DistilleryStorage
import Foundation

/// What a dry run showed: per category its prompt, the items the teacher returned (or why none could be used) and
/// their cost; the totals. The JSON of POST /api/templates/{id}/dry-run and the result part of the dry-run page.
struct TemplateDryRunView: Encodable {
    struct Field: Encodable {
        let name: String
        let value: String
    }

    struct Item: Encodable {
        let fields: [Field]
    }

    struct Call: Encodable {
        let stratum: String
        let values: [String: String]
        let prompt: String
        let asked: Int
        let items: [Item]
        let returned: Int
        let failure: String?
        let tokensIn: Int
        let tokensOut: Int
        let costUSD: Double
        let costText: String
    }

    let templateID: Int64
    let templateName: String
    let calls: [Call]
    let categories: Int
    /// Set when the variables make more categories than a dry run calls.
    let note: String?
    let items: Int
    let tokensIn: Int
    let tokensOut: Int
    let costUSD: Double
    let costText: String

    init(template: TemplateRecord, outcome: TemplateDryRun.Outcome) {
        templateID = template.id
        templateName = template.name
        func cost(_ value: Double) -> String { outcome.costKnown ? Formatting.usd(value) : SelfHostedCost.unknownText }
        calls = outcome.calls.map { call in
            Call(
                stratum: call.stratum.label, values: call.stratum.values, prompt: call.prompt, asked: call.asked,
                items: call.items.map { Item(fields: Self.fields(of: $0)) }, returned: call.items.count, failure: call.failure,
                tokensIn: call.tokensIn, tokensOut: call.tokensOut, costUSD: call.costUSD, costText: cost(call.costUSD))
        }
        categories = outcome.categories
        note = outcome.categories > outcome.calls.count
            ? "The variables make \(Formatting.count(outcome.categories)) categories; a dry run calls the first \(outcome.calls.count)." : nil
        items = outcome.calls.reduce(0) { $0 + $1.items.count }
        tokensIn = outcome.calls.reduce(0) { $0 + $1.tokensIn }
        tokensOut = outcome.calls.reduce(0) { $0 + $1.tokensOut }
        costUSD = outcome.calls.reduce(0) { $0 + $1.costUSD }
        costText = cost(costUSD)
    }

    /// An item's fields as the template type names them.
    static func fields(of item: GeneratedItem) -> [Field] {
        switch item {
        case .prompt(let prompt): [Field(name: "prompt", value: prompt)]
        case .qa(let question, let answer): [Field(name: "question", value: question), Field(name: "answer", value: answer)]
        case .dialogue(let turns): turns.map { Field(name: $0.role, value: $0.content) }
        case .transform(let output): [Field(name: "output", value: output)]
        }
    }
}

/// The dry-run page: the form (variables as form text, items per call, the teacher) and, after a run, its result.
struct TemplateDryRunPage {
    var chrome: PageChrome
    let templateID: Int64
    let templateName: String
    let templateTypeTitle: String
    let templatePrompt: String
    let variables: String
    let itemsPerCall: String
    let teacher: TeacherFieldsBlock
    var fieldErrors: [String: String] = [:]
    var formError: String?
    var result: TemplateDryRunView?

    init(context: RequestContext, template: TemplateRecord, fields: [String: String]) throws {
        chrome = context.chrome(section: .jobs)
        templateID = template.id
        templateName = template.name
        templateTypeTitle = template.type.title
        templatePrompt = template.prompt
        variables = fields["variables"] ?? template.variables.map { "\($0): " }.joined(separator: "\n")
        itemsPerCall = fields["items_per_call"] ?? String(GenerationLedger.defaultItemsPerCall)
        teacher = try TeacherFieldsBlock(context: context, fields: fields)
    }

    /// The form as the API's body: the variables' form text read line by line (a problem names its line).
    static func requestJSON(_ fields: [String: String]) throws -> SynthesisJSON {
        var members: [(key: String, value: SynthesisJSON)] = []
        do {
            members.append(("variables", GenerationVariablesReader.json(try GenerationVariablesReader.read(formText: fields["variables"] ?? ""))))
        } catch {
            throw AppError.invalid("Check the fields marked.", fields: ["variables": error.description])
        }
        if let text = fields["items_per_call"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            members.append(("items_per_call", Double(text).map(SynthesisJSON.number) ?? .string(text)))
        }
        return .object(members + TeacherFieldsBlock.formTeacher(fields))
    }
}

// GET /templates/{id}/dry-run  — the dry-run form (409 for a transform template).  JSON twin: POST /api/templates/{id}/dry-run
func showTemplateDryRun(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let template = try TemplateDryRun.runnableTemplate(request, context)
    return context.renderer.html(.templateDryRun, try TemplateDryRunPage(context: context, template: template, fields: [:]))
}

// POST /templates/{id}/dry-run  — runs it and shows the items and their cost under the form (nothing is stored);
// a bad field or a refused key shows the form again (422) with the messages.
func submitTemplateDryRun(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let template = try TemplateDryRun.runnableTemplate(request, context)
    let given = try FormFields.fields(request)
    let fields = given.filter { $0.key != "api_key" }
    @Sendable func answer(_ outcome: Result<TemplateDryRun.Outcome, any Error>) throws -> HTTPResponse {
        var page = try TemplateDryRunPage(context: context, template: template, fields: fields)
        do {
            page.result = TemplateDryRunView(template: template, outcome: try outcome.get())
            return context.renderer.html(.templateDryRun, page)
        } catch AppError.invalid(let message, let problems) {
            page.fieldErrors = TeacherFieldsBlock.formFieldErrors(problems)
            page.formError = message
            return context.renderer.html(.templateDryRun, page, status: 422)
        }
    }
    let dryRun: GenerationRequest
    do {
        dryRun = try TemplateDryRun.read(try TemplateDryRunPage.requestJSON(given), template: template)
    } catch {
        return try answer(.failure(error))
    }
    return try TemplateDryRun.start(dryRun, context: context, answer: answer)
}

// POST /api/templates/{id}/dry-run  (JSON: variables, combinations?, items_per_call? (≤ 10), seed?, teacher {…} or
// recipe_id, api_key or saved_key_id)  ->  200 with one call per category (at most 20): its prompt, items, tokens and
// cost, and the totals; nothing is stored.  422 with errors keyed by JSON path (a refused key under api_key).
// HTML twin: POST /templates/{id}/dry-run
func dryRunTemplateJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let template = try requireTemplate(request, context)
    let dryRun = try TemplateDryRun.read(try request.jsonBody(), template: template)
    return try TemplateDryRun.start(dryRun, context: context) { outcome in
        context.renderer.json(TemplateDryRunView(template: template, outcome: try outcome.get()))
    }
}
