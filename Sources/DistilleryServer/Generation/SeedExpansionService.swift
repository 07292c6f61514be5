import DistilleryCore
import DistilleryStorage
import Foundation

/// What a seed expansion was asked for, kept in its task's settings; its presence makes the task an expansion.
struct SeedExpansionSettings: Codable, Sendable, Equatable {
    var variationsPerSeed: Int
    /// Mutation raw value → weight, as given (0 for a mutation left out).
    var mutations: [String: Double]
    /// Set for a failure-mode dataset: the seeds are an evaluation run's failing prompts (the task's link to the run).
    var failures: FailureExpansionSource? = nil

    /// A failure-mode task asked for the failing prompts alone: it copies them and asks the teacher for nothing.
    var copiesFailingPromptsAlone: Bool { variationsPerSeed == 0 && failures?.includeFailingPrompts == true }
}

/// What a failure-mode dataset was made from: the evaluation run (whose evaluated prompts every variation is checked
/// against), the chosen modes, and whether the failing prompts themselves go into the output.
struct FailureExpansionSource: Codable, Sendable, Equatable {
    var evaluationJobID: Int64
    var modeIDs: [Int64]
    var includeFailingPrompts: Bool
}

/// "Expand these seeds": a generation task of type `prompts` on the built-in expansion template, whose strata are
/// seed × mutation (`SeedExpansionPlan`), whose variations are filtered by `ExpansionFilter` and compared with the
/// source seeds, and whose output is a seeds dataset linked to the source. The request is the generation request's
/// shape without `template_id`, `count`, `variables`, `combinations` and `input_dataset_id` (the expansion sets them),
/// plus `variations_per_seed` and `mutations`; everything else (name, teacher or recipe, key, items per call, attempt
/// cap, duplicate threshold, seed, skill prompt) is read and checked by `GenerationService.read`.
enum SeedExpansionService {
    static let ownFields: Set<String> = ["variations_per_seed", "mutations"]
    /// Generation fields the expansion decides itself.
    static let setByExpansion = ["template_id", "count", "variables", "combinations", "input_dataset_id"]
    /// Stands in for `template_id` when the generation reader checks the rest: the built-in template has no row.
    private static let builtInTemplateID = 1

    /// A built-in template (no row of its own) as a task snapshots it.
    static func snapshot(of template: TemplateDraft) -> TemplateSnapshot {
        TemplateSnapshot(
            id: nil, name: template.name, type: template.type, systemPrompt: template.systemPrompt, prompt: template.prompt,
            settings: TemplateSettings(storedJSON: template.settingsJSON))
    }

    /// The generation request's own fields (`members`, without the expansion's) read and checked by
    /// `GenerationService.read` on a built-in template; its problems join `problems` (the caller's win).
    static func readGeneration(
        _ members: [(key: String, value: SynthesisJSON)], template: TemplateDraft, problems: inout [String: String]
    ) throws -> GenerationRequest? {
        let snapshot = snapshot(of: template)
        do {
            return try GenerationService.read(.object(members + [("template_id", .number(Double(builtInTemplateID))), ("count", .number(1))])) { _ in
                snapshot
            }
        } catch AppError.invalid(_, let fields) {
            problems.merge(fields) { mine, _ in mine }
            return nil
        }
    }

    /// A seeds dataset that passed validation; another is refused saying why.
    static func expandableDataset(id: Int64, context: RequestContext) throws -> DatasetRecord {
        let dataset = try context.datasets.requireDataset(id: id)
        guard dataset.mode == .seeds, dataset.status == .validSeeds || dataset.status == .synthesizing else {
            throw AppError.conflict(
                "Only a seeds dataset that passed validation can be expanded; this one is a \(dataset.mode.rawValue) dataset, "
                    + "\(dataset.status.label.lowercased()).")
        }
        return dataset
    }

    /// Reads `POST /api/datasets/{id}/expand`'s body: every problem at once, keyed by its JSON path.
    static func read(_ json: SynthesisJSON, dataset: DatasetRecord, services: Services) throws -> GenerationRequest {
        guard case .object(let members) = json else { throw AppError.badRequest("The request body must be a JSON object.") }
        var problems: [String: String] = [:]
        for field in setByExpansion where json[field] != nil {
            problems[field] = "Not used by seed expansion: it sets this itself (the built-in template, seeds × variations_per_seed, "
                + "the seed and mutation of each stratum, this dataset)."
        }
        let plan = readPlan(json, problems: &problems)
        let generation = members.filter { !ownFields.contains($0.key) && !setByExpansion.contains($0.key) }
        let request = try readGeneration(generation, template: SeedExpansion.template, problems: &problems)
        guard problems.isEmpty, var request, let plan else { throw AppError.invalid("Check the fields marked.", fields: problems) }
        let strata: [Stratum]
        do {
            strata = try plan.strata(seeds: try SynthesisService.seedInputs(datasetID: dataset.id, services: services))
        } catch let error as GenerationPlanError {
            throw AppError.invalid("Check the fields marked.", fields: [error.path: error.message])
        }
        request.count = strata.reduce(0) { $0 + $1.quota }
        request.inputDatasetID = dataset.id
        // The variations are prompts for the same skill as their seeds.
        request.skillPrompt = request.skillPrompt ?? dataset.skillPrompt
        request.expansion = (
            strata,
            SeedExpansionSettings(
                variationsPerSeed: plan.variationsPerSeed,
                mutations: Dictionary(uniqueKeysWithValues: EvolMutation.allCases.map { ($0.rawValue, plan.weights[$0] ?? 0) }))
        )
        return request
    }

    /// `variations_per_seed` (required) and `mutations` (`{"deepen": 2, …}`, every mutation weighted 1 when absent).
    static func readPlan(_ json: SynthesisJSON, problems: inout [String: String]) -> SeedExpansionPlan? {
        let range = 1...SeedExpansionPlan.maximumVariationsPerSeed
        guard let count = json["variations_per_seed"]?.intValue else {
            let given = json["variations_per_seed"].map { !$0.isNull } ?? false
            problems["variations_per_seed"] = "\(given ? "Must be" : "Required:") a whole number from \(range.lowerBound) to \(range.upperBound)."
            return nil
        }
        var weights = SeedExpansionPlan.equalMix
        if let mix = json["mutations"], !mix.isNull {
            guard case .object(let entries) = mix else {
                problems["mutations"] = "Must be an object of mutation → weight, e.g. {\"deepen\": 2, \"breadth\": 1}."
                return nil
            }
            weights = [:]
            for (name, value) in entries {
                guard let mutation = EvolMutation(rawValue: name) else {
                    problems["mutations.\(name)"] = "Unknown mutation; the mutations are: \(EvolMutation.allCases.map(\.rawValue).joined(separator: ", "))."
                    continue
                }
                guard let weight = value.doubleValue else {
                    problems["mutations.\(name)"] = "Must be a number ≥ 0."
                    continue
                }
                weights[mutation] = weight
            }
        }
        do {
            return try SeedExpansionPlan(variationsPerSeed: count, weights: weights)
        } catch {
            problems[error.path] = problems[error.path] ?? "\(error.message.prefix(1).uppercased())\(error.message.dropFirst())."
            return nil
        }
    }
}
