import DistilleryCore
import Testing

/// A template as the form and the JSON API submit it: every broken rule named by its field or JSON path,
/// and the prompt's variables found on save.
struct TemplateSubmissionTests {
    static let goodForm: [String: String] = [
        "name": "Support questions", "description": "customer questions by topic", "type": "qa",
        "system_prompt": "You write realistic support tickets.", "prompt": "Write {count} questions about {topic} ({topic.description}) on {current_date}.",
        "temperature": "0.7", "top_p": "0.95", "max_tokens": "2000", "items_per_call": "8",
    ]

    static func form(_ changes: [String: String]) -> [String: String] {
        goodForm.merging(changes) { $1 }
    }

    @Test func aGoodFormBecomesADraftWithItsSettings() throws {
        let draft = try TemplateSubmission.read(form: Self.goodForm).get()
        #expect(draft == TemplateDraft(
            name: "Support questions", description: "customer questions by topic", type: .qa, systemPrompt: "You write realistic support tickets.",
            prompt: "Write {count} questions about {topic} ({topic.description}) on {current_date}.",
            settingsJSON: #"{"temperature":0.7,"top_p":0.95,"max_tokens":2000,"items_per_call":8}"#))
        #expect(try draft.checked().variables == ["topic"])
    }

    @Test func emptySettingsAreLeftOutAndReadBackAsTheDefaults() throws {
        let draft = try TemplateSubmission.read(form: Self.form(["temperature": "", "top_p": " ", "max_tokens": "", "items_per_call": ""])).get()
        #expect(draft.settingsJSON == "{}")
        #expect(TemplateSubmission.formValues(draft)["items_per_call"] == "5")
        #expect(TemplateSubmission.formValues(draft)["temperature"] == "0.9")
    }

    struct RejectionCase: CustomTestStringConvertible, Sendable {
        let label: String
        let changes: [String: String]
        let expected: [String: String]
        var testDescription: String { label }
    }

    static let formRejections: [RejectionCase] = [
        RejectionCase(label: "missing name", changes: ["name": "  "], expected: ["name": "is required"]),
        RejectionCase(
            label: "name too long", changes: ["name": String(repeating: "n", count: 121)],
            expected: ["name": "must be at most 120 characters; got 121"]),
        RejectionCase(
            label: "unknown type", changes: ["type": "essay"], expected: ["type": "must be one of prompts, qa, dialogue, transform; got \"essay\""]),
        RejectionCase(
            label: "no type", changes: ["type": ""], expected: ["type": "is required (one of prompts, qa, dialogue, transform)"]),
        RejectionCase(label: "empty prompt", changes: ["prompt": " \n "], expected: ["prompt": "is required"]),
        RejectionCase(
            label: "unclosed brace, offset counted in characters", changes: ["prompt": "Écris sur {sujet"],
            expected: ["prompt": "a `{` at character 11 is never closed (write `{{` for a literal brace)"]),
        RejectionCase(
            label: "stray closing brace", changes: ["prompt": "Write about topic}"],
            expected: ["prompt": "a `}` at character 18 closes nothing (write `}}` for a literal brace)"]),
        RejectionCase(
            label: "a transform must read {input}", changes: ["type": "transform", "prompt": "Summarise {tone}"],
            expected: ["prompt": "a transform template must use {input}: it is the text of each input row"]),
        RejectionCase(
            label: "numbers out of range and not numbers",
            changes: ["temperature": "2.5", "top_p": "1.5", "max_tokens": "many", "items_per_call": "51"],
            expected: [
                "temperature": "must be a number between 0 and 2", "top_p": "must be a number between 0 and 1",
                "max_tokens": "must be a number; got \"many\"", "items_per_call": "must be a whole number from 1 to 50",
            ]),
        RejectionCase(
            label: "an unknown type is named together with the other fields' rules", changes: ["type": "essay", "name": ""],
            expected: ["type": "must be one of prompts, qa, dialogue, transform; got \"essay\"", "name": "is required"]),
    ]

    @Test(arguments: formRejections)
    func aFormBreakingARuleIsRefusedNamingTheField(_ item: RejectionCase) {
        #expect(Self.problems(TemplateSubmission.read(form: Self.form(item.changes)), pathOf: TemplateSubmission.formPath) == item.expected)
    }

    @Test func aTransformReadingItsInputIsAccepted() throws {
        let draft = try TemplateSubmission.read(form: Self.form(["type": "transform", "prompt": "Summarise in a {tone} tone:\n{input}"])).get()
        #expect(try draft.checked().variables == ["tone", "input"])
    }

    struct JSONCase: CustomTestStringConvertible, Sendable {
        let label: String
        let body: String
        let expected: [String: String]
        var testDescription: String { label }
    }

    static let jsonRejections: [JSONCase] = [
        JSONCase(label: "not an object", body: "[1]", expected: ["$": "must be a JSON object"]),
        JSONCase(
            label: "required members missing", body: #"{"description": "d"}"#,
            expected: ["name": "is required (a string)", "type": "is required (a string)", "prompt": "is required (a string)"]),
        JSONCase(
            label: "wrong member types", body: #"{"name": 5, "type": "qa", "prompt": ["x"], "system_prompt": true}"#,
            expected: ["name": "must be a string", "prompt": "must be a string", "system_prompt": "must be a string"]),
        JSONCase(
            label: "an unknown type", body: #"{"name": "n", "type": "essay", "prompt": "Write {x"}"#,
            expected: [
                "type": "must be one of prompts, qa, dialogue, transform; got \"essay\"",
                "prompt": "a `{` at character 7 is never closed (write `{{` for a literal brace)",
            ]),
        JSONCase(
            label: "settings nested, each named by its path",
            body: #"{"name": "n", "type": "qa", "prompt": "p", "settings": {"temperature": "hot", "max_tokens": 1.5, "items_per_call": 0, "seed": 3}}"#,
            expected: [
                "settings.temperature": "must be a number between 0 and 2", "settings.max_tokens": "must be a whole number above 0",
                "settings.items_per_call": "must be a whole number from 1 to 50",
                "settings.seed": "is not a template setting (temperature, top_p, max_tokens, items_per_call)",
            ]),
        JSONCase(
            label: "settings not an object", body: #"{"name": "n", "type": "qa", "prompt": "p", "settings": [1]}"#,
            expected: ["settings": "must be an object"]),
        JSONCase(
            label: "an unknown member, while what GET returns is ignored",
            body: #"{"name": "n", "type": "qa", "prompt": "p", "id": 4, "variables": [], "used_by_tasks": 2, "sytem_prompt": "typo"}"#,
            expected: ["sytem_prompt": "unknown field"]),
    ]

    @Test(arguments: jsonRejections)
    func aJSONBodyBreakingARuleIsRefusedNamingThePath(_ item: JSONCase) throws {
        #expect(Self.problems(TemplateSubmission.read(json: try SynthesisJSON.parse(item.body)), pathOf: { $0 }) == item.expected)
    }

    @Test func aJSONBodyIsReadWithItsSettings() throws {
        let body = #"{"name": " Dialogues ", "type": "dialogue", "prompt": "A {mood} chat", "settings": {"temperature": 1.2, "items_per_call": 3}}"#
        let draft = try TemplateSubmission.read(json: try SynthesisJSON.parse(body)).get()
        #expect(draft == TemplateDraft(
            name: "Dialogues", type: .dialogue, prompt: "A {mood} chat", settingsJSON: #"{"temperature":1.2,"items_per_call":3}"#))
        #expect(TemplateSettings(json: try SynthesisJSON.parse(draft.settingsJSON)) == TemplateSettings(temperature: 1.2, topP: 1, maxTokens: 4096, itemsPerCall: 3))
    }

    @Test func storedSettingsRoundTripAndMissingMembersKeepTheirDefaults() throws {
        let settings = TemplateSettings(temperature: 0.3, topP: 0.8, maxTokens: 900, itemsPerCall: 12)
        #expect(TemplateSettings(json: try SynthesisJSON.parse(settings.json.serialized)) == settings)
        #expect(settings.json.serialized == #"{"temperature":0.3,"top_p":0.8,"max_tokens":900,"items_per_call":12}"#)
        #expect(TemplateSettings(json: try SynthesisJSON.parse(#"{"top_p": 0.5}"#)) == TemplateSettings(temperature: 0.9, topP: 0.5, maxTokens: 4096, itemsPerCall: 5))
    }

    /// What the server answers: the reading's rejection, or else the rules the draft breaks when the store checks it.
    static func problems(_ read: Result<TemplateDraft, TemplateRejection>, pathOf: (String) -> String) -> [String: String] {
        switch read {
        case .failure(let rejection): return Dictionary(rejection.problems.map { ($0.path, $0.rule) }) { first, _ in first }
        case .success(let draft):
            do {
                _ = try draft.checked()
                return [:]
            } catch {
                return Dictionary(uniqueKeysWithValues: error.fields.map { (pathOf($0.key), $0.value) })
            }
        }
    }
}
