import DistilleryCore
import DistilleryStorage

// GET /recipes/new  — the form with the catalog's first model.
func showNewRecipePage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let catalog = context.services.catalog
    return context.renderer.html(
        .recipe,
        RecipeFormView(
            chrome: context.chrome(section: .recipes), summary: nil, values: RecipeFormView.defaultValues(catalog: catalog),
            catalog: catalog))
}

// POST /recipes  (the form)  ->  303 /recipes/{id}; 422 with each field's error beside it.
func submitNewRecipe(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let user = try context.requireUser()
    let fields = try FormFields.urlencoded(request)
    switch formRecipe(fields, context) {
    case .failure(let rejection):
        return rerender(fields: fields, rejection: rejection, summary: nil, context: context)
    case .success(let recipe):
        let stored = try context.services.recipes.create(recipe, userID: user.id, now: context.services.now())
        return Renderer.redirect(to: "/recipes/\(stored.id)?notice=created")
    }
}

// GET /recipes/{id}  — shows the recipe as its edit form.  JSON twin: GET /api/recipes/{id}
func showRecipePage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let summary = try requireRecipeSummary(request, context)
    let notice = request.query("notice").flatMap { recipeNotices[$0] }
    return context.renderer.html(
        .recipe,
        RecipeFormView(
            chrome: context.chrome(section: .recipes), summary: summary, values: RecipeForm.values(of: summary.recipe),
            notice: notice, catalog: context.services.catalog))
}

// POST /recipes/{id}  (the form)  ->  303 /recipes/{id}; 422 with each field's error beside it.
func submitRecipeUpdate(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let summary = try requireRecipeSummary(request, context)
    let fields = try FormFields.urlencoded(request)
    switch formRecipe(fields, context) {
    case .failure(let rejection):
        return rerender(fields: fields, rejection: rejection, summary: summary, context: context)
    case .success(let recipe):
        guard try context.services.recipes.update(id: summary.id, recipe, now: context.services.now()) != nil else {
            throw AppError.notFound("No recipe \(summary.id).")
        }
        return Renderer.redirect(to: "/recipes/\(summary.id)?notice=saved")
    }
}

// POST /recipes/{id}/duplicate  ->  303 /recipes/{new id}
func submitRecipeDuplicate(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let copy = try duplicateRecipe(request, context)
    return Renderer.redirect(to: "/recipes/\(copy.id)?notice=duplicated")
}

// POST /recipes/{id}/delete  ->  303 /recipes; 409 (the recipe page with the reason) while a job uses it.
func submitRecipeDeletion(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let summary = try requireRecipeSummary(request, context)
    do {
        try deleteRecipe(request, context)
        return Renderer.redirect(to: "/recipes")
    } catch let error as AppError where error.status == 409 {
        return context.renderer.html(
            .recipe,
            RecipeFormView(
                chrome: context.chrome(section: .recipes), summary: summary, values: RecipeForm.values(of: summary.recipe),
                message: error.message, catalog: context.services.catalog),
            status: 409)
    }
}

private let recipeNotices = [
    "created": "Recipe created.", "saved": "Changes saved.", "duplicated": "This is a copy; rename it and adjust what differs.",
]

/// The form read and validated; every problem is named by its form field.
private func formRecipe(_ fields: [String: String], _ context: RequestContext) -> Result<Recipe, RecipeRejection> {
    let (recipe, typeProblems) = RecipeForm.decode(fields)
    let problems = typeProblems + recipe.problems(catalog: context.services.catalog, format: .form)
    return problems.isEmpty ? .success(recipe) : .failure(RecipeRejection(format: .form, problems: problems))
}

private func rerender(fields: [String: String], rejection: RecipeRejection, summary: RecipeSummary?, context: RequestContext) -> HTTPResponse {
    var values = fields
    values[FormFields.csrfField] = nil
    return context.renderer.html(
        .recipe,
        RecipeFormView(
            chrome: context.chrome(section: .recipes), summary: summary, values: values, problems: rejection.problems,
            message: "The recipe was not saved: fix the fields marked below.", catalog: context.services.catalog),
        status: 422)
}
