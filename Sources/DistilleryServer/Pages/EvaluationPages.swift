import DistilleryCore
import DistilleryStorage
import Foundation

// GET /evaluations  — every evaluation run, newest first, and a comparison link per held-out set with two or more
// finished runs.  JSON twin: GET /api/evaluations
func showEvaluationListPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.html(.evaluationList, try EvaluationPageLoader.list(services: context.services, chrome: context.chrome(section: .evaluations)))
}

// GET /api/evaluations  ->  {"runs": [...], "comparable": [...]}.  HTML twin: GET /evaluations
func getEvaluationListJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try EvaluationPageLoader.list(services: context.services, chrome: nil))
}

// GET /evaluations/{job}  — the run's live progress while it runs, and the report of the rows judged so far (the full
// report once it ended).  JSON twin: GET /api/evaluations/{job}
func showEvaluationPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let view = try EvaluationPageLoader.page(jobID: try request.evaluationID(), services: context.services, chrome: context.chrome(section: .evaluations))
    return context.renderer.html(.evaluation, view)
}

// GET /api/evaluations/{job}  ->  {"run": {status, progress…}, "report": {passedAll, dimensions (pass rates with 95% Wilson
// intervals), pairwise (win, tie, flip and length-controlled win rates), categories, student, teacher, worstRows},
// "failureModes", "usage" (cost per endpoint), "skipReasons"}.  HTML twin: GET /evaluations/{job}
func getEvaluationJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try EvaluationPageLoader.page(jobID: try request.evaluationID(), services: context.services, chrome: nil))
}

// GET /evaluations/compare?runs=4,7,9  — runs on one held-out set side by side (oldest first): pass rates per dimension,
// the trend chart, rows fixed and regressed from each run to the next; 422 when the runs' dataset or split differ.
// JSON twin: GET /api/evaluations/compare?runs=…
func showEvaluationComparePage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let view = try EvaluationPageLoader.compare(
        runs: request.query("runs"), services: context.services, chrome: context.chrome(section: .evaluations))
    return context.renderer.html(.evaluationCompare, view)
}

// GET /api/evaluations/compare?runs=4,7,9  ->  {"runs", "datasetID", "splitLabel", "comparison": {runs, dimensions, diffs,
// chart}}; 400 for a malformed list, 404 for an unknown run, 422 for runs on different held-out sets.
func getEvaluationCompareJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try EvaluationPageLoader.compare(runs: request.query("runs"), services: context.services, chrome: nil))
}

// GET /evaluations/new?dataset=ID  — the form that starts a run (dataset, split (test by default), student, judge,
// dimensions, recipe); posts to POST /evaluations.
func showNewEvaluationPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var values: [String: String] = [:]
    if let dataset = request.query("dataset") { values["dataset_id"] = dataset }
    return context.renderer.html(.evaluationNew, try EvaluationForm.view(context, values: values))
}

// POST /evaluations  (form: name, dataset_id, split, student_* and judge_* endpoint fields, dimension_<id> boxes,
// custom_dimensions (one JSON object a line), recipe_id)  ->  303 /evaluations/{job} once both endpoints' pre-flights
// passed; 422 re-renders the form with the problems.  JSON twin: POST /api/evaluations (the same service).
func submitNewEvaluation(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let fields = try FormFields.fields(request)
    @Sendable func answer(_ started: Result<Int64, any Error>) throws -> HTTPResponse {
        do {
            return Renderer.redirect(to: "/evaluations/\(try started.get())")
        } catch AppError.invalid(let message, let problems) {
            var kept = fields
            kept["student_api_key"] = nil
            kept["judge_api_key"] = nil
            let view = try EvaluationForm.view(context, values: kept, problems: problems, message: message)
            return context.renderer.html(.evaluationNew, view, status: 422)
        }
    }
    let evaluation: EvaluationRequest
    do {
        evaluation = try EvaluationService.read(try EvaluationForm.requestJSON(fields))
    } catch {
        return try answer(.failure(error))
    }
    return try EvaluationService.start(evaluation, context: context, answer: answer)
}

// POST /evaluations/{job}/cancel  ->  303 /evaluations/{job}; what was judged is kept.  JSON twin: POST /api/evaluations/{job}/cancel
func submitEvaluationCancel(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let jobID = try request.evaluationID()
    try EvaluationService.cancel(jobID: jobID, context: context)
    return Renderer.redirect(to: "/evaluations/\(jobID)")
}

extension HTTPRequest {
    /// The `{job}` path parameter as an evaluation run's id; a non-number is a 404, as for a missing run.
    func evaluationID() throws -> Int64 {
        guard let text = pathParameters["job"], let id = Int64(text), id > 0 else {
            throw AppError.notFound("No evaluation run \(pathParameters["job"] ?? "").")
        }
        return id
    }
}

/// The new-evaluation form: its view model, and its fields as `POST /api/evaluations`'s JSON.
enum EvaluationForm {
    static func view(
        _ context: RequestContext, values: [String: String], problems: [String: String] = [:], message: String? = nil
    ) throws -> EvaluationFormView {
        let services = context.services
        let datasets = try services.datasets.list()
            .filter { $0.mode == .chat && [.valid, .validWithWarnings, .readyForTraining].contains($0.status) }
            .map { (id: $0.id, name: $0.name) }
        let recipes = try services.recipes.list().map { (id: $0.id, name: $0.recipe.name) }
        let providers = services.catalog.providers.map { (id: $0.id, name: $0.displayName) }
        var fieldErrors: [String: String] = [:]
        for (path, problem) in problems { fieldErrors[EvaluationFormView.formField(forPath: path)] = problem }
        // A fresh form ticks every built-in; a rejected one keeps what was ticked.
        let ticked = values.isEmpty || values.keys.allSatisfy({ $0 == "dataset_id" })
            ? nil : Set(JudgeDimension.builtIns.map(\.id).filter { values["dimension_\($0)"] != nil })
        return EvaluationFormView(
            chrome: context.chrome(section: .evaluations), datasets: datasets, recipes: recipes, providers: providers, values: values,
            checkedDimensions: ticked, fieldErrors: fieldErrors, errorText: message)
    }

    /// The form as the API's JSON: each endpoint's fields under `student`/`judge` (a self-hosted model's name is
    /// both `model` and `custom_model`, as the synthesis dialog names it), the ticked built-ins then the custom lines.
    static func requestJSON(_ fields: [String: String]) throws -> SynthesisJSON {
        func given(_ name: String) -> String? {
            fields[name].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        func endpoint(_ role: String) -> SynthesisJSON {
            var members: [(String, SynthesisJSON)] = []
            for name in ["provider", "model", "base_url", "api_key"] {
                if let value = given("\(role)_\(name)") { members.append((name, .string(value))) }
            }
            if let model = given("\(role)_model") { members.append(("custom_model", .string(model))) }
            return .object(members)
        }
        var members: [(String, SynthesisJSON)] = [("name", .string(given("name") ?? ""))]
        if let dataset = given("dataset_id") { members.append(("dataset_id", Int(dataset).map { .number(Double($0)) } ?? .string(dataset))) }
        if let split = given("split") { members.append(("split", .string(split))) }
        members.append(("student", endpoint("student")))
        members.append(("judge", endpoint("judge")))
        if let recipe = given("recipe_id") { members.append(("recipe_id", Int(recipe).map { .number(Double($0)) } ?? .string(recipe))) }
        var dimensions: [SynthesisJSON] = JudgeDimension.builtIns.map(\.id).filter { fields["dimension_\($0)"] != nil }.map { .string($0) }
        for (number, line) in (fields["custom_dimensions"] ?? "").split(whereSeparator: \.isNewline).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            do {
                dimensions.append(try SynthesisJSON.parse(String(line)))
            } catch {
                throw AppError.invalid("Check the fields marked.", fields: ["custom_dimensions": "Line \(number + 1) is not a JSON object: \(error)"])
            }
        }
        members.append(("dimensions", .array(dimensions)))
        return .object(members)
    }
}
