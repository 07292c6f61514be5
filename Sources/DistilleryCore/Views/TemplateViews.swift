/// One instruction template as the list, its page and the JSON API show it.
public struct TemplateSummary: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let description: String
    public let type: TemplateType
    public let typeTitle: String
    public let systemPrompt: String
    public let prompt: String
    public let variables: [String]
    public let variablesText: String
    public let settings: TemplateSettings
    /// Generation tasks started from this template, in any state.
    public let usedByTasks: Int
    /// Of those, the ones still queued or running (they block deletion).
    public let activeTasks: Int
    public let usedByText: String
    public let createdBy: Int64?
    public let createdAt: Int64
    public let updatedAt: Int64
    public let updatedText: String
    public let url: String
    /// The New generation task form for this template.
    public let generateURL: String
    /// Its dry run (one call per category, nothing stored); nil for a transform, which needs a dataset's rows.
    public let dryRunURL: String?

    public init(
        id: Int64, name: String, description: String, type: TemplateType, systemPrompt: String, prompt: String, variables: [String],
        settings: TemplateSettings, usedByTasks: Int, activeTasks: Int, createdBy: Int64?, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.type = type
        typeTitle = type.title
        self.systemPrompt = systemPrompt
        self.prompt = prompt
        self.variables = variables
        variablesText = variables.isEmpty ? "none" : variables.map { "{\($0)}" }.joined(separator: ", ")
        self.settings = settings
        self.usedByTasks = usedByTasks
        self.activeTasks = activeTasks
        usedByText = usedByTasks == 1 ? "1 task" : "\(Formatting.count(usedByTasks)) tasks"
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        updatedText = Formatting.timestamp(milliseconds: updatedAt)
        url = "/templates/\(id)"
        generateURL = "/templates/\(id)/generate"
        dryRunURL = type.needsInputDataset ? nil : "/templates/\(id)/dry-run"
    }

    /// The JSON API's view; the members a client may send back (`name` … `settings`) are the ones
    /// `POST`/`PUT /api/templates` read, the others are read-only.
    public var json: SynthesisJSON {
        .object([
            ("id", .number(Double(id))), ("name", .string(name)), ("description", .string(description)), ("type", .string(type.rawValue)),
            ("type_title", .string(typeTitle)), ("system_prompt", .string(systemPrompt)), ("prompt", .string(prompt)),
            ("variables", .array(variables.map { .string($0) })), ("settings", settings.json),
            ("used_by_tasks", .number(Double(usedByTasks))), ("active_tasks", .number(Double(activeTasks))),
            ("created_at", .string(Formatting.iso8601(milliseconds: createdAt))), ("updated_at", .string(Formatting.iso8601(milliseconds: updatedAt))),
            ("url", .string(url)), ("generate_url", .string(generateURL)), ("dry_run_url", dryRunURL.map(SynthesisJSON.string) ?? .null),
        ])
    }
}

/// A template type with what one teacher item must hold and what it becomes, for the type choice and the
/// list's explanation.
public struct TemplateTypeOption: Sendable, Equatable {
    public let value: String
    public let title: String
    /// The item's JSON shape.
    public let item: String
    /// The rest of the item's rules and what it becomes.
    public let detail: String
    public let selected: Bool

    public static func all(selected: String) -> [TemplateTypeOption] {
        TemplateType.allCases.map { type in
            let (item, detail): (String, String)
            switch type {
            case .prompts: (item, detail) = (#"{"prompt"}"#, #"it becomes a seeds row {"input"}, ready to synthesize"#)
            case .qa: (item, detail) = (#"{"question", "answer"}"#, "it becomes a chat row: system prompt, question, answer")
            case .dialogue:
                (item, detail) = (
                    #"{"turns": [{"role", "content"}, …]}"#,
                    "user and assistant turns alternating, the assistant last; it becomes a multi-turn chat row"
                )
            case .transform:
                (item, detail) = (
                    #"{"output"}"#,
                    "made for each row of an input dataset ({input} in the prompt is the row's text); it becomes a chat row: "
                        + "system prompt, input, output"
                )
            }
            return TemplateTypeOption(value: type.rawValue, title: type.title, item: item, detail: detail, selected: type.rawValue == selected)
        }
    }
}

/// A placeholder the prompt may use without the task giving it a value.
public struct TemplatePlaceholderHelp: Sendable, Equatable {
    public let placeholder: String
    public let meaning: String

    public static let all: [TemplatePlaceholderHelp] =
        PromptBuiltin.allCases.map { builtin in
            let meaning: String
            switch builtin {
            case .currentDate: meaning = "today's date when the call is made, YYYY-MM-DD (UTC)"
            case .currentTime: meaning = "the time when the call is made, HH:MM (UTC)"
            case .randomID: meaning = "16 hex digits, different for every call, reproducible from the task's seed"
            case .index: meaning = "the number of the call's first item in the task (1, 6, 11, … with 5 items a call)"
            case .count: meaning = "how many items this call asks for (the task's items per call, fewer to top up a stratum)"
            }
            return TemplatePlaceholderHelp(placeholder: "{\(builtin.rawValue)}", meaning: meaning)
        } + [
            TemplatePlaceholderHelp(
                placeholder: "{topic.description}", meaning: "the description given with the variable's value (here topic's)"),
            TemplatePlaceholderHelp(placeholder: "{{ and }}", meaning: "a literal { and }"),
        ]
}

/// `/templates`: every template, by name.
public struct TemplateListView: Sendable {
    public var chrome: PageChrome
    public let templates: [TemplateSummary]
    /// Stored, not computed: the templates read properties by reflection.
    public let isEmpty: Bool
    public let types: [TemplateTypeOption]

    public init(chrome: PageChrome, templates: [TemplateSummary]) {
        self.chrome = chrome
        self.templates = templates
        isEmpty = templates.isEmpty
        types = TemplateTypeOption.all(selected: "")
    }

    public var json: SynthesisJSON { .object([("templates", .array(templates.map(\.json)))]) }
}

/// `/templates/new` and `/templates/{id}`: the template as an editable form with each field's error beside it,
/// the placeholders it may use, and (on a saved template) the Preview form and its result.
public struct TemplateFormView: Sendable {
    public var chrome: PageChrome
    public let summary: TemplateSummary?
    public let isNew: Bool
    public let title: String
    public let action: String
    public let values: [String: String]
    public let fieldErrors: [String: String]
    public let message: String?
    public let notice: String?
    public let types: [TemplateTypeOption]
    public let placeholders: [TemplatePlaceholderHelp]
    public let preview: TemplatePreview?
    /// "12 strata for 100 items", the strata shown (the first `shownStrata`), and how many are left out.
    public let previewHeading: String?
    public let previewStrata: [TemplatePreviewStratum]
    public let previewStrataLeftOut: String?
    public let previewSystemPrompt: String?
    public let previewValues: [String: String]
    public let previewErrors: [String: String]
    public let previewMessage: String?

    public init(
        chrome: PageChrome, summary: TemplateSummary?, values: [String: String], problems: [RecipeProblem] = [], message: String? = nil,
        notice: String? = nil, preview: TemplatePreview? = nil, previewValues: [String: String] = [:], previewProblems: [RecipeProblem] = []
    ) {
        self.chrome = chrome
        self.summary = summary
        isNew = summary == nil
        title = summary?.name ?? "New template"
        action = summary?.url ?? "/templates"
        self.values = values
        fieldErrors = problems.firstRuleByPath
        self.message = message
        self.notice = notice
        types = TemplateTypeOption.all(selected: values["type"] ?? "")
        placeholders = TemplatePlaceholderHelp.all
        self.preview = preview
        if let preview {
            let strata = preview.strata.count
            previewHeading = "\(Formatting.count(strata)) \(strata == 1 ? "stratum" : "strata") for \(Formatting.count(preview.count)) items"
            previewStrata = Array(preview.strata.prefix(Self.shownStrata))
            previewStrataLeftOut = strata > Self.shownStrata ? "and \(Formatting.count(strata - Self.shownStrata)) more (all are in the JSON twin)" : nil
            previewSystemPrompt = preview.systemPrompt.isEmpty ? nil : preview.systemPrompt
        } else {
            previewHeading = nil
            previewStrata = []
            previewStrataLeftOut = nil
            previewSystemPrompt = nil
        }
        var shownPreviewValues = previewValues
        if shownPreviewValues["count"] == nil { shownPreviewValues["count"] = String(TemplatePreviewRequest.defaultCount) }
        if shownPreviewValues["items_per_call"] == nil, let summary {
            shownPreviewValues["items_per_call"] = String(summary.settings.itemsPerCall)
        }
        self.previewValues = shownPreviewValues
        previewErrors = previewProblems.firstRuleByPath
        previewMessage = previewProblems.isEmpty ? nil : "Nothing to preview: " + previewProblems.map(\.description).joined(separator: "; ")
    }

    public static let shownStrata = 50
}
