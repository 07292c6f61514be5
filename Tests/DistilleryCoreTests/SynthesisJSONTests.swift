import DistilleryCore
import Testing

struct SynthesisJSONTests {
    @Test(arguments: [
        ("{\"a\":1,\"b\":[true,false,null],\"c\":\"x\"}", "{\"a\":1,\"b\":[true,false,null],\"c\":\"x\"}"),
        ("  [1.5, -2, 3e2, 0]  ", "[1.5,-2,300,0]"),
        ("\"tab\\tquote\\\"slash\\/u\\u00e9\\ud83d\\ude00\"", "\"tab\\tquote\\\"slash/ué😀\""),
        ("{\"z\":0,\"a\":0}", "{\"z\":0,\"a\":0}"),
    ])
    func roundTripsKeepingKeyOrder(input: String, expected: String) throws {
        #expect(try SynthesisJSON.parse(input).serialized == expected)
    }

    @Test(arguments: [
        ("", "unexpected end of JSON"),
        ("{\"a\":1,}", "expected a member name in quotes"),
        ("[1 2]", "expected ',' or ']'"),
        ("01", "unexpected text after the JSON value"),
        ("1.", "expected digits after '.'"),
        ("+1", "unexpected character"),
        ("\"a\nb\"", "control character in a string"),
        ("\"\\ud800\"", "unpaired surrogate in a string"),
        ("{} x", "unexpected text after the JSON value"),
        ("tru", "expected 'true'"),
    ])
    func rejectsInvalidJSON(input: String, message: String) {
        #expect(throws: SynthesisJSONError.self) { try SynthesisJSON.parse(input) }
        do {
            _ = try SynthesisJSON.parse(input)
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func escapesControlCharactersAndLineSeparators() {
        let value = SynthesisJSON.string("a\u{01}b\u{2028}c\n\\")
        #expect(value.serialized == "\"a\\u0001b\\u2028c\\n\\\\\"")
        #expect(SynthesisJSON.number(0.7).serialized == "0.7")
        #expect(SynthesisJSON.number(42).serialized == "42")
        #expect(SynthesisJSON.number(.nan).serialized == "null")
    }

    @Test func deepNestingIsRefusedNotCrashed() {
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: SynthesisJSONError.self) { try SynthesisJSON.parse(deep) }
    }
}
