/// Role of a message as far as validation is concerned.
enum MessageRole: Equatable {
    case system, user, assistant
    /// Missing, not a string, or not one of the three names (already reported as an error).
    case invalid

    var name: StaticString {
        switch self {
        case .system: "system"
        case .user: "user"
        case .assistant: "assistant"
        case .invalid: "?"
        }
    }
}

/// Facts about one chat line gathered while scanning it.
struct ChatLineState {
    var messagesPresent = false
    var messagesKind: JSONValueKind?
    var messageCount = 0
    var lastRole: MessageRole?
    var rolesAlternate = true
    var hasWhitespaceContent = false
    var hasUnknownKey = false
    var unknownKeyExample: String?
    var tokens = 0
    var userHash: UInt64 = 0
    var userMessages = 0
    var completion: StringToken?
    var completionKind: JSONValueKind?
}

extension StreamingValidator {
    /// Chat rules for one non-blank line (README "Validation rules").
    mutating func validateChatLine<Sink: ValidationSink>(_ bytes: UnsafeRawBufferPointer, lineNumber line: Int, sink: inout Sink) {
        scanner.begin(bytes)
        if options.collectRows {
            normalized.removeAll(keepingCapacity: true)
            appendNormalized("{\"messages\":[")
        }
        var state = ChatLineState()
        do throws(ScanFailure) {
            try scanChatObject(&state, line: line)
        } catch {
            reportSyntax(error, line: line)
            rejectLine(sink: &sink)
            return
        }
        checkConversation(&state, line: line)
        if lineErrors.isEmpty && state.tokens > options.baseModel.contextWindow {
            addError(line: line, field: "", code: "context_window_exceeded",
                     "estimated \(state.tokens) tokens exceeds \(options.baseModel.id)'s context window of \(options.baseModel.contextWindow) tokens")
        }
        guard lineErrors.isEmpty else {
            rejectLine(sink: &sink)
            return
        }
        if state.hasUnknownKey {
            unknownKeys.note(line: line, keep: options.keptWarningLines)
            if unknownKeys.example == nil { unknownKeys.example = state.unknownKeyExample }
        }
        if state.hasWhitespaceContent { whitespaceContent.note(line: line, keep: options.keptWarningLines) }
        if !state.rolesAlternate { nonAlternatingRoles.note(line: line, keep: options.keptWarningLines) }
        if state.userMessages > 0 { noteUserContent(hash: state.userHash, line: line) }
        if options.collectRows { appendNormalized("]}") }
        acceptRow(line: line, tokens: state.tokens, messages: state.messageCount, sink: &sink)
    }

    private mutating func scanChatObject(_ state: inout ChatLineState, line: Int) throws(ScanFailure) {
        scanner.skipWhitespace()
        guard scanner.peek == UInt8(ascii: "{") else {
            let kind = try scanner.skipValue(depth: 1)
            try scanner.expectEndOfLine()
            addError(line: line, field: "", code: "not_an_object", "each line must be a JSON object, found \(kind.phrase)")
            return
        }
        if try scanner.openObject(depth: 1) {
            repeat {
                let (key, isNew) = try scanner.scanKey(depth: 1)
                if !isNew {
                    let name = scanner.decodedString(key)
                    addError(line: line, field: name, code: "duplicate_key", "duplicate key \"\(name)\" in the line's object")
                }
                if scanner.tokenEquals(key, "messages") {
                    state.messagesPresent = true
                    if scanner.peek == UInt8(ascii: "[") {
                        state.messagesKind = .array
                        try scanMessages(&state, line: line)
                    } else {
                        state.messagesKind = try skipChecked(depth: 2, field: { _ in "messages" }, line: line)
                    }
                } else if scanner.tokenEquals(key, "completion") {
                    if scanner.peek == UInt8(ascii: "\"") {
                        state.completion = try scanner.scanString()
                        state.completionKind = .string
                    } else {
                        state.completion = nil
                        state.completionKind = try skipChecked(depth: 2, field: { _ in "completion" }, line: line)
                    }
                } else {
                    state.hasUnknownKey = true
                    if state.unknownKeyExample == nil && unknownKeys.example == nil {
                        state.unknownKeyExample = scanner.decodedString(key)
                    }
                    try skipChecked(depth: 2, field: { $0.decodedString(key) }, line: line)
                }
            } while try scanner.nextMember()
        }
        try scanner.expectEndOfLine()
    }

    /// Skips a value the rules ignore, still reporting a duplicate key nested inside it.
    @discardableResult
    mutating func skipChecked(depth: Int, field: (StrictJSONScanner) -> String, line: Int) throws(ScanFailure) -> JSONValueKind {
        let kind = try scanner.skipValue(depth: depth)
        if let duplicate = scanner.nestedDuplicateKey {
            scanner.nestedDuplicateKey = nil
            let path = field(scanner)
            addError(line: line, field: path, code: "duplicate_key", "duplicate key \"\(duplicate)\" in an object inside \(path)")
        }
        return kind
    }

    private mutating func scanMessages(_ state: inout ChatLineState, line: Int) throws(ScanFailure) {
        guard try scanner.openArray(depth: 2) else { return }
        var index = 0
        repeat {
            scanner.skipWhitespace()
            let role: MessageRole
            if scanner.peek == UInt8(ascii: "{") {
                role = try scanMessage(index: index, &state, line: line)
            } else {
                let kind = try skipChecked(depth: 3, field: { _ in "messages[\(index)]" }, line: line)
                addError(line: line, field: "messages[\(index)]", code: "message_not_object",
                         "each message must be an object with role and content, found \(kind.phrase)")
                role = .invalid
            }
            if index > 0 && role != .invalid && role != Self.expectedRole(at: index) { state.rolesAlternate = false }
            state.lastRole = role
            index += 1
        } while try scanner.nextElement()
        state.messageCount = index
    }

    /// system first, then user, assistant, user, …
    static func expectedRole(at index: Int) -> MessageRole {
        index == 0 ? .system : (index % 2 == 1 ? .user : .assistant)
    }

    private mutating func scanMessage(index: Int, _ state: inout ChatLineState, line: Int) throws(ScanFailure) -> MessageRole {
        var role: MessageRole?
        var roleProblem: String?
        var content: StringToken?
        var contentKind: JSONValueKind?
        if try scanner.openObject(depth: 3) {
            repeat {
                let (key, isNew) = try scanner.scanKey(depth: 3)
                if !isNew {
                    let name = scanner.decodedString(key)
                    addError(line: line, field: "messages[\(index)].\(name)", code: "duplicate_key",
                             "duplicate key \"\(name)\" in messages[\(index)]")
                }
                if scanner.tokenEquals(key, "role") {
                    if scanner.peek == UInt8(ascii: "\"") {
                        let token = try scanner.scanString()
                        if scanner.tokenEquals(token, "user") { role = .user }
                        else if scanner.tokenEquals(token, "assistant") { role = .assistant }
                        else if scanner.tokenEquals(token, "system") { role = .system }
                        else { role = .invalid; roleProblem = "\"\(scanner.decodedString(token, limit: 40))\"" }
                    } else {
                        role = .invalid
                        roleProblem = try skipChecked(depth: 4, field: { _ in "messages[\(index)].role" }, line: line).phrase
                    }
                } else if scanner.tokenEquals(key, "content") {
                    if scanner.peek == UInt8(ascii: "\"") {
                        content = try scanner.scanString()
                        contentKind = .string
                    } else {
                        content = nil
                        contentKind = try skipChecked(depth: 4, field: { _ in "messages[\(index)].content" }, line: line)
                    }
                } else {
                    state.hasUnknownKey = true
                    if state.unknownKeyExample == nil && unknownKeys.example == nil {
                        state.unknownKeyExample = "messages[\(index)].\(scanner.decodedString(key))"
                    }
                    try skipChecked(depth: 4, field: { "messages[\(index)].\($0.decodedString(key))" }, line: line)
                }
            } while try scanner.nextMember()
        }

        switch role {
        case nil:
            addError(line: line, field: "messages[\(index)].role", code: "missing_role", "message has no \"role\"")
        case .invalid?:
            addError(line: line, field: "messages[\(index)].role", code: "invalid_role",
                     "role must be \"system\", \"user\" or \"assistant\", found \(roleProblem ?? "something else")")
        case let known?:
            if index == 0 && known != .system {
                addError(line: line, field: "messages[0].role", code: "first_role_not_system",
                         "the first message must have role \"system\" (the skill description), found \"\(known.name)\"")
            }
        }
        checkContent(content, kind: contentKind, field: { "messages[\(index)].content" }, missingCode: "missing_content",
                     &state, line: line)
        if let content, let role, role != .invalid {
            if role == .user {
                state.userHash = scanner.hashDecoded(content, seed: state.userHash &+ UInt64(state.userMessages))
                state.userMessages += 1
            }
            if options.collectRows && lineErrors.isEmpty {
                appendMessage(role: role, content: content, first: index == 0)
            }
        }
        return role ?? .invalid
    }

    /// Shared content rules for message content and a legacy completion.
    private mutating func checkContent(_ token: StringToken?, kind: JSONValueKind?, field: () -> String, missingCode: String,
                                       _ state: inout ChatLineState, line: Int) {
        guard let kind else {
            addError(line: line, field: field(), code: missingCode, "\(field()) is missing")
            return
        }
        guard let token, kind == .string else {
            let code = field() == "completion" ? "completion_not_string" : "content_not_string"
            addError(line: line, field: field(), code: code, "\(field()) must be a string, found \(kind.phrase)")
            return
        }
        if token.isEmpty {
            addError(line: line, field: field(), code: "empty_content", "\(field()) is an empty string")
        } else if token.decodedByteCount > options.maxContentBytes {
            addError(line: line, field: field(), code: "content_too_large",
                     "\(field()) is \(token.decodedByteCount) bytes; the limit is \(Self.describeLimit(options.maxContentBytes))")
        } else if !token.hasNonWhitespace {
            state.hasWhitespaceContent = true
        }
        state.tokens += token.estimatedTokens + TokenEstimator.perMessageOverhead
    }

    private mutating func appendMessage(role: MessageRole, content: StringToken, first: Bool) {
        if !first { appendNormalized(",") }
        switch role {
        case .system: appendNormalized("{\"role\":\"system\",\"content\":")
        case .user: appendNormalized("{\"role\":\"user\",\"content\":")
        case .assistant, .invalid: appendNormalized("{\"role\":\"assistant\",\"content\":")
        }
        appendNormalized(scanner.rawBytes(content))
        appendNormalized("}")
    }

    /// Whole-conversation rules, after the line parsed as strict JSON.
    private mutating func checkConversation(_ state: inout ChatLineState, line: Int) {
        if !lineErrors.isEmpty, lineErrors[0].code == "not_an_object" { return }
        guard state.messagesPresent else {
            addError(line: line, field: "messages", code: "missing_messages", "the line has no \"messages\" array")
            return
        }
        if let kind = state.messagesKind, kind != .array {
            addError(line: line, field: "messages", code: "messages_not_array", "messages must be an array, found \(kind.phrase)")
            return
        }
        if state.messageCount == 0 {
            addError(line: line, field: "messages", code: "empty_messages", "messages is an empty array")
            return
        }
        if state.completionKind != nil {
            checkContent(state.completion, kind: state.completionKind, field: { "completion" }, missingCode: "missing_content",
                         &state, line: line)
            if state.lastRole == .assistant {
                addError(line: line, field: "completion", code: "completion_conflict",
                         "the conversation already ends with an assistant message, so a top-level completion is ambiguous")
            }
            if Self.expectedRole(at: state.messageCount) != .assistant { state.rolesAlternate = false }
            state.messageCount += 1
            if let completion = state.completion, options.collectRows && lineErrors.isEmpty {
                appendMessage(role: .assistant, content: completion, first: false)
            }
        } else if let last = state.lastRole, last != .assistant, last != .invalid {
            addError(line: line, field: "messages", code: "missing_assistant_turn",
                     "the conversation must end with an assistant message (it ends with \"\(last.name)\") or the line needs a top-level \"completion\"")
        }
    }
}
