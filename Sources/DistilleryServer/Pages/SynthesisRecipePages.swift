import DistilleryCore
import DistilleryStorage

/// The synthesis dialog's recipe block: start from a recipe, the recipe the form carries, save as a recipe.
struct SynthesisDialogRecipeSection {
    struct Option {
        let id: Int64
        let name: String
        let selected: Bool
    }

    let options: [Option]
    let hasOptions: Bool
    /// The recipe the dialog was filled from; the form carries it, so the job records it.
    let recipeID: String
    let recipeName: String?
    let notice: String?
    /// What "Save as recipe" proposes as the new recipe's name.
    let newRecipeName: String

    init(recipes: RecipeStore, fields: [String: String], recipe: StoredRecipe?, notice: String?) throws {
        let chosen = recipe?.id
        options = try recipes.list().map { Option(id: $0.id, name: $0.recipe.name, selected: $0.id == chosen) }
        hasOptions = !options.isEmpty
        recipeID = chosen.map(String.init) ?? ""
        recipeName = recipe?.recipe.name
        self.notice = notice
        newRecipeName = fields["recipe_name"] ?? ""
    }

    static let notices = ["recipe-saved": "Saved as a new recipe; this dialog now starts from it."]
}

/// What the dialog opens with: the query's fields over a job's snapshot (`from_job`, Run again) and a
/// recipe (`recipe_id`, Use recipe), and the problem to show when the recipe still needs a base URL.
struct SynthesisDialogPrefill {
    var fields: [String: String]
    var recipe: StoredRecipe?
    var missingBaseURL: RecipeProblem?

    init(query: [String: String], services: Services) throws {
        var given = query
        given["notice"] = nil
        if let jobText = given.removeValue(forKey: "from_job") {
            guard let jobID = Int64(jobText), let job = try services.synthesis.job(id: jobID) else {
                throw AppError.notFound("No synthesis job \(jobText.prefix(40)).")
            }
            given = try RunAgain.fields(of: job).merging(given) { _, explicit in explicit }
        }
        let resolved = try SynthesisRecipeFields.resolve(given, services: services, requireBaseURL: false)
        fields = resolved.fields
        recipe = resolved.recipe
        missingBaseURL = resolved.recipe == nil ? nil : RecipeRunFields.missingBaseURL(in: fields, catalog: services.catalog)
    }
}

enum RunAgain {
    /// The fields that start a job like this one again: its snapshot, never a key (the user picks one again).
    static func fields(of job: SynthesisJobRecord) throws -> [String: String] {
        SkippedSeedRetry.merged(try SynthesisSettings.decode(job.settingsSnapshotJSON), with: [:])
    }
}

// POST /datasets/{id}/synthesize/recipe  (the dialog's fields and recipe_name)  ->  303 back to the dialog,
// filled from the new recipe with a notice; 422 (the dialog, fields marked) when the settings are not a valid
// recipe. The key fields are never read.  JSON twin: POST /api/recipes
func submitSynthesisSaveRecipe(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let user = try context.requireUser()
    let dataset = try synthesizableDataset(request, context)
    var fields = try FormFields.urlencoded(request)
    fields["api_key"] = nil
    fields[FormFields.csrfField] = nil
    let resolved = try SynthesisRecipeFields.resolve(fields, services: context.services, requireBaseURL: false)
    let (recipe, problems) = RecipeRunFields.recipe(from: resolved.fields, catalog: context.services.catalog)
    guard problems.isEmpty else {
        var dialog = try SynthesisDialog(context: context, dataset: dataset, fields: resolved.fields)
        dialog.recipeSection = try SynthesisDialogRecipeSection(
            recipes: context.services.recipes, fields: fields, recipe: resolved.recipe, notice: nil)
        try dialog.fillEstimate(dataset: dataset, fields: resolved.fields, context: context, showProblems: false)
        for problem in problems where dialog.fieldErrors[problem.path] == nil { dialog.fieldErrors[problem.path] = problem.rule }
        dialog.formError = "The recipe was not saved: fix the fields marked."
        return context.renderer.html(.synthesisDialog, dialog, status: 422)
    }
    let stored = try context.services.recipes.create(recipe, userID: user.id, now: context.services.now())
    var kept = fields
    for name in ["recipe_name", "recipe_description", "recipe_id"] { kept[name] = nil }
    kept["recipe_id"] = String(stored.id)
    kept["notice"] = "recipe-saved"
    let query = kept.sorted { $0.key < $1.key }
        .map { "\(FormDecoding.percentEncode($0.key))=\(FormDecoding.percentEncode($0.value))" }.joined(separator: "&")
    return Renderer.redirect(to: "/datasets/\(dataset.id)/synthesize?\(query)")
}

// GET /synthesis/{job}/run-again?dataset={id}  ->  303 to the dialog of that seeds dataset (the job's own by
// default), filled from the job's snapshot.  JSON twin: the job's `runAgainFields`, posted to
// POST /api/datasets/{id}/synthesis with a key.
func showSynthesisRunAgain(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let jobID = try request.jobID()
    guard let job = try context.services.synthesis.job(id: jobID) else { throw AppError.notFound("No synthesis job \(JobNumber.text(jobID)).") }
    let chosen = request.query("dataset").flatMap { Int64($0) } ?? job.parentDatasetID
    guard let datasetID = chosen else {
        throw AppError.conflict("The seeds dataset of this job is gone: choose another seeds dataset to run it again on.")
    }
    return Renderer.redirect(to: "/datasets/\(datasetID)/synthesize?from_job=\(jobID)")
}

/// The job page's Run again form: the seeds datasets ready to synthesize, the job's own first.
struct RunAgainSection {
    struct Option {
        let id: Int64
        let name: String
        let selected: Bool
    }

    let jobID: Int64
    let datasets: [Option]
    let hasDatasets: Bool

    init(job: SynthesisJobRecord, datasets store: DatasetStore) throws {
        jobID = job.jobID
        let ready = try store.list().filter { $0.mode == .seeds && ($0.status == .validSeeds || $0.status == .synthesizing) }
        datasets = ready.map { Option(id: $0.id, name: "\($0.name) (#\($0.id))", selected: $0.id == job.parentDatasetID) }
        hasDatasets = !datasets.isEmpty
    }
}
