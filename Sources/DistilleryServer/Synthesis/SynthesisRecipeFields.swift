import DistilleryCore
import DistilleryStorage

/// The fields a synthesis start is read from, once a recipe and the dialog's own conventions are applied.
struct ResolvedSynthesisFields: Sendable {
    var fields: [String: String]
    /// The recipe the run starts from (`recipe_id`), stored with the job.
    var recipe: StoredRecipe?
}

/// `recipe_id` on a synthesis start or estimate: the recipe's settings, under the fields given (which win).
enum SynthesisRecipeFields {
    /// The dialog's checkboxes. The dialog form carries `dialog=1`, so an unchecked box (absent from the
    /// form) reads as off instead of letting the recipe's value come back.
    static let dialogCheckboxes = ["rejection_sampling", "keep_reasoning", "supports_n"]

    /// `requireBaseURL`: a start refuses (422, naming the field) a custom endpoint still without a base URL;
    /// the dialog and the estimate show the fields as they are, and the estimate's own check names the field.
    static func resolve(_ given: [String: String], services: Services, requireBaseURL: Bool) throws -> ResolvedSynthesisFields {
        var fields = given
        if fields["dialog"] == "1" {
            for name in dialogCheckboxes where fields[name] == nil { fields[name] = "false" }
        }
        fields["dialog"] = nil
        let idText = (fields.removeValue(forKey: "recipe_id") ?? "").trimmingCharacters(in: .whitespaces)
        guard !idText.isEmpty else { return ResolvedSynthesisFields(fields: fields, recipe: nil) }
        guard let id = Int64(idText), id > 0, let stored = try services.recipes.get(id: id) else {
            throw AppError.invalid("Unknown recipe.", fields: ["recipe_id": "No recipe \(idText.prefix(40)); choose one of /api/recipes."])
        }
        let merged = RecipeRunFields.merged(recipe: stored.recipe, overrides: fields, catalog: services.catalog)
        if requireBaseURL, let problem = RecipeRunFields.missingBaseURL(in: merged, catalog: services.catalog) {
            throw AppError.invalid(
                "The recipe \"\(stored.recipe.name)\" cannot run yet: \(problem.path) is missing.", fields: [problem.path: problem.rule])
        }
        return ResolvedSynthesisFields(fields: merged, recipe: stored)
    }

    /// The request a start runs: the resolved fields parsed, tied to the recipe they came from. `defaults` fill the
    /// fields that neither the given ones nor the recipe set (empty counts as not set).
    static func request(_ given: [String: String], over defaults: [String: String] = [:], services: Services) throws -> SynthesisRequest {
        let resolved = try resolve(given, services: services, requireBaseURL: true)
        let fields = resolved.fields.merging(defaults) { resolvedValue, defaultValue in resolvedValue.isEmpty ? defaultValue : resolvedValue }
        var request = try SynthesisService.request(from: fields)
        request.recipeID = resolved.recipe?.id
        return request
    }
}
