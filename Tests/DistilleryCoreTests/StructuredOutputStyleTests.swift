import DistilleryCore
import Testing

/// The three ways a custom server may take an answer's schema, as the `supports_structured_output` field names them,
/// and what each puts in the request body.
struct StructuredOutputStyleTests {
    @Test(arguments: [
        ("json_schema", StructuredOutputStyle?.some(.jsonSchema)),
        ("json_object_schema", .jsonObjectSchema),
        (" JSON_OBJECT_SCHEMA ", .jsonObjectSchema),
        ("none", StructuredOutputStyle.none),
        ("true", .jsonSchema),
        ("on", .jsonSchema),
        ("false", StructuredOutputStyle.none),
        ("grammar", nil),
        ("", nil),
    ] as [(String, StructuredOutputStyle?)])
    func readsTheFieldAndTheOldCheckbox(field: String, expected: StructuredOutputStyle?) {
        #expect(StructuredOutputStyle(field: field) == expected)
    }

    static let schema = SynthesisJSON.object([("type", .string("object")), ("required", .array([.string("verdict")]))])

    /// The `response_format` member of the body for a request with a schema and JSON mode, per the server's style.
    @Test(arguments: [
        (StructuredOutputStyle.jsonSchema, #"{"type":"json_schema","json_schema":{"name":"verdict","schema":{"type":"object","required":["verdict"]},"strict":true}}"#),
        (.jsonObjectSchema, #"{"type":"json_object","schema":{"type":"object","required":["verdict"]}}"#),
        (StructuredOutputStyle.none, #"{"type":"json_object"}"#),
    ])
    func eachStyleFramesTheSchemaItsOwnWay(style: StructuredOutputStyle, expected: String) throws {
        let base = TeacherCapabilities(supportsN: false, supportsSeed: false, returnsReasoning: false, supportsJSONObject: true)
        let capabilities = style.applied(to: base)
        #expect(capabilities.structuredOutput == style)
        #expect(capabilities.takesSchema == (style != .none))
        let request = ChatCompletionRequest(
            model: "judge", systemPrompt: nil, userPrompt: "grade",
            sampling: SamplingSettings(jsonObjectResponse: true, jsonSchema: JSONSchemaFormat(name: "verdict", schema: Self.schema)))
        let body = try SynthesisJSON.parse(request.jsonBody(capabilities: capabilities))
        #expect(body["response_format"]?.serialized == expected)
    }

    @Test func aServerWithoutJSONModeGetsNoResponseFormatAtAll() throws {
        let capabilities = TeacherCapabilities(supportsN: false, supportsSeed: false, returnsReasoning: false)
        let request = ChatCompletionRequest(
            model: "judge", systemPrompt: nil, userPrompt: "grade",
            sampling: SamplingSettings(jsonObjectResponse: true, jsonSchema: JSONSchemaFormat(name: "verdict", schema: Self.schema)))
        #expect(try SynthesisJSON.parse(request.jsonBody(capabilities: capabilities))["response_format"] == nil)
    }
}
