/// Seed expansion of an evaluation's failing prompts, guided by their failure mode: the same strata as
/// `SeedExpansion` (failing prompt × mutation, planned by `SeedExpansionPlan`) plus `failure_mode`, the mode's name,
/// which the template shows the teacher as what the student gets wrong. The failing prompts are held-out rows, so
/// every variation is also checked against every prompt of the evaluated split (`heldOutFilter`).
public enum FailureModeExpansion {
    public static let failureModeVariable = "failure_mode"

    public static let template = TemplateDraft(
        name: "Failure-mode expansion",
        description: "Variations of the prompts a student model failed, each testing the same weakness as its failure mode.",
        type: .prompts,
        systemPrompt: SeedExpansion.template.systemPrompt,
        prompt: """
            A student model answered the seed prompt below badly. What it got wrong: {failure_mode}

            Seed prompt:
            <<<
            {seed}
            >>>

            Change to make ({mutation}): {mutation.description}

            Write {count} new prompts, each making this change in its own way, so that a good answer to each must \
            avoid that same mistake. They must differ from the seed and from each other.
            """,
        settingsJSON: SeedExpansion.template.settingsJSON
    )

    /// One failing prompt and the name of its failure mode.
    public struct FailingPrompt: Sendable, Equatable {
        public var prompt: String
        public var mode: String

        public init(prompt: String, mode: String) {
            self.prompt = prompt
            self.mode = mode
        }
    }

    /// The plan's strata over the failing prompts, each carrying its prompt's failure mode.
    public static func strata(_ plan: SeedExpansionPlan, failing: [FailingPrompt]) throws(GenerationPlanError) -> [Stratum] {
        try plan.strata(seeds: failing.map(\.prompt)).map { stratum in
            var stratum = stratum
            if let number = stratum.values[SeedExpansionPlan.seedIndexValue].flatMap(Int.init), failing.indices.contains(number - 1) {
                stratum.values[failureModeVariable] = failing[number - 1].mode
            }
            return stratum
        }
    }

    /// The strata of a failure-mode dataset without variations (the user asked for the failing prompts alone): one
    /// per failing prompt, with a quota of 0, so the task asks the teacher for nothing and its output is the prompts.
    public static func promptsOnlyStrata(failing: [FailingPrompt]) -> [Stratum] {
        failing.enumerated().map { position, failing in
            Stratum(
                index: position,
                values: [SeedExpansion.seedVariable: failing.prompt, SeedExpansionPlan.seedIndexValue: String(position + 1), failureModeVariable: failing.mode],
                descriptions: [:], weight: 0, quota: 0, label: "seed \(position + 1) · as is")
        }
    }

    /// The item filter: `ExpansionFilter`'s checks for this template (too short, refusal, echo), then the leakage
    /// check: a variation that is a near duplicate of any prompt of the evaluated split — the `NearDuplicateIndex`
    /// of `heldOutPrompts`, at `nearDuplicateThreshold` — is dropped as `near_duplicate_of_held_out`. Its own seed
    /// is one of those prompts, so a reworded seed is counted there too.
    public static func itemFilter(heldOutPrompts: [String], nearDuplicateThreshold: Double) -> GenerationLedger.ItemFilter {
        let filter = ExpansionFilter(
            templateTexts: [template.systemPrompt, template.prompt] + EvolMutation.allCases.map(\.instruction),
            nearDuplicateThreshold: nearDuplicateThreshold)
        var index = NearDuplicateIndex(threshold: nearDuplicateThreshold)
        for prompt in heldOutPrompts { index.insert(prompt) }
        let heldOut = index
        return { item, stratum in
            let reason = filter.rejection(of: item.duplicateKey, seed: stratum.values[SeedExpansion.seedVariable] ?? "")
            if let reason, reason != .nearDuplicateOfSeed { return reason.rawValue }
            if reason == .nearDuplicateOfSeed || heldOut.match(item.duplicateKey) != nil {
                return ExpansionDropReason.nearDuplicateOfHeldOut.rawValue
            }
            return nil
        }
    }
}
