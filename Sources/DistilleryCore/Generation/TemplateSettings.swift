/// A template's default model settings read from its `settings` JSON (checked by `TemplateDraft.checked()`), with
/// the defaults for what it leaves out; a generation task starts from them.
public struct TemplateSettings: Sendable, Equatable {
    public var temperature: Double
    public var topP: Double
    public var maxTokens: Int
    public var itemsPerCall: Int

    public static let defaults = TemplateSettings(temperature: 0.9, topP: 1, maxTokens: 4096, itemsPerCall: 5)

    public init(temperature: Double, topP: Double, maxTokens: Int, itemsPerCall: Int) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.itemsPerCall = itemsPerCall
    }

    /// The stored JSON read back; a member that is missing (or, in a hand-edited database, not a number) keeps its default.
    public init(json: SynthesisJSON) {
        let defaults = Self.defaults
        temperature = json["temperature"]?.doubleValue ?? defaults.temperature
        topP = json["top_p"]?.doubleValue ?? defaults.topP
        maxTokens = json["max_tokens"]?.intValue ?? defaults.maxTokens
        itemsPerCall = json["items_per_call"]?.intValue ?? defaults.itemsPerCall
    }

    /// The settings as stored (a checked JSON object); text that does not parse keeps every default.
    public init(storedJSON: String) {
        self.init(json: (try? SynthesisJSON.parse(storedJSON)) ?? .null)
    }

    /// The teacher's sampling as synthesis run fields; a task lays them under the request's and the recipe's.
    public var teacherFields: [String: String] {
        ["temperature": Recipe.text(temperature), "top_p": Recipe.text(topP), "max_new_tokens": String(maxTokens)]
    }

    public var json: SynthesisJSON {
        .object([
            ("temperature", .number(temperature)), ("top_p", .number(topP)), ("max_tokens", .number(Double(maxTokens))),
            ("items_per_call", .number(Double(itemsPerCall))),
        ])
    }
}
