import DistilleryCore
import DistilleryStorage

// GET /recipes  — JSON twin: GET /api/recipes
func showRecipeListPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.html(.recipeList, try recipeListView(context))
}

// GET /api/recipes  ->  {"recipes": [...]} by name
func getRecipeListJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    jsonResponse(try recipeListView(context).json)
}

private func recipeListView(_ context: RequestContext) throws -> RecipeListView {
    RecipeListView(
        chrome: context.chrome(section: .recipes),
        recipes: try context.services.recipes.list().map { RecipeSummary($0, catalog: context.services.catalog) })
}

extension RecipeSummary {
    init(_ stored: StoredRecipe, catalog: ProviderCatalog) {
        self.init(
            id: stored.id, recipe: stored.recipe, catalog: catalog, usedByJobs: stored.usedByJobs, activeJobs: stored.activeJobs,
            createdByName: stored.createdByName, createdAt: stored.createdAt, updatedAt: stored.updatedAt)
    }
}

/// A response whose body is our own ordered JSON value (recipes keep their key order).
func jsonResponse(_ value: SynthesisJSON, status: Int = 200) -> HTTPResponse {
    var headers = HTTPHeaders()
    headers.set("Content-Type", "application/json; charset=utf-8")
    return HTTPResponse(status: status, headers: headers, body: .bytes(value.serializedBytes))
}
