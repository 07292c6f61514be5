import DistilleryCore
import DistilleryStorage

/// The teacher part of a form that runs a template on a teacher (seed expansion, a template's dry run), rendered by
/// the `teacher_fields` partial: a recipe that supplies the endpoint, or the endpoint itself (provider and model, or a
/// custom server's base URL, model name and prices), and a pasted or saved key. The field names are synthesis's, so
/// `formTeacher(_:)` hands them to the generation request's reader as they are.
struct TeacherFieldsBlock {
    struct RecipeOption {
        let id: Int64
        let name: String
        let selected: Bool
    }

    let recipes: [RecipeOption]
    let hasRecipes: Bool
    let providers: [SynthesisDialog.ProviderOption]
    let savedKeys: [SynthesisDialog.SavedKeyOption]
    let baseURL: String
    let customModel: String
    let inputPricePerMillion: String
    let outputPricePerMillion: String
    let structuredOutputOptions: [SynthesisDialog.StructuredOutputOption]
    /// The fieldset's name: "Teacher", or "Judge" where the endpoint grades.
    let legend: String

    init(context: RequestContext, fields: [String: String], legend: String = "Teacher") throws {
        self.legend = legend
        let services = context.services
        recipes = try services.recipes.list().map { RecipeOption(id: $0.id, name: $0.recipe.name, selected: fields["recipe_id"] == String($0.id)) }
        hasRecipes = !recipes.isEmpty
        providers = SynthesisDialog.providerOptions(catalog: services.catalog, fields: fields)
        let user = try context.requireUser()
        savedKeys = SynthesisDialog.savedKeyOptions(try TeacherKeyStore(database: context.database).list(userID: user.id), fields: fields)
        baseURL = fields["base_url"] ?? ""
        customModel = fields["custom_model"] ?? ""
        inputPricePerMillion = fields["input_price_per_million"] ?? ""
        outputPricePerMillion = fields["output_price_per_million"] ?? ""
        structuredOutputOptions = SynthesisDialog.structuredOutputOptions(fields: fields)
    }

    /// The endpoint fields the partial posts (besides the key and recipe fields).
    static let endpointFields = [
        "provider", "model", "base_url", "custom_model", "supports_structured_output", "input_price_per_million", "output_price_per_million",
    ]

    /// The form's teacher as a generation request's JSON members: `recipe_id` alone when a recipe is chosen (it
    /// supplies the endpoint), else `teacher` with the endpoint fields; `api_key` or `saved_key_id` when given.
    static func formTeacher(_ fields: [String: String]) -> [(key: String, value: SynthesisJSON)] {
        func given(_ name: String) -> String? {
            fields[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        var members: [(key: String, value: SynthesisJSON)] = []
        if let recipe = given("recipe_id") {
            members.append(("recipe_id", .string(recipe)))
        } else {
            members.append(("teacher", .object(endpointFields.compactMap { name in given(name).map { (name, .string($0)) } })))
        }
        for name in ["api_key", "saved_key_id"] { if let value = given(name) { members.append((name, .string(value))) } }
        return members
    }

    /// A problem reported under `teacher.base_url` belongs to the form's `base_url` field.
    static func formFieldErrors(_ problems: [String: String]) -> [String: String] {
        Dictionary(problems.map { (key: $0.key.hasPrefix("teacher.") ? String($0.key.dropFirst("teacher.".count)) : $0.key, value: $0.value) }) { first, _ in first }
    }
}
