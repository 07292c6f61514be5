/// Seed expansion: each seed of a seeds dataset asks the teacher for `{count}` variations made by one
/// `EvolMutation`. The task's strata are seed × mutation; `seed` takes the seed's input and `mutation` the
/// mutation's raw value, described by its instruction (`{mutation.description}`). The built-in template ships
/// with Distillery rather than living in the `templates` table; a task snapshots it as it does a stored one.
public enum SeedExpansion {
    public static let seedVariable = "seed"
    public static let mutationVariable = "mutation"

    public static let template = TemplateDraft(
        name: "Seed expansion",
        description: "Evol-Instruct style variations of each seed: added constraints, more depth, concrete details, "
            + "more reasoning steps, or a new, rarer prompt in the same domain.",
        type: .prompts,
        systemPrompt: """
            You write prompts for a dataset that will teach an AI assistant. You are given a seed prompt and a change \
            to make; you write new prompts that a real user could send to an assistant. Every new prompt must stand \
            on its own: someone who has never seen the seed or these instructions must understand it. Every new \
            prompt must be answerable by a capable assistant, and written in the same language as the seed prompt. \
            Write only the prompts themselves: no answers, no explanations, no numbering, no headings such as \
            "Rewritten prompt", and never mention the seed, the change or these instructions.
            """,
        prompt: """
            Seed prompt:
            <<<
            {seed}
            >>>

            Change to make ({mutation}): {mutation.description}

            Write {count} new prompts, each making this change in its own way, so that they differ from the seed \
            and from each other.
            """,
        // As in Oumi's high-diversity synthesis recipe: temperature 1.0 for varied phrasing and scenarios.
        settingsJSON: #"{"temperature":1}"#
    )

    /// The filter for variations of the built-in template: its own text and every mutation's instruction count
    /// as the template.
    public static let filter = filter(nearDuplicateThreshold: NearDuplicateGrouping.defaultThreshold)

    public static func filter(nearDuplicateThreshold: Double) -> ExpansionFilter {
        ExpansionFilter(
            templateTexts: [template.systemPrompt, template.prompt] + EvolMutation.allCases.map(\.instruction),
            nearDuplicateThreshold: nearDuplicateThreshold)
    }

    /// An expansion task's item filter for the generation ledger: each variation against its own stratum's seed;
    /// the rejection reason is `ExpansionDropReason`'s raw value.
    public static func itemFilter(nearDuplicateThreshold: Double) -> GenerationLedger.ItemFilter {
        let filter = filter(nearDuplicateThreshold: nearDuplicateThreshold)
        return { item, stratum in
            filter.rejection(of: item.duplicateKey, seed: stratum.values[seedVariable] ?? "")?.rawValue
        }
    }

    /// The seeds an expansion task's strata were made from, in their dataset's order (seed N at offset N − 1): the
    /// reference texts every accepted variation is also compared with, so that "seed N" in the report names seed N.
    public static func seeds(of strata: [Stratum]) -> [String] {
        var seeds: [Int: String] = [:]
        for stratum in strata {
            guard let number = stratum.values[SeedExpansionPlan.seedIndexValue].flatMap(Int.init), let seed = stratum.values[seedVariable]
            else { continue }
            seeds[number] = seed
        }
        return seeds.keys.sorted().map { seeds[$0] ?? "" }
    }
}
