/// Every rule a submitted template or a preview request breaks, each named by its form field or JSON path.
public struct TemplateRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [RecipeProblem]

    public init(_ problems: [RecipeProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "; ") }
}

/// Reading a template from the page's form or the JSON API's body into a `TemplateDraft`, whose `checked()` holds
/// the template's rules. What cannot become a draft (a member of the wrong JSON type, an unknown type, text where a
/// number goes) is refused together with every rule the rest breaks, so one answer names every wrong field.
///
/// The form names the default model settings `temperature`, `top_p`, `max_tokens`, `items_per_call`; the JSON
/// nests them under `settings` (the draft's own paths are `settings.temperature`, …).
public enum TemplateSubmission {
    static let settingNames = ["temperature", "top_p", "max_tokens", "items_per_call"]
    static let settingsPrefix = "settings."

    /// Members of a template's JSON that are not its own but what `GET /api/templates/{id}` adds, ignored so a
    /// client can PUT back what it read.
    static let readOnlyMembers: Set<String> = [
        "id", "variables", "type_title", "used_by_tasks", "active_tasks", "created_at", "updated_at", "url", "generate_url", "dry_run_url",
    ]

    /// The form's fields; empty settings are left out of the draft (the defaults apply).
    public static func read(form fields: [String: String]) -> Result<TemplateDraft, TemplateRejection> {
        var problems: [RecipeProblem] = []
        var settings: [(String, SynthesisJSON)] = []
        for name in settingNames {
            let text = (fields[name] ?? "").trimmingWhitespace
            guard !text.isEmpty else { continue }
            guard let number = Double(text), number.isFinite else {
                problems.append(RecipeProblem(path: name, rule: "must be a number; got \"\(text.prefix(40))\""))
                continue
            }
            settings.append((name, .number(number)))
        }
        let type = readType(fields["type"] ?? "", problems: &problems)
        let draft = TemplateDraft(
            name: (fields["name"] ?? "").trimmingWhitespace, description: (fields["description"] ?? "").trimmingWhitespace,
            type: type ?? .qa, systemPrompt: fields["system_prompt"] ?? "", prompt: fields["prompt"] ?? "",
            settingsJSON: SynthesisJSON.object(settings).serialized)
        return result(draft, problems, pathOf: formPath)
    }

    /// `{"name", "description", "type", "system_prompt", "prompt", "settings": {"temperature", "top_p", "max_tokens",
    /// "items_per_call"}}`; `description`, `system_prompt` and `settings` may be left out.
    public static func read(json: SynthesisJSON) -> Result<TemplateDraft, TemplateRejection> {
        guard case .object = json else { return .failure(TemplateRejection([RecipeProblem(path: "$", rule: "must be a JSON object")])) }
        var reader = RecipeJSONReader()
        let own: Set<String> = ["name", "description", "type", "system_prompt", "prompt", "settings"]
        reader.unknownMembers(of: json, path: "", known: own.union(readOnlyMembers), asWarnings: false)
        let name = reader.string(json, "name", path: "", required: true)
        let description = reader.string(json, "description", path: "", required: false)
        let typeText = reader.string(json, "type", path: "", required: true)
        let systemPrompt = reader.string(json, "system_prompt", path: "", required: false)
        let prompt = reader.string(json, "prompt", path: "", required: true)
        let settings = reader.object(json["settings"], path: "settings", required: false)
        var problems = reader.problems
        let type = typeText.flatMap { readType($0, problems: &problems) }
        let draft = TemplateDraft(
            name: name?.trimmingWhitespace ?? "", description: description?.trimmingWhitespace ?? "", type: type ?? .qa,
            systemPrompt: systemPrompt ?? "", prompt: prompt ?? "", settingsJSON: settings?.serialized ?? "{}")
        return result(draft, problems, pathOf: { $0 })
    }

    /// The form field of a draft's problem path (`settings.top_p` → `top_p`).
    public static func formPath(_ path: String) -> String {
        path.hasPrefix(settingsPrefix) ? String(path.dropFirst(settingsPrefix.count)) : path
    }

    /// The form's values for a saved template, its settings with their defaults filled in.
    public static func formValues(_ draft: TemplateDraft) -> [String: String] {
        let settings = TemplateSettings(storedJSON: draft.settingsJSON)
        return [
            "name": draft.name, "description": draft.description, "type": draft.type.rawValue, "system_prompt": draft.systemPrompt,
            "prompt": draft.prompt, "temperature": Recipe.text(settings.temperature), "top_p": Recipe.text(settings.topP),
            "max_tokens": String(settings.maxTokens), "items_per_call": String(settings.itemsPerCall),
        ]
    }

    private static func readType(_ text: String, problems: inout [RecipeProblem]) -> TemplateType? {
        let trimmed = text.trimmingWhitespace
        if let type = TemplateType(rawValue: trimmed) { return type }
        let choices = TemplateType.allCases.map(\.rawValue).joined(separator: ", ")
        problems.append(
            RecipeProblem(path: "type", rule: trimmed.isEmpty ? "is required (one of \(choices))" : "must be one of \(choices); got \"\(trimmed.prefix(40))\""))
        return nil
    }

    /// The draft when reading found nothing wrong (the store checks its rules when it saves it); otherwise the
    /// reading problems plus the rules the draft breaks on other fields.
    private static func result(_ draft: TemplateDraft, _ problems: [RecipeProblem], pathOf: (String) -> String) -> Result<TemplateDraft, TemplateRejection> {
        guard !problems.isEmpty else { return .success(draft) }
        var all = problems
        do throws(AppError) {
            _ = try draft.checked()
        } catch {
            for (path, rule) in error.fields.sorted(by: { $0.key < $1.key }) where !all.contains(where: { $0.path == pathOf(path) }) {
                all.append(RecipeProblem(path: pathOf(path), rule: rule))
            }
        }
        return .failure(TemplateRejection(all))
    }
}
