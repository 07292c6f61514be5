/// Placeholders every prompt may use without the task giving a value.
public enum PromptBuiltin: String, Sendable, CaseIterable {
    case currentDate = "current_date", currentTime = "current_time", randomID = "random_id", index, count
}

/// The values one teacher call's prompt is rendered with.
public struct PromptContext: Sendable, Equatable {
    /// Variable name → value for this call.
    public var values: [String: String]
    /// Variable name → description of that value (for `{name.description}`).
    public var descriptions: [String: String]
    /// `{index}`: the number (1-based) of the call's first item in the task.
    public var index: Int
    /// `{count}`: items asked for in this call.
    public var count: Int
    /// `{current_date}` is its YYYY-MM-DD and `{current_time}` its HH:MM, both UTC.
    public var nowUnixMs: Int64
    /// `{random_id}`.
    public var randomID: String

    public init(
        values: [String: String] = [:], descriptions: [String: String] = [:], index: Int = 1, count: Int = 1, nowUnixMs: Int64 = 0,
        randomID: String = ""
    ) {
        self.values = values
        self.descriptions = descriptions
        self.index = index
        self.count = count
        self.nowUnixMs = nowUnixMs
        self.randomID = randomID
    }

    /// A reproducible id (16 lowercase hex digits) from a task seed and an item index, so a resumed task
    /// renders the same prompt for the same item.
    public static func randomID(seed: UInt64, index: Int) -> String {
        let hex = String(StableHash.mix(StableHash.mix(seed) ^ UInt64(bitPattern: Int64(index))), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Why a prompt cannot be parsed or rendered. Offsets count characters from 1, as a person counts.
public enum PromptTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    case unclosedBrace(offset: Int)
    case strayClosingBrace(offset: Int)
    /// What stands between the braces (names are `[A-Za-z_][A-Za-z0-9_]*`, optionally followed by `.description`).
    case invalidPlaceholder(String, offset: Int)
    case missingValue(String)
    case missingDescription(String)

    public var description: String {
        switch self {
        case .unclosedBrace(let offset):
            return "a `{` at character \(offset) is never closed (write `{{` for a literal brace)"
        case .strayClosingBrace(let offset):
            return "a `}` at character \(offset) closes nothing (write `}}` for a literal brace)"
        case .invalidPlaceholder(let text, let offset):
            let name = text.hasSuffix(PromptTemplate.descriptionSuffix) ? String(text.dropLast(PromptTemplate.descriptionSuffix.count)) : ""
            if PromptBuiltin(rawValue: name) != nil {
                return "`{\(text)}` at character \(offset): the built-in {\(name)} has no description"
            }
            return "`{\(text)}` at character \(offset) is not a placeholder: a name is letters, digits and _ (not starting "
                + "with a digit), optionally followed by .description; write `{{` and `}}` for literal braces"
        case .missingValue(let name):
            return "the prompt uses {\(name)} but the task gives no value for \(name)"
        case .missingDescription(let name):
            return "{\(name).description} is used but the value of \(name) has no description"
        }
    }
}

/// A prompt with `{variable}` placeholders, parsed once. `{{` and `}}` write literal braces; `{name.description}`
/// is the description of the variable's value; the `PromptBuiltin` names need no value.
public struct PromptTemplate: Sendable, Equatable {
    public let text: String
    private let segments: [Segment]

    static let descriptionSuffix = ".description"

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case builtin(PromptBuiltin)
        case value(String)
        case description(String)
    }

    public init(_ text: String) throws(PromptTemplateError) {
        self.text = text
        var segments: [Segment] = []
        var literal = ""
        var characters = Array(text)[...]
        var offset = 1
        while let character = characters.popFirst() {
            let start = offset
            offset += 1
            if character == "}" {
                guard characters.first == "}" else { throw .strayClosingBrace(offset: start) }
                characters.removeFirst()
                offset += 1
                literal.append("}")
                continue
            }
            guard character == "{" else {
                literal.append(character)
                continue
            }
            if characters.first == "{" {
                characters.removeFirst()
                offset += 1
                literal.append("{")
                continue
            }
            guard let close = characters.firstIndex(of: "}") else { throw .unclosedBrace(offset: start) }
            let inside = String(characters[..<close])
            characters = characters[characters.index(after: close)...]
            offset += inside.count + 1
            if !literal.isEmpty { segments.append(.literal(literal)) }
            literal = ""
            segments.append(try Self.placeholder(inside, offset: start))
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        self.segments = segments
    }

    private static func placeholder(_ inside: String, offset: Int) throws(PromptTemplateError) -> Segment {
        let wantsDescription = inside.hasSuffix(descriptionSuffix)
        let name = wantsDescription ? String(inside.dropLast(descriptionSuffix.count)) : inside
        guard isName(name) else { throw .invalidPlaceholder(inside, offset: offset) }
        if let builtin = PromptBuiltin(rawValue: name) {
            guard !wantsDescription else { throw .invalidPlaceholder(inside, offset: offset) }
            return .builtin(builtin)
        }
        return wantsDescription ? .description(name) : .value(name)
    }

    private static func isName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    /// User variables in order of first use, each once, built-ins excluded; `{topic.description}` counts as "topic".
    public var variables: [String] {
        var seen: Set<String> = []
        return segments.compactMap { segment in
            switch segment {
            case .value(let name), .description(let name): return seen.insert(name).inserted ? name : nil
            case .literal, .builtin: return nil
            }
        }
    }

    /// The prompt for one call; the first placeholder without a value (or description) in the text is the error.
    public func render(_ context: PromptContext) throws(PromptTemplateError) -> String {
        var output = ""
        for segment in segments {
            switch segment {
            case .literal(let text): output += text
            case .builtin(let builtin): output += Self.value(of: builtin, context)
            case .value(let name):
                guard let value = context.values[name] else { throw .missingValue(name) }
                output += value
            case .description(let name):
                guard let description = context.descriptions[name], !description.isEmpty else { throw .missingDescription(name) }
                output += description
            }
        }
        return output
    }

    private static func value(of builtin: PromptBuiltin, _ context: PromptContext) -> String {
        switch builtin {
        // "2026-12-01T01:36:38Z" → "2026-12-01" and "01:36".
        case .currentDate: return String(Formatting.iso8601(milliseconds: context.nowUnixMs).prefix(10))
        case .currentTime: return String(Formatting.iso8601(milliseconds: context.nowUnixMs).dropFirst(11).prefix(5))
        case .randomID: return context.randomID
        case .index: return String(context.index)
        case .count: return String(context.count)
        }
    }
}
