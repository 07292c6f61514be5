import DistilleryCore
import Testing

private let reviewSystemMessage = #"{"role":"system","content":"Be brief."}"#

struct RowReviewTests {
    @Test(arguments: [
        (#"{"verdict":"accepted"}"#, RowReviewSubmission(verdict: .accepted), [:]),
        (#"{"verdict":"rejected","rating":2}"#, RowReviewSubmission(verdict: .rejected, rating: 2), [:]),
        (#"{"verdict":"accepted","rating":null}"#, RowReviewSubmission(verdict: .accepted), [:]),
        (#"{"verdict":"maybe"}"#, nil, ["verdict": "must be \"accepted\" or \"rejected\""]),
        (#"{"rating":3}"#, nil, ["verdict": "must be \"accepted\" or \"rejected\""]),
        (#"{"verdict":"accepted","rating":6}"#, nil, ["rating": "must be a whole number from 1 to 5, or left out"]),
        (#"{"verdict":"accepted","rating":2.5}"#, nil, ["rating": "must be a whole number from 1 to 5, or left out"]),
        (#"{"verdict":"accepted","rating":"4"}"#, nil, ["rating": "must be a whole number from 1 to 5, or left out"]),
        (#"{"verdict":"accepted","note":"x"}"#, nil, ["note": "is not a known field"]),
        (#"[1]"#, nil, ["body": "must be a JSON object"]),
    ] as [(String, RowReviewSubmission?, [String: String])])
    func aReviewBodyIsAVerdictAndAnOptionalRatingFrom1To5(body: String, expected: RowReviewSubmission?, problems: [String: String]) throws {
        switch RowReviewSubmission.read(try SynthesisJSON.parse(body)) {
        case .success(let submission): #expect(submission == expected)
        case .failure(let found): #expect(expected == nil && found.fields == problems)
        }
    }

    @Test(arguments: [
        (["verdict": "accepted", "rating": ""], RowReviewSubmission(verdict: .accepted)),
        (["verdict": "rejected", "rating": "5"], RowReviewSubmission(verdict: .rejected, rating: 5)),
        (["verdict": "rejected", "rating": "0"], nil),
        (["rating": "3"], nil),
    ] as [([String: String], RowReviewSubmission?)])
    func theFormSendsTheButtonPressedAndTheRatingPicked(fields: [String: String], expected: RowReviewSubmission?) {
        #expect((try? RowReviewSubmission.read(form: fields).get()) == expected)
    }

    @Test(arguments: [
        (#"{"messages":[\#(reviewSystemMessage),{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]}"#,
         #"{"messages":[\#(reviewSystemMessage),{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]}"#, [:]),
        // The same normalization as an upload: keys in role/content order, unknown message keys dropped.
        (#"{"messages":[\#(reviewSystemMessage),{"content":"Hi","role":"user","name":"x"},{"role":"assistant","content":"Hello."}]}"#,
         #"{"messages":[\#(reviewSystemMessage),{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]}"#, [:]),
        (#"{"messages":[\#(reviewSystemMessage),{"role":"user","content":"Hi"},{"role":"assistant","content":""}]}"#, nil,
         ["messages[2].content": "messages[2].content is an empty string"]),
        (#"{"messages":[\#(reviewSystemMessage),{"role":"user","content":"Hi"},{"role":"robot","content":"Hello."}]}"#, nil,
         ["messages[2].role": #"role must be "system", "user" or "assistant", found "robot""#]),
        (#"{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]}"#, nil,
         ["messages[0].role": #"the first message must have role "system" (the skill description), found "user""#]),
        (#"{"messages":[\#(reviewSystemMessage),{"role":"user","content":"Hi"}]}"#, nil,
         ["messages": #"the conversation must end with an assistant message (it ends with "user") or the line needs a top-level "completion""#]),
        (#"{"messages":"Hi"}"#, nil, ["messages": "messages must be an array, found a string"]),
        (#"{"rows":[]}"#, nil, ["rows": #"is not a known field (send only "messages")"#]),
        (#"{}"#, nil, ["messages": "is required"]),
    ] as [(String, String?, [String: String])])
    func anEditedRowPassesTheUploadRulesAndProblemsNameTheirJSONPath(body: String, normalized: String?, problems: [String: String]) throws {
        switch RowEdit.validate(try SynthesisJSON.parse(body), baseModel: BaseModelCatalog.defaultModel) {
        case .success(let row): #expect(String(decoding: row, as: UTF8.self) == normalized)
        case .failure(let found): #expect(normalized == nil && found.fields == problems)
        }
    }

    @Test func theEditFormsFieldsBecomeTheMessagesInOrder() {
        let json = RowEdit.messages(form: ["role_0": "user", "content_0": "Hi", "role_1": "assistant", "content_1": "Hello.", "role_3": "user"])
        #expect(json.serialized == #"{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]}"#)
    }
}
