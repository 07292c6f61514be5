import DistilleryCore
import Testing

/// The preview: which calls it shows (the strata in turn, five at most), their `{index}` and `{count}`, and the
/// prompts rendered from them, written out by hand.
struct TemplatePreviewTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let label: String
        let prompt: String
        let variables: String
        let count: Int
        let itemsPerCall: Int
        /// (stratum label, prompt) of each previewed call, in order.
        let calls: [(String, String)]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "no variables: one stratum, its calls in order, the last one shorter", prompt: "Items {index}+{count}", variables: "",
            count: 12, itemsPerCall: 5, calls: [("all", "Items 1+5"), ("all", "Items 6+5"), ("all", "Items 11+2")]),
        Case(
            label: "a weight of 0 gives a stratum no call", prompt: "{topic} {index} {count}", variables: "topic: a 1, b 0, c 1",
            count: 4, itemsPerCall: 10, calls: [("topic=a", "a 1 2"), ("topic=c", "c 3 2")]),
        Case(
            label: "many strata: the first call of each of the first five",
            prompt: "{topic}@{index}", variables: "topic: a, b, c, d, e, f\ntone: dry", count: 60, itemsPerCall: 10,
            calls: [("topic=a", "a@1"), ("topic=b", "b@11"), ("topic=c", "c@21"), ("topic=d", "d@31"), ("topic=e", "e@41")]),
        Case(
            label: "strata in turn, then their second calls", prompt: "{tone} {topic} {index}/{count}",
            variables: "topic: x 3, y 1\ntone: calm", count: 8, itemsPerCall: 2,
            calls: [("topic=x", "calm x 1/2"), ("topic=y", "calm y 7/2"), ("topic=x", "calm x 3/2"), ("topic=x", "calm x 5/2")]),
    ]

    @Test(arguments: cases)
    func thePreviewShowsTheseCalls(_ item: Case) throws {
        let request = TemplatePreviewRequest(
            variables: try GenerationVariablesReader.read(formText: item.variables), count: item.count, itemsPerCall: item.itemsPerCall)
        let preview = try TemplatePreview.make(
            prompt: try PromptTemplate(item.prompt), type: .qa, systemPrompt: "", request: request, nowUnixMs: 0).get()
        #expect(preview.calls.map(\.stratumLabel) == item.calls.map(\.0))
        #expect(preview.calls.map(\.prompt) == item.calls.map(\.1))
    }

    @Test func builtInsDescriptionsAndTheFormatInstruction() throws {
        let request = TemplatePreviewRequest(
            variables: try GenerationVariablesReader.read(
                try SynthesisJSON.parse(#"{"topic": [{"value": "billing", "description": "invoices"}], "tone": {"value": "dry", "description": "no jokes"}}"#)),
            count: 3, itemsPerCall: 5, seed: 9)
        let preview = try TemplatePreview.make(
            prompt: try PromptTemplate("{current_date} {current_time} {topic} ({topic.description}), {tone.description}: {random_id}"),
            type: .prompts, systemPrompt: "S", request: request, nowUnixMs: 1_772_600_767_000).get()
        let call = try #require(preview.calls.first)
        #expect(preview.calls.count == 1)
        #expect(call.prompt.hasPrefix("2026-03-04 05:06 billing (invoices), no jokes: "))
        #expect(call.prompt.suffix(16).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(call.count == 3 && call.firstIndex == 1 && call.itemsText == "items 1–3")
        #expect(call.values.map(\.name) == ["topic", "tone"])
        #expect(call.values.map(\.value) == ["billing", "dry"])
        #expect(call.formatInstruction.contains("exactly 3 items"))
        #expect(preview.systemPrompt == "S")
    }

    @Test func aMissingValueIsNamedAndAPlanErrorKeepsItsPath() throws {
        let prompt = try PromptTemplate("{a} {b} {c}")
        let missing = TemplatePreview.make(
            prompt: prompt, type: .qa, systemPrompt: "",
            request: TemplatePreviewRequest(variables: try GenerationVariablesReader.read(formText: "b: x"), count: 5, itemsPerCall: 5), nowUnixMs: 0)
        #expect(missing == .failure(TemplateRejection([RecipeProblem(
            path: "variables",
            rule: "the prompt uses {a} but the task gives no value for a; the prompt uses {c} but the task gives no value for c")])))
        let tooMany = TemplatePreview.make(
            prompt: try PromptTemplate("x"), type: .qa, systemPrompt: "",
            request: TemplatePreviewRequest(variables: [], count: 0, itemsPerCall: 5), nowUnixMs: 0)
        guard case .failure(let rejection) = tooMany else { Issue.record("a count of 0 was previewed"); return }
        #expect(rejection.problems.map(\.path) == ["count"])
    }

    @Test func theFormTakesTextOrJSONAndNamesBadNumbers() throws {
        let text = try TemplatePreviewRequest.read(form: ["variables": "topic: a 2, b"], defaultItemsPerCall: 7).get()
        #expect(text.count == 100 && text.itemsPerCall == 7 && text.seed == 0)
        #expect(text.variables.map(\.name) == ["topic"])
        let json = try TemplatePreviewRequest.read(
            form: ["variables": #" {"topic": [{"value": "a", "description": "the letter a"}]}"#, "count": "9", "seed": "4"], defaultItemsPerCall: 7).get()
        #expect(json.variables.first?.values.first?.description == "the letter a")
        #expect(json.count == 9 && json.seed == 4)
        guard case .failure(let rejection) = TemplatePreviewRequest.read(
            form: ["variables": "{oops", "count": "many", "items_per_call": "99"], defaultItemsPerCall: 5)
        else {
            Issue.record("a bad form was read")
            return
        }
        #expect(rejection.problems.map(\.path) == ["variables", "count", "items_per_call"])
        #expect(rejection.problems.first?.rule.hasPrefix("is not JSON: ") == true)
        #expect(rejection.problems.dropFirst().map(\.rule) == ["must be a whole number; got \"many\"", "must be between 1 and 50; got 99"])
    }
}
