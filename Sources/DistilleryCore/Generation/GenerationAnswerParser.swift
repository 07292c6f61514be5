/// Why a teacher's answer to an instruction template was refused, at a JSON path of the answer.
public struct GenerationAnswerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// "$", "$.items", "$.items[2].answer", … (`$` is the JSON the answer holds, inside any fence or prose).
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Reads one teacher answer of a template type: tolerant of the container, strict about the items.
public enum GenerationAnswerParser {
    /// Accepts a bare JSON array, an object wrapping it (under "items", or the object's only array value), one
    /// item object on its own, a fenced ```json block, and prose around the JSON (the first `[` or `{` from which
    /// a JSON value parses). An item that misses a field, has a wrong type or an empty (all-whitespace) string
    /// fails the whole answer: the engine retries the call and never half-accepts it. Zero items is an error;
    /// more items than asked is not (the caller drops the surplus). Strings are kept byte for byte.
    public static func parse(_ content: String, type: TemplateType) -> Result<[GeneratedItem], GenerationAnswerError> {
        parse(content, type: type, expecting: nil)
    }

    /// The same, saying "expected `count` items, got 0" for an empty answer.
    public static func parse(_ content: String, type: TemplateType, expecting count: Int?) -> Result<[GeneratedItem], GenerationAnswerError> {
        do throws(GenerationAnswerError) {
            let (array, path) = try itemArray(in: try json(in: content), type: type)
            guard !array.isEmpty else {
                let expected = count.map { "\($0) item\($0 == 1 ? "" : "s")" } ?? "at least 1 item"
                throw GenerationAnswerError(path: path, message: "expected \(expected), got 0")
            }
            var items: [GeneratedItem] = []
            for (index, value) in array.enumerated() { items.append(try item(value, type: type, path: "\(path)[\(index)]")) }
            return .success(items)
        } catch {
            return .failure(error)
        }
    }

    /// The JSON value the answer holds: the whole text, else the first fenced block, else the first `[` or `{`
    /// outside any bracket from which a value parses (so a truncated answer is refused whole, not mined for
    /// the complete items inside it). The error names the whole text's (or the fence's) parse failure.
    static func json(in content: String) throws(GenerationAnswerError) -> SynthesisJSON {
        let text = AnswerExtraction.splitInlineReasoning(content).answer
        var attempt = parse(text)
        if case .failure = attempt, let fenced = fencedBlock(in: text) { attempt = parse(fenced) }
        switch attempt {
        case .success(let value): return value
        case .failure(let error):
            if let value = outermostJSON(in: text) { return value }
            throw GenerationAnswerError(path: "$", message: "not JSON: \(error)")
        }
    }

    static func parse(_ text: some StringProtocol) -> Result<SynthesisJSON, SynthesisJSONError> {
        Result { () throws(SynthesisJSONError) in try SynthesisJSON.parse(String(text)) }
    }

    /// Brackets are counted without regard to strings: prose is not JSON, and a start inside an unclosed
    /// bracket belongs to a value that did not parse.
    static func outermostJSON(in text: String) -> SynthesisJSON? {
        let bytes = Array(text.utf8)
        var depth = 0
        for (offset, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if depth == 0, let (value, _) = SynthesisJSON.parsePrefix(bytes, from: offset) { return value }
                depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
        return nil
    }

    /// The text between the first ``` line (with or without a language tag) and the next ```.
    static func fencedBlock(in text: String) -> Substring? {
        guard let open = text.firstRange(of: "```") else { return nil }
        let afterTag = text[open.upperBound...].firstIndex(of: "\n").map { text.index(after: $0) } ?? open.upperBound
        guard let close = text[afterTag...].firstRange(of: "```") else { return nil }
        return text[afterTag..<close.lowerBound]
    }

    /// The array of items and its path.
    static func itemArray(in value: SynthesisJSON, type: TemplateType) throws(GenerationAnswerError) -> ([SynthesisJSON], String) {
        switch value {
        case .array(let items): return (items, "$")
        case .object(let members):
            if let items = value["items"] {
                guard let array = items.arrayValue else { throw GenerationAnswerError(path: "$.items", message: "must be an array") }
                return (array, "$.items")
            }
            if type.itemFields.allSatisfy({ value[$0] != nil }) { return ([value], "$") }
            let arrays = members.filter { $0.value.arrayValue != nil }
            if arrays.count == 1, let array = arrays[0].value.arrayValue { return (array, "$" + memberPath(arrays[0].key)) }
            throw GenerationAnswerError(path: "$.items", message: "missing")
        default:
            throw GenerationAnswerError(path: "$", message: "must be an array of items or an object with \"items\"")
        }
    }

    static func item(_ value: SynthesisJSON, type: TemplateType, path: String) throws(GenerationAnswerError) -> GeneratedItem {
        guard case .object = value else { throw GenerationAnswerError(path: path, message: "must be an object") }
        switch type {
        case .prompts: return .prompt(try text(value, "prompt", path: path))
        case .qa: return .qa(question: try text(value, "question", path: path), answer: try text(value, "answer", path: path))
        case .transform: return .transform(output: try text(value, "output", path: path))
        case .dialogue: return .dialogue(try turns(value, path: path))
        }
    }

    static func turns(_ item: SynthesisJSON, path: String) throws(GenerationAnswerError) -> [DialogueTurn] {
        let turnsPath = path + ".turns"
        guard let value = item["turns"] else { throw GenerationAnswerError(path: turnsPath, message: "missing") }
        guard let array = value.arrayValue else { throw GenerationAnswerError(path: turnsPath, message: "must be an array") }
        guard !array.isEmpty else { throw GenerationAnswerError(path: turnsPath, message: "is empty") }
        var turns: [DialogueTurn] = []
        for (index, turn) in array.enumerated() {
            let turnPath = "\(turnsPath)[\(index)]"
            guard case .object = turn else { throw GenerationAnswerError(path: turnPath, message: "must be an object") }
            let role = try text(turn, "role", path: turnPath)
            let expected = index.isMultiple(of: 2) ? "user" : "assistant"
            guard role == "user" || role == "assistant" else {
                throw GenerationAnswerError(path: turnPath + ".role", message: "must be \"user\" or \"assistant\"")
            }
            guard role == expected else {
                let why = index == 0 ? "a dialogue starts with the user" : "turns alternate between user and assistant"
                throw GenerationAnswerError(path: turnPath + ".role", message: "must be \"\(expected)\" (\(why))")
            }
            turns.append(DialogueTurn(role: role, content: try text(turn, "content", path: turnPath)))
        }
        guard turns.last?.role == "assistant" else {
            throw GenerationAnswerError(path: turnsPath, message: "must end with an assistant turn")
        }
        return turns
    }

    static func text(_ object: SynthesisJSON, _ field: String, path: String) throws(GenerationAnswerError) -> String {
        let fieldPath = path + memberPath(field)
        guard let value = object[field] else { throw GenerationAnswerError(path: fieldPath, message: "missing") }
        guard let string = value.stringValue else { throw GenerationAnswerError(path: fieldPath, message: "must be a string") }
        guard string.contains(where: { !$0.isWhitespace }) else { throw GenerationAnswerError(path: fieldPath, message: "is empty") }
        return string
    }

    /// `.name` for plain names, `["…"]` for anything else.
    static func memberPath(_ key: String) -> String {
        let scalars = key.unicodeScalars
        let plain = scalars.first.map { !("0"..."9").contains($0) } == true
            && scalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        return plain ? "." + key : "[" + SynthesisJSON.string(key).serialized + "]"
    }
}
