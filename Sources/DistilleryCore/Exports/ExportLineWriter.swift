/// One row per format. JSON shapes splice each message's stored string literal unchanged, so text
/// survives byte for byte; CSV decodes it once and quotes it per RFC 4180.
enum ExportLineWriter {
    /// `{"messages":[{"role","content"},…]}`: the normalized body itself.
    static func appendOpenAI(_ messages: [ExportMessage], to out: inout [UInt8]) {
        append("{\"messages\":", to: &out)
        appendMessagesArray(messages, to: &out)
        append("}", to: &out)
    }

    /// `{"conversations":[{"from":"system"|"human"|"gpt","value"},…]}`.
    static func appendShareGPT(_ messages: [ExportMessage], to out: inout [UInt8]) {
        append("{\"conversations\":[", to: &out)
        for (index, message) in messages.enumerated() {
            if index > 0 { append(",", to: &out) }
            switch message.role {
            case .system: append("{\"from\":\"system\",\"value\":", to: &out)
            case .user: append("{\"from\":\"human\",\"value\":", to: &out)
            case .assistant: append("{\"from\":\"gpt\",\"value\":", to: &out)
            }
            out.append(contentsOf: message.contentLiteral)
            append("}", to: &out)
        }
        append("]}", to: &out)
    }

    /// `{"instruction","input","output","system","history"}`: the last user turn and its answer,
    /// earlier pairs in `history` as `[[user, assistant], …]`, `input` and a missing system empty.
    static func appendAlpaca(_ messages: [ExportMessage], to out: inout [UInt8]) throws(ExportError) {
        let (system, pairs) = try conversationPairs(messages)
        guard let last = pairs.last else { throw .notAlternating }
        append("{\"instruction\":", to: &out)
        out.append(contentsOf: last.user.contentLiteral)
        append(",\"input\":\"\",\"output\":", to: &out)
        out.append(contentsOf: last.assistant.contentLiteral)
        append(",\"system\":", to: &out)
        if let system { out.append(contentsOf: system.contentLiteral) } else { append("\"\"", to: &out) }
        append(",\"history\":[", to: &out)
        for (index, pair) in pairs.dropLast().enumerated() {
            if index > 0 { append(",", to: &out) }
            append("[", to: &out)
            out.append(contentsOf: pair.user.contentLiteral)
            append(",", to: &out)
            out.append(contentsOf: pair.assistant.contentLiteral)
            append("]", to: &out)
        }
        append("]}", to: &out)
    }

    /// Columns `split,system,user,assistant,messages`. A single-turn row (optional system, one user,
    /// one assistant) fills system/user/assistant and leaves messages empty; any other row leaves those
    /// three empty and holds its whole conversation, system included, as a JSON array in messages.
    static func appendCSV(_ messages: [ExportMessage], split: String?, to out: inout [UInt8]) {
        appendCSVField(Array((split ?? "").utf8), to: &out)
        append(",", to: &out)
        if let (system, pairs) = try? conversationPairs(messages), pairs.count == 1 {
            appendCSVField(system?.decodedContent ?? [], to: &out)
            append(",", to: &out)
            appendCSVField(pairs[0].user.decodedContent, to: &out)
            append(",", to: &out)
            appendCSVField(pairs[0].assistant.decodedContent, to: &out)
            append(",", to: &out)
        } else {
            append(",,,", to: &out)
            var array: [UInt8] = []
            appendMessagesArray(messages, to: &array)
            appendCSVField(array, to: &out)
        }
        append("\r\n", to: &out)
    }

    /// RFC 4180: a field holding a comma, quote, CR or LF is quoted, its quotes doubled. No formula
    /// guard (unlike the error report): a training export must keep every byte of the text.
    static func appendCSVField(_ field: [UInt8], to out: inout [UInt8]) {
        let needsQuotes = field.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            out.append(contentsOf: field)
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in field {
            if byte == UInt8(ascii: "\"") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }

    typealias Pair = (user: ExportMessage, assistant: ExportMessage)

    /// An optional leading system message, then strict user/assistant pairs.
    static func conversationPairs(_ messages: [ExportMessage]) throws(ExportError) -> (system: ExportMessage?, pairs: [Pair]) {
        var rest = messages[...]
        let system = rest.first?.role == .system ? rest.removeFirst() : nil
        guard !rest.isEmpty, rest.count % 2 == 0 else { throw .notAlternating }
        var pairs: [Pair] = []
        while let user = rest.popFirst(), let assistant = rest.popFirst() {
            guard user.role == .user, assistant.role == .assistant else { throw .notAlternating }
            pairs.append((user, assistant))
        }
        return (system, pairs)
    }

    private static func appendMessagesArray(_ messages: [ExportMessage], to out: inout [UInt8]) {
        append("[", to: &out)
        for (index, message) in messages.enumerated() {
            if index > 0 { append(",", to: &out) }
            switch message.role {
            case .system: append("{\"role\":\"system\",\"content\":", to: &out)
            case .user: append("{\"role\":\"user\",\"content\":", to: &out)
            case .assistant: append("{\"role\":\"assistant\",\"content\":", to: &out)
            }
            out.append(contentsOf: message.contentLiteral)
            append("}", to: &out)
        }
        append("]", to: &out)
    }

    private static func append(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
