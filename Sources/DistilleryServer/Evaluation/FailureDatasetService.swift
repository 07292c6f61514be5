import DistilleryCore
import DistilleryStorage

/// "Create failure-mode dataset": a seed expansion (`FailureModeExpansion`) of the failing prompts of chosen failure
/// modes, guided by each prompt's mode name, whose variations are checked against every prompt of the evaluated split
/// (a near duplicate is dropped as `near_duplicate_of_held_out` and counted in the task's report). Its output is a
/// seeds dataset whose parent is the evaluated dataset; the task's settings name the run (its link to it).
///
/// The failing prompts are held-out rows: the output holds them only when `include_failing_prompts` is true (the
/// form warns that the next student then trains on test rows). `variations` may be 0 only then: the user asked for
/// the failing prompts alone, and the task copies them without asking the teacher; otherwise the dataset is never
/// test rows alone. The request is the seed expansion's without `variations_per_seed` (`variations`, default
/// 3), plus `modes` (required) and `include_failing_prompts`; `name` defaults to "<run> failure modes".
enum FailureDatasetService {
    static let defaultVariations = 3
    static let ownFields: Set<String> = ["modes", "variations", "include_failing_prompts", "mutations"]
    /// Generation fields the failure dataset decides itself.
    static let setByService = ["template_id", "count", "variables", "combinations", "input_dataset_id", "variations_per_seed"]

    static func defaultName(runName: String) -> String {
        String("\(runName) failure modes".prefix(DatasetCreation.maxNameLength))
    }

    static func read(_ json: SynthesisJSON, run: EvaluationRunRecord, services: Services) throws -> GenerationRequest {
        guard case .object(let members) = json else { throw AppError.badRequest("The request body must be a JSON object.") }
        let store = FailureModeStore(database: services.database)
        let activeModes = try store.modes(jobID: run.jobID).filter { $0.mergedInto == nil && $0.count > 0 }
        guard !activeModes.isEmpty else {
            throw AppError.conflict(
                "Evaluation run \(run.jobID) has no failure modes\(run.status.isActive ? " yet: they are clustered when the run completes" : "").")
        }
        var problems: [String: String] = [:]
        for field in setByService where json[field] != nil {
            problems[field] = "Not used by a failure-mode dataset: it sets this itself (the failure-mode template, the failing prompts "
                + "× variations, each prompt's mode)."
        }
        let modeIDs = readModes(json, active: activeModes, problems: &problems)
        let include = readInclude(json, problems: &problems)
        let plan = readPlan(json, includeFailingPrompts: include, problems: &problems)

        var generation = members.filter { !ownFields.contains($0.key) && !setByService.contains($0.key) }
        if json["name"] == nil || json["name"]?.stringValue?.allSatisfy(\.isWhitespace) == true {
            generation.removeAll { $0.key == "name" }
            generation.append(("name", .string(defaultName(runName: run.name))))
        }
        let request = try SeedExpansionService.readGeneration(generation, template: FailureModeExpansion.template, problems: &problems)
        let dataset = try run.datasetID.flatMap { try services.datasets.dataset(id: $0) }
        if let request, request.skillPrompt == nil, dataset?.skillPrompt == nil {
            problems["skill_prompt"] = "Required: the evaluated dataset has no skill prompt, and the seeds dataset needs one to be synthesized."
        }
        guard problems.isEmpty, var request, let plan, let modeIDs else { throw AppError.invalid("Check the fields marked.", fields: problems) }
        let weights = plan?.weights ?? [:]

        let names = Dictionary(uniqueKeysWithValues: activeModes.map { ($0.id, $0.name) })
        let failing = try store.failingRows(jobID: run.jobID, modeIDs: modeIDs).map {
            FailureModeExpansion.FailingPrompt(prompt: $0.prompt, mode: names[$0.modeID] ?? "")
        }
        var strata = FailureModeExpansion.promptsOnlyStrata(failing: failing)
        do throws(GenerationPlanError) {
            if let plan { strata = try FailureModeExpansion.strata(plan, failing: failing) }
        } catch {
            throw AppError.invalid("Check the fields marked.", fields: [error.path == "variations_per_seed" ? "variations" : error.path: error.message])
        }
        // The failing prompts alone: the task's target is the prompts it copies (its strata ask the teacher for none).
        request.count = plan == nil ? failing.count : strata.reduce(0) { $0 + $1.quota }
        request.inputDatasetID = dataset?.id
        request.skillPrompt = request.skillPrompt ?? dataset?.skillPrompt
        request.expansion = (
            strata,
            SeedExpansionSettings(
                variationsPerSeed: plan?.variationsPerSeed ?? 0,
                mutations: Dictionary(uniqueKeysWithValues: EvolMutation.allCases.map { ($0.rawValue, weights[$0] ?? 0) }),
                failures: FailureExpansionSource(evaluationJobID: run.jobID, modeIDs: modeIDs, includeFailingPrompts: include))
        )
        return request
    }

    /// `modes`: a non-empty array of the run's failure modes in use (not merged away).
    private static func readModes(_ json: SynthesisJSON, active: [FailureModeRecord], problems: inout [String: String]) -> [Int64]? {
        guard case .array(let items)? = json["modes"], !items.isEmpty else {
            problems["modes"] = "Required: an array of the failure mode ids to expand (see GET /api/evaluations/{id}/failure-modes)."
            return nil
        }
        var ids: [Int64] = []
        for (position, item) in items.enumerated() {
            guard let id = item.intValue.map(Int64.init), active.contains(where: { $0.id == id }) else {
                problems["modes[\(position)]"] = "Not a failure mode of this run in use: the modes are \(active.map { String($0.id) }.joined(separator: ", "))."
                continue
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return ids.count == Set(items.compactMap(\.intValue)).count && problems.keys.allSatisfy({ !$0.hasPrefix("modes[") }) ? ids : nil
    }

    private static func readInclude(_ json: SynthesisJSON, problems: inout [String: String]) -> Bool {
        guard let value = json["include_failing_prompts"], !value.isNull else { return false }
        guard case .bool(let include) = value else {
            problems["include_failing_prompts"] = "Must be true or false."
            return false
        }
        return include
    }

    /// `variations` (default 3) and `mutations`: the expansion's plan, `.some(nil)` for the failing prompts alone
    /// (`variations` 0 with `include_failing_prompts`), nil when a field is wrong.
    private static func readPlan(_ json: SynthesisJSON, includeFailingPrompts: Bool, problems: inout [String: String]) -> SeedExpansionPlan?? {
        var variations = defaultVariations
        if let value = json["variations"], !value.isNull {
            guard let count = value.intValue, (0...SeedExpansionPlan.maximumVariationsPerSeed).contains(count) else {
                problems["variations"] = "Must be a whole number from 0 to \(SeedExpansionPlan.maximumVariationsPerSeed)."
                return nil
            }
            variations = count
        }
        guard variations > 0 else {
            if includeFailingPrompts { return .some(nil) }
            problems["variations"] = "Must be at least 1: a failure-mode dataset is never built from test rows alone. "
                + "To copy the failing prompts without variations, also tick \"Also copy the failing prompts themselves\" (include_failing_prompts)."
            return nil
        }
        var expansion = json
        if case .object(let members) = json {
            expansion = .object(members.filter { $0.key == "mutations" } + [("variations_per_seed", .number(Double(variations)))])
        }
        return SeedExpansionService.readPlan(expansion, problems: &problems)
    }
}
