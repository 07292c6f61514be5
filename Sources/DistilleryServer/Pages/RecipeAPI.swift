import DistilleryCore
import DistilleryStorage

// POST /api/recipes  (Distillery's recipe JSON, or Oumi's synthesis recipe, told apart by shape)
//   ->  201 {recipe summary, "format", "warnings": [{"path","rule"}]} + Location; 422 naming each path; 400 on bad JSON
func createRecipeJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let user = try context.requireUser()
    let imported = try readRecipeBody(request, context)
    let stored = try context.services.recipes.create(imported.recipe, userID: user.id, now: context.services.now())
    var response = jsonResponse(savedRecipeJSON(stored, imported, context), status: 201)
    response.headers.set("Location", "/api/recipes/\(stored.id)")
    return response
}

// GET /api/recipes/{id}[?format=oumi]  — twin of /recipes/{id}; `format=oumi` gives Oumi's recipe JSON alone.
func getRecipeJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let summary = try requireRecipeSummary(request, context)
    switch request.query("format") {
    case nil, "distillery": return jsonResponse(summary.json)
    case "oumi": return jsonResponse(summary.recipe.oumiJSON)
    case let other?:
        throw AppError.badRequest("format must be distillery or oumi; got \"\(other.prefix(40))\".")
    }
}

// PUT /api/recipes/{id}  (a whole recipe, either format)  ->  200 with the saved recipe; 422; 404
// Oumi's format has no name or description, so an Oumi body keeps the recipe's own.
func updateRecipeJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let summary = try requireRecipeSummary(request, context)
    var imported = try readRecipeBody(request, context)
    if imported.format == .oumi {
        imported.recipe.name = summary.recipe.name
        imported.recipe.description = summary.recipe.description
    }
    guard let stored = try context.services.recipes.update(id: summary.id, imported.recipe, now: context.services.now())
    else { throw AppError.notFound("No recipe \(summary.id).") }
    return jsonResponse(savedRecipeJSON(stored, imported, context))
}

// DELETE /api/recipes/{id}  ->  204; 409 while a queued or running job uses it
func deleteRecipeJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    try deleteRecipe(request, context)
    return HTTPResponse(status: 204)
}

// POST /api/recipes/{id}/duplicate  ->  201 with the copy
func duplicateRecipeJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let copy = try duplicateRecipe(request, context)
    var response = jsonResponse(RecipeSummary(copy, catalog: context.services.catalog).json, status: 201)
    response.headers.set("Location", "/api/recipes/\(copy.id)")
    return response
}

func requireRecipeSummary(_ request: HTTPRequest, _ context: RequestContext) throws -> RecipeSummary {
    let text = request.pathParameters["id"] ?? ""
    guard let id = Int64(text), id > 0, let stored = try context.services.recipes.get(id: id) else {
        throw AppError.notFound("No recipe \(text.prefix(40)).")
    }
    return RecipeSummary(stored, catalog: context.services.catalog)
}

func duplicateRecipe(_ request: HTTPRequest, _ context: RequestContext) throws -> StoredRecipe {
    let user = try context.requireUser()
    let summary = try requireRecipeSummary(request, context)
    guard let copy = try context.services.recipes.duplicate(id: summary.id, userID: user.id, now: context.services.now()) else {
        throw AppError.notFound("No recipe \(summary.id).")
    }
    return copy
}

/// Only the recipe's creator or an admin may delete it, as for datasets; never while a job uses it.
func deleteRecipe(_ request: HTTPRequest, _ context: RequestContext) throws {
    let user = try context.requireUser()
    let summary = try requireRecipeSummary(request, context)
    guard let stored = try context.services.recipes.get(id: summary.id) else { throw AppError.notFound("No recipe \(summary.id).") }
    guard user.mayDelete(createdBy: stored.createdBy) else {
        throw AppError.forbidden("Only the recipe's creator or an admin can delete it.")
    }
    switch try context.services.recipes.delete(id: summary.id) {
    case .deleted: return
    case .notFound: throw AppError.notFound("No recipe \(summary.id).")
    case .inUse(let active):
        throw AppError.conflict(
            "\"\(summary.name)\" is used by \(active) queued or running synthesis job\(active == 1 ? "" : "s"); "
                + "delete it when \(active == 1 ? "that job has" : "they have") finished or been cancelled.")
    }
}

/// The body read as a recipe: malformed JSON is a 400 naming line and column; a recipe that breaks
/// rules is a 422 whose `fields` name each JSON path.
private func readRecipeBody(_ request: HTTPRequest, _ context: RequestContext) throws -> RecipeImport {
    let bytes: [UInt8]
    switch request.body {
    case .empty: bytes = []
    case .bytes(let body): bytes = body
    case .file: throw AppError.tooLarge("A recipe body may be at most 1 MiB.")
    }
    do {
        return try RecipeDocument.read(bytes: bytes, catalog: context.services.catalog)
    } catch let error as RecipeSyntaxError {
        throw AppError.badRequest(error.description)
    } catch let rejection as RecipeRejection {
        throw AppError.invalid("The recipe is not valid: " + rejection.description, fields: rejection.problems.rulesByPath)
    }
}

private func savedRecipeJSON(_ stored: StoredRecipe, _ imported: RecipeImport, _ context: RequestContext) -> SynthesisJSON {
    guard case .object(var members) = RecipeSummary(stored, catalog: context.services.catalog).json else { return .null }
    members.append(("format", .string(imported.format.rawValue)))
    members.append((
        "warnings",
        .array(imported.warnings.map { .object([("path", .string($0.path)), ("rule", .string($0.rule))]) })))
    return .object(members)
}
