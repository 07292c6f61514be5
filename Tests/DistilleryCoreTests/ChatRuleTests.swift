import Testing
@testable import DistilleryCore

struct ChatRuleCase: Sendable, CustomStringConvertible {
    let name: String
    let line: String
    let expected: [FieldCode]
    var description: String { name }
}

private let sys = Chat.message("system", "S")
private let usr = Chat.message("user", "U")
private let asst = Chat.message("assistant", "A")

let chatRuleCases: [ChatRuleCase] = [
    .init(name: "preferred shape", line: Chat.line(sys, usr, asst), expected: []),
    .init(name: "legacy completion", line: Chat.line(sys, usr, extra: #","completion":"A""#), expected: []),
    .init(name: "system then completion only", line: Chat.line(sys, extra: #","completion":"A""#), expected: []),
    .init(name: "escaped key names still match", line: #"{"messag\u0065s":[{"r\u006fle":"system","content":"S"},{"role":"us\u0065r","content":"U"},{"role":"assistant","content":"A"}]}"#, expected: []),
    .init(name: "missing messages", line: #"{"prompt":"x"}"#, expected: [.init("messages", "missing_messages")]),
    .init(name: "empty object", line: "{}", expected: [.init("messages", "missing_messages")]),
    .init(name: "messages not array", line: #"{"messages":"hi"}"#, expected: [.init("messages", "messages_not_array")]),
    .init(name: "messages null", line: #"{"messages":null}"#, expected: [.init("messages", "messages_not_array")]),
    .init(name: "messages empty", line: #"{"messages":[]}"#, expected: [.init("messages", "empty_messages")]),
    .init(name: "message not object", line: Chat.line(sys, #""hi""#, asst), expected: [.init("messages[1]", "message_not_object")]),
    .init(name: "missing role", line: Chat.line(sys, #"{"content":"U"}"#, asst), expected: [.init("messages[1].role", "missing_role")]),
    .init(name: "unknown role", line: Chat.line(sys, Chat.message("bot", "U"), asst), expected: [.init("messages[1].role", "invalid_role")]),
    .init(name: "role is case-sensitive", line: Chat.line(sys, Chat.message("User", "U"), asst), expected: [.init("messages[1].role", "invalid_role")]),
    .init(name: "role not a string", line: Chat.line(sys, #"{"role":1,"content":"U"}"#, asst), expected: [.init("messages[1].role", "invalid_role")]),
    .init(name: "missing content", line: Chat.line(sys, #"{"role":"user"}"#, asst), expected: [.init("messages[1].content", "missing_content")]),
    .init(name: "content null", line: Chat.line(sys, #"{"role":"user","content":null}"#, asst), expected: [.init("messages[1].content", "content_not_string")]),
    .init(name: "content array", line: Chat.line(sys, #"{"role":"user","content":[{"type":"text"}]}"#, asst), expected: [.init("messages[1].content", "content_not_string")]),
    .init(name: "empty content", line: Chat.line(sys, Chat.message("user", ""), asst), expected: [.init("messages[1].content", "empty_content")]),
    .init(name: "empty system content", line: Chat.line(Chat.message("system", ""), usr, asst), expected: [.init("messages[0].content", "empty_content")]),
    .init(name: "first role not system", line: Chat.line(usr, asst), expected: [.init("messages[0].role", "first_role_not_system")]),
    .init(name: "ends with user", line: Chat.line(sys, usr), expected: [.init("messages", "missing_assistant_turn")]),
    .init(name: "only a system message", line: Chat.line(sys), expected: [.init("messages", "missing_assistant_turn")]),
    .init(name: "completion after assistant", line: Chat.line(sys, usr, asst, extra: #","completion":"B""#), expected: [.init("completion", "completion_conflict")]),
    .init(name: "completion not a string", line: Chat.line(sys, usr, extra: #","completion":42"#), expected: [.init("completion", "completion_not_string")]),
    .init(name: "completion null", line: Chat.line(sys, usr, extra: #","completion":null"#), expected: [.init("completion", "completion_not_string")]),
    .init(name: "completion empty", line: Chat.line(sys, usr, extra: #","completion":"""#), expected: [.init("completion", "empty_content")]),
    .init(name: "duplicate top-level key", line: #"{"messages":[],"messages":[\#(sys),\#(usr),\#(asst)]}"#, expected: [.init("messages", "duplicate_key")]),
    .init(name: "duplicate key in a message", line: Chat.line(sys, #"{"role":"user","role":"user","content":"U"}"#, asst), expected: [.init("messages[1].role", "duplicate_key")]),
    .init(name: "duplicate key spelled with an escape", line: Chat.line(sys, #"{"role":"user","r\u006fle":"user","content":"U"}"#, asst), expected: [.init("messages[1].role", "duplicate_key")]),
    .init(name: "duplicate key nested in an unknown key", line: Chat.line(sys, usr, asst, extra: #","meta":{"a":1,"b":{"c":1,"c":2}}"#), expected: [.init("meta", "duplicate_key")]),
    .init(name: "duplicate key inside a non-string content", line: Chat.line(sys, #"{"role":"user","content":{"a":1,"a":2}}"#, asst, extra: #","meta":{"b":1}"#),
          expected: [.init("messages[1].content", "duplicate_key"), .init("messages[1].content", "content_not_string")]),
    .init(name: "same key in sibling objects is fine", line: Chat.line(sys, usr, asst, extra: #","meta":[{"a":1},{"a":2}]"#), expected: []),
    .init(name: "top level array", line: "[1,2]", expected: [.init("", "not_an_object")]),
    .init(name: "top level string", line: #""hello""#, expected: [.init("", "not_an_object")]),
    .init(name: "several problems on one line", line: Chat.line(Chat.message("user", ""), #"{"role":"bot"}"#), expected: [
        .init("messages[0].content", "empty_content"), .init("messages[0].role", "first_role_not_system"),
        .init("messages[1].role", "invalid_role"), .init("messages[1].content", "missing_content"),
    ].sortedForComparison()),
]

extension Array where Element == FieldCode {
    func sortedForComparison() -> [FieldCode] { sorted { ($0.field, $0.code) < ($1.field, $1.code) } }
}

@Test(arguments: chatRuleCases)
func chatRule(_ testCase: ChatRuleCase) {
    let errors = chatErrors(testCase.line)
    #expect(errors.sortedForComparison() == testCase.expected.sortedForComparison(), "\(testCase.name)")
}

@Test func errorsCarryLineNumberAndPlainReason() {
    let outcome = run(lines: [Chat.valid(1), Chat.line(sys, Chat.message("bot", "U"), asst)])
    let error = try! #require(outcome.errors.first)
    #expect(error.line == 2)
    #expect(error.message.contains("\"bot\""))
    #expect(error.message.contains("\"system\", \"user\" or \"assistant\""))
}

@Test func contentLimitCountsUnescapedUTF8Bytes() {
    let limit = 65_536
    let exactly = String(repeating: "a", count: limit)
    #expect(chatErrors(Chat.line(sys, Chat.message("user", exactly), asst)).isEmpty)
    let over = exactly + "a"
    #expect(chatErrors(Chat.line(sys, Chat.message("user", over), asst)) == [.init("messages[1].content", "content_too_large")])
    // \u00e9 is 6 source bytes but 2 UTF-8 bytes: 32 768 of them are exactly 64 KiB.
    let escaped = String(repeating: #"\u00e9"#, count: limit / 2)
    #expect(chatErrors(Chat.line(sys, Chat.message("user", escaped), asst)).isEmpty)
    #expect(chatErrors(Chat.line(sys, Chat.message("user", escaped + "x"), asst)) == [.init("messages[1].content", "content_too_large")])
    // Completion obeys the same limit.
    #expect(chatErrors(Chat.line(sys, usr, extra: #","completion":"\#(over)""#)) == [.init("completion", "content_too_large")])
}

@Test func contextWindowUsesTheChosenBaseModel() throws {
    let small = try #require(BaseModelCatalog.model(id: "smollm2-135m-instruct"))
    #expect(small.contextWindow == 8_192)
    // 40 000 ASCII bytes ≈ 10 000 tokens: fine for Llama 3.1 (131 072), too long for SmolLM2 (8 192).
    let long = Chat.line(sys, usr, Chat.message("assistant", String(repeating: "word ", count: 8_000)))
    #expect(chatErrors(long).isEmpty)
    let errors = run(Chat.file([long]), options: ValidationOptions(mode: .chat, baseModel: small)).errors
    #expect(errors.map(\.code) == ["context_window_exceeded"])
    #expect(errors.first?.field == "")
    #expect(errors.first?.message.contains("smollm2-135m-instruct") == true)
    #expect(errors.first?.message.contains("8192") == true)
}

@Test func errorsPerLineAreCapped() {
    let bad = (0..<50).map { _ in Chat.message("bot", "") }
    let line = Chat.line([sys] + bad + [asst])
    let errors = chatErrors(line)
    #expect(errors.count == 10)
}

extension Chat {
    static func line(_ messages: [String], extra: String = "") -> String {
        #"{"messages":[\#(messages.joined(separator: ","))]\#(extra)}"#
    }
}

@Test func catalogHasTheDocumentedModels() throws {
    let ids = BaseModelCatalog.all.map(\.id)
    for id in ["llama-3.1-8b-instruct", "llama-3.2-3b-instruct", "llama-3.2-1b-instruct", "qwen2.5-7b-instruct", "qwen3-8b",
               "mistral-7b-instruct-v0.3", "gemma-2-9b-it", "gemma-3-4b-it", "phi-3.5-mini-instruct",
               "smollm2-1.7b-instruct", "smollm2-135m-instruct"] {
        #expect(ids.contains(id), "\(id)")
    }
    #expect(Set(ids).count == ids.count)
    #expect(BaseModelCatalog.defaultModel.id == "llama-3.1-8b-instruct")
    #expect(BaseModelCatalog.model(id: "gemma-2-9b-it")?.contextWindow == 8_192)
    #expect(BaseModelCatalog.model(id: "nope") == nil)
}
