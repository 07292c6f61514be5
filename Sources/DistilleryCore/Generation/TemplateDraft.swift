/// An instruction template as a person writes it, before it is saved.
public struct TemplateDraft: Sendable, Equatable {
    public var name: String
    public var description: String
    public var type: TemplateType
    public var systemPrompt: String
    /// The prompt with `{variable}` placeholders (`PromptTemplate`).
    public var prompt: String
    /// Default model settings: a JSON object with any of `temperature`, `top_p`, `max_tokens`, `items_per_call`.
    public var settingsJSON: String

    public init(
        name: String, description: String = "", type: TemplateType, systemPrompt: String = "", prompt: String, settingsJSON: String = "{}"
    ) {
        self.name = name
        self.description = description
        self.type = type
        self.systemPrompt = systemPrompt
        self.prompt = prompt
        self.settingsJSON = settingsJSON
    }

    public static let maxNameLength = 120
    public static let maxDescriptionLength = 2000
    public static let maxPromptLength = 50_000
    public static let itemsPerCallRange = 1...50
    /// The variable a transform template's prompt receives each input row's text in.
    public static let inputVariable = "input"

    /// What a saved template stores beside the draft: the prompt's variables and the settings as compact JSON.
    public struct Checked: Sendable, Equatable {
        public var variables: [String]
        public var settingsJSON: String
    }

    /// The checked draft, or `AppError.invalid` naming every field that is wrong ("prompt", "settings.top_p", …).
    public func checked() throws(AppError) -> Checked {
        var problems: [String: String] = [:]
        if !name.contains(where: { !$0.isWhitespace }) { problems["name"] = "is required" }
        if name.count > Self.maxNameLength { problems["name"] = "must be at most \(Self.maxNameLength) characters; got \(name.count)" }
        if description.count > Self.maxDescriptionLength {
            problems["description"] = "must be at most \(Self.maxDescriptionLength) characters; got \(description.count)"
        }
        if systemPrompt.count > Self.maxPromptLength {
            problems["system_prompt"] = "must be at most \(Self.maxPromptLength) characters; got \(systemPrompt.count)"
        }
        var variables: [String] = []
        if !prompt.contains(where: { !$0.isWhitespace }) {
            problems["prompt"] = "is required"
        } else if prompt.count > Self.maxPromptLength {
            problems["prompt"] = "must be at most \(Self.maxPromptLength) characters; got \(prompt.count)"
        } else {
            do throws(PromptTemplateError) {
                variables = try PromptTemplate(prompt).variables
                if type.needsInputDataset && !variables.contains(Self.inputVariable) {
                    problems["prompt"] = "a transform template must use {\(Self.inputVariable)}: it is the text of each input row"
                }
            } catch {
                problems["prompt"] = error.description
            }
        }
        let settings = Self.checkSettings(settingsJSON, problems: &problems)
        guard problems.isEmpty else {
            let fields = problems.keys.sorted().joined(separator: ", ")
            throw AppError.invalid("The template cannot be saved: check \(fields).", fields: problems)
        }
        return Checked(variables: variables, settingsJSON: settings)
    }

    private static func checkSettings(_ text: String, problems: inout [String: String]) -> String {
        let trimmed = text.trimmingWhitespace
        if trimmed.isEmpty { return "{}" }
        let value: SynthesisJSON
        do throws(SynthesisJSONError) {
            value = try SynthesisJSON.parse(trimmed)
        } catch {
            problems["settings"] = "is not JSON: \(error)"
            return ""
        }
        guard case .object(let members) = value else {
            problems["settings"] = "must be a JSON object"
            return ""
        }
        for (key, setting) in members {
            let field = "settings." + key
            switch key {
            case "temperature":
                if !(setting.doubleValue.map { $0 >= 0 && $0 <= 2 } ?? false) { problems[field] = "must be a number between 0 and 2" }
            case "top_p":
                if !(setting.doubleValue.map { $0 >= 0 && $0 <= 1 } ?? false) { problems[field] = "must be a number between 0 and 1" }
            case "max_tokens":
                if !(setting.intValue.map { $0 > 0 } ?? false) { problems[field] = "must be a whole number above 0" }
            case "items_per_call":
                if !(setting.intValue.map(itemsPerCallRange.contains) ?? false) {
                    problems[field] = "must be a whole number from \(itemsPerCallRange.lowerBound) to \(itemsPerCallRange.upperBound)"
                }
            default:
                problems[field] = "is not a template setting (temperature, top_p, max_tokens, items_per_call)"
            }
        }
        return value.serialized
    }
}
