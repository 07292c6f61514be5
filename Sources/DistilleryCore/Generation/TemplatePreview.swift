/// What a preview is asked for: the task's variables (and optional combinations), its target count, items per
/// call and seed (for `{random_id}`), read from `POST /api/templates/{id}/preview` or the page's Preview form.
public struct TemplatePreviewRequest: Sendable, Equatable {
    public var variables: [GenerationVariable]
    public var combinations: [CombinationRow]?
    public var count: Int
    public var itemsPerCall: Int
    public var seed: UInt64

    public static let defaultCount = 100

    public init(variables: [GenerationVariable], combinations: [CombinationRow]? = nil, count: Int, itemsPerCall: Int, seed: UInt64 = 0) {
        self.variables = variables
        self.combinations = combinations
        self.count = count
        self.itemsPerCall = itemsPerCall
        self.seed = seed
    }

    /// `{"variables": {...} or "topic: billing 0.5, outages 0.5", "combinations": [...], "count": N,
    /// "items_per_call": K, "seed": S}`; everything but `variables` may be left out.
    public static func read(json: SynthesisJSON, defaultItemsPerCall: Int) -> Result<Self, TemplateRejection> {
        guard case .object = json else { return .failure(TemplateRejection([RecipeProblem(path: "$", rule: "must be a JSON object")])) }
        var reader = RecipeJSONReader()
        reader.unknownMembers(of: json, path: "", known: ["variables", "combinations", "count", "items_per_call", "seed"], asWarnings: false)
        var variables: [GenerationVariable] = []
        var combinations: [CombinationRow]? = nil
        do throws(GenerationPlanError) {
            switch json["variables"] {
            case nil, .some(.null): break
            case .some(.string(let text)): variables = try GenerationVariablesReader.read(formText: text)
            case .some(let value): variables = try GenerationVariablesReader.read(value)
            }
            if let value = json["combinations"], !value.isNull { combinations = try GenerationVariablesReader.readCombinations(value) }
        } catch {
            reader.problem(error.path, error.message)
        }
        let count = reader.integer(json, "count", path: "")
        let itemsPerCall = reader.integer(json, "items_per_call", path: "")
        let seed = reader.integer(json, "seed", path: "")
        return make(
            variables: variables, combinations: combinations, count: count, itemsPerCall: itemsPerCall, seed: seed,
            defaultItemsPerCall: defaultItemsPerCall, problems: reader.problems)
    }

    /// The page's Preview form: `variables` (one variable a line, as on the New generation task form, or the API's
    /// JSON object, which can also give values descriptions), `count`, `items_per_call`, `seed`; empty numbers take
    /// their defaults.
    public static func read(form fields: [String: String], defaultItemsPerCall: Int) -> Result<Self, TemplateRejection> {
        var problems: [RecipeProblem] = []
        var variables: [GenerationVariable] = []
        let text = fields["variables"] ?? ""
        do throws(GenerationPlanError) {
            if text.trimmingWhitespace.hasPrefix("{") {
                var json: SynthesisJSON?
                do throws(SynthesisJSONError) {
                    json = try SynthesisJSON.parse(text)
                } catch {
                    problems.append(RecipeProblem(path: "variables", rule: "is not JSON: \(error.description)"))
                }
                if let json { variables = try GenerationVariablesReader.read(json) }
            } else {
                variables = try GenerationVariablesReader.read(formText: text)
            }
        } catch {
            problems.append(RecipeProblem(path: "variables", rule: error.path == "variables" ? error.message : "\(error.path): \(error.message)"))
        }
        func integer(_ name: String) -> Int? {
            let text = (fields[name] ?? "").trimmingWhitespace
            guard !text.isEmpty else { return nil }
            guard let value = Int(text) else {
                problems.append(RecipeProblem(path: name, rule: "must be a whole number; got \"\(text.prefix(40))\""))
                return nil
            }
            return value
        }
        return make(
            variables: variables, combinations: nil, count: integer("count"), itemsPerCall: integer("items_per_call"),
            seed: integer("seed"), defaultItemsPerCall: defaultItemsPerCall, problems: problems)
    }

    private static func make(
        variables: [GenerationVariable], combinations: [CombinationRow]?, count: Int?, itemsPerCall: Int?, seed: Int?,
        defaultItemsPerCall: Int, problems: [RecipeProblem]
    ) -> Result<Self, TemplateRejection> {
        var problems = problems
        let perCall = itemsPerCall ?? defaultItemsPerCall
        if !TemplateDraft.itemsPerCallRange.contains(perCall) {
            problems.append(RecipeProblem(
                path: "items_per_call",
                rule: "must be between 1 and \(TemplateDraft.itemsPerCallRange.upperBound); got \(perCall)"))
        }
        if let seed, seed < 0 { problems.append(RecipeProblem(path: "seed", rule: "must be 0 or more; got \(seed)")) }
        guard problems.isEmpty else { return .failure(TemplateRejection(problems)) }
        return .success(
            Self(
                variables: variables, combinations: combinations, count: count ?? defaultCount, itemsPerCall: perCall,
                seed: UInt64(seed ?? 0)))
    }
}

/// A variable's value in one previewed call.
public struct TemplatePreviewValue: Sendable, Equatable {
    public let name: String
    public let value: String
}

/// One call of a task as the preview shows it: its stratum, the items it asks for, and the prompt the teacher gets.
public struct TemplatePreviewCall: Sendable, Equatable {
    public let stratumIndex: Int
    public let stratumLabel: String
    public let values: [TemplatePreviewValue]
    /// `{index}`: the task's number (1-based) of the call's first item.
    public let firstIndex: Int
    /// `{count}`: the items the call asks for.
    public let count: Int
    public let prompt: String
    /// Appended to the prompt when the endpoint has no structured output (with it, the schema says the same).
    public let formatInstruction: String
    public let itemsText: String
}

/// One stratum of the previewed task with its exact quota.
public struct TemplatePreviewStratum: Sendable, Equatable {
    public let index: Int
    public let label: String
    public let quota: Int
}

/// The prompts of a task's first calls, rendered without calling the teacher.
///
/// The calls are the task's own (`GenerationLedger.plan`: items numbered stratum after stratum, at most
/// `itemsPerCall` a call) and so are their prompts (`GenerationCall.promptContext`). The preview takes the strata's
/// calls in turn: the first call of every stratum, then the second of every stratum that needs one, and so on, so
/// that a few calls show as many different variable values as possible.
public struct TemplatePreview: Sendable, Equatable {
    public let systemPrompt: String
    public let strata: [TemplatePreviewStratum]
    public let calls: [TemplatePreviewCall]
    public let count: Int
    public let itemsPerCall: Int

    public static let callLimit = 5

    public static func make(
        prompt: PromptTemplate, type: TemplateType, systemPrompt: String, request: TemplatePreviewRequest, nowUnixMs: Int64,
        callLimit: Int = TemplatePreview.callLimit
    ) -> Result<TemplatePreview, TemplateRejection> {
        let given = Set(request.variables.map(\.name))
        let missing = prompt.variables.filter { !given.contains($0) }
        guard missing.isEmpty else {
            let rule = missing.map { PromptTemplateError.missingValue($0).description }.joined(separator: "; ")
            return .failure(TemplateRejection([RecipeProblem(path: "variables", rule: rule)]))
        }
        let strata: [Stratum]
        do throws(GenerationPlanError) {
            strata = try StratumPlan.make(variables: request.variables, combinations: request.combinations, count: request.count)
        } catch {
            return .failure(TemplateRejection([RecipeProblem(path: error.path, rule: error.message)]))
        }
        var calls: [TemplatePreviewCall] = []
        for call in Self.callsInTurn(strata: strata, itemsPerCall: request.itemsPerCall, limit: callLimit) {
            let context = call.promptContext(strata: strata, seed: request.seed, nowUnixMs: nowUnixMs)
            let rendered: String
            do throws(PromptTemplateError) {
                rendered = try prompt.render(context)
            } catch {
                return .failure(TemplateRejection([RecipeProblem(path: "variables", rule: error.description)]))
            }
            let last = call.firstIndex + call.count - 1
            calls.append(
                TemplatePreviewCall(
                    stratumIndex: call.stratum, stratumLabel: strata[call.stratum].label,
                    values: request.variables.map { TemplatePreviewValue(name: $0.name, value: context.values[$0.name] ?? "") },
                    firstIndex: call.firstIndex, count: call.count, prompt: rendered, formatInstruction: type.formatInstruction(count: call.count),
                    itemsText: call.count == 1 ? "item \(call.firstIndex)" : "items \(call.firstIndex)–\(last)"))
        }
        return .success(
            TemplatePreview(
                systemPrompt: systemPrompt, strata: strata.map { TemplatePreviewStratum(index: $0.index, label: $0.label, quota: $0.quota) },
                calls: calls, count: request.count, itemsPerCall: request.itemsPerCall))
    }

    /// The task's first calls as its ledger plans them (numbered stratum after stratum), taken from the strata in turn.
    static func callsInTurn(strata: [Stratum], itemsPerCall: Int, limit: Int) -> [GenerationCall] {
        var ledger = GenerationLedger(strata: strata, itemsPerCall: itemsPerCall)
        let callsOfStratum = Dictionary(grouping: ledger.plan(), by: \.stratum)
        var chosen: [GenerationCall] = []
        for round in 0... {
            let due = strata.indices.compactMap { callsOfStratum[$0].flatMap { round < $0.count ? $0[round] : nil } }
            if due.isEmpty || chosen.count >= limit { break }
            chosen += due.prefix(limit - chosen.count)
        }
        return chosen
    }

    public var json: SynthesisJSON {
        .object([
            ("count", .number(Double(count))), ("items_per_call", .number(Double(itemsPerCall))), ("system_prompt", .string(systemPrompt)),
            ("strata", .array(strata.map { .object([("index", .number(Double($0.index))), ("label", .string($0.label)), ("quota", .number(Double($0.quota)))]) })),
            (
                "calls",
                .array(
                    calls.map { call in
                        .object([
                            ("stratum", .number(Double(call.stratumIndex))), ("label", .string(call.stratumLabel)),
                            ("values", .object(call.values.map { ($0.name, .string($0.value)) })),
                            ("index", .number(Double(call.firstIndex))), ("count", .number(Double(call.count))),
                            ("prompt", .string(call.prompt)), ("format_instruction", .string(call.formatInstruction)),
                        ])
                    })
            ),
        ])
    }
}
