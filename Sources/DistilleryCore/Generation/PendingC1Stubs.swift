// TEMPORARY (P1): minimal stand-ins with C1a's and C1b's published signatures, so the engine compiles before their
// branches land on main. Deleted at the merge of main; nothing here is meant to stay.

public enum TemplateType: String, Sendable, CaseIterable {
    case prompts, qa, dialogue, transform
    public var title: String { rawValue }
    public var itemFields: [String] {
        switch self {
        case .prompts: return ["prompt"]
        case .qa: return ["question", "answer"]
        case .dialogue: return ["turns"]
        case .transform: return ["output"]
        }
    }
    public var producesSeeds: Bool { self == .prompts }
    public var needsInputDataset: Bool { self == .transform }
    public func responseSchema(count: Int) -> SynthesisJSON {
        let properties: [(key: String, value: SynthesisJSON)] = itemFields.map { ($0, .object([("type", .string("string"))])) }
        let item: SynthesisJSON = .object([
            ("type", .string("object")), ("properties", .object(properties)),
            ("required", .array(itemFields.map { .string($0) })), ("additionalProperties", false),
        ])
        return .object([
            ("type", .string("object")),
            ("properties", .object([("items", .object([
                ("type", .string("array")), ("items", item), ("minItems", .number(Double(count))), ("maxItems", .number(Double(count))),
            ]))])),
            ("required", .array([.string("items")])), ("additionalProperties", false),
        ])
    }
    public func formatInstruction(count: Int) -> String {
        "Answer with a JSON object {\"items\": [...]} holding exactly \(count) items, each {"
            + itemFields.map { "\"\($0)\": \"...\"" }.joined(separator: ", ") + "}."
    }
}

public struct DialogueTurn: Sendable, Equatable {
    public var role: String
    public var content: String
}

public enum GeneratedItem: Sendable, Equatable {
    case prompt(String)
    case qa(question: String, answer: String)
    case dialogue([DialogueTurn])
    case transform(output: String)

    public var duplicateKey: String {
        switch self {
        case .prompt(let text): return text
        case .qa(let question, _): return question
        case .dialogue(let turns): return turns.first?.content ?? ""
        case .transform(let output): return output
        }
    }

    public func datasetLine(system: String?, input: String?) -> String {
        func message(_ role: String, _ content: String) -> SynthesisJSON { .object([("role", .string(role)), ("content", .string(content))]) }
        let head: [SynthesisJSON] = (system?.isEmpty ?? true) ? [] : [message("system", system ?? "")]
        switch self {
        case .prompt(let text): return SynthesisJSON.object([("input", .string(text))]).serialized
        case .qa(let q, let a): return SynthesisJSON.object([("messages", .array(head + [message("user", q), message("assistant", a)]))]).serialized
        case .dialogue(let turns): return SynthesisJSON.object([("messages", .array(head + turns.map { message($0.role, $0.content) }))]).serialized
        case .transform(let output):
            return SynthesisJSON.object([("messages", .array(head + [message("user", input ?? ""), message("assistant", output)]))]).serialized
        }
    }
}

public struct GenerationAnswerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

public enum GenerationAnswerParser {
    public static func parse(_ content: String, type: TemplateType) -> Result<[GeneratedItem], GenerationAnswerError> {
        guard let json = try? SynthesisJSON.parse(content) else { return .failure(GenerationAnswerError(path: "$", message: "not JSON")) }
        guard let list = json["items"]?.arrayValue ?? json.arrayValue else { return .failure(GenerationAnswerError(path: "$.items", message: "missing")) }
        if list.isEmpty { return .failure(GenerationAnswerError(path: "$.items", message: "no items")) }
        var items: [GeneratedItem] = []
        for (index, entry) in list.enumerated() {
            var texts: [String] = []
            for field in type.itemFields where field != "turns" {
                guard let text = entry[field]?.stringValue, !text.allSatisfy(\.isWhitespace) else {
                    return .failure(GenerationAnswerError(path: "$.items[\(index)].\(field)", message: "missing"))
                }
                texts.append(text)
            }
            switch type {
            case .prompts: items.append(.prompt(texts[0]))
            case .qa: items.append(.qa(question: texts[0], answer: texts[1]))
            case .transform: items.append(.transform(output: texts[0]))
            case .dialogue:
                guard let turns = entry["turns"]?.arrayValue else { return .failure(GenerationAnswerError(path: "$.items[\(index)].turns", message: "missing")) }
                items.append(.dialogue(turns.map { DialogueTurn(role: $0["role"]?.stringValue ?? "", content: $0["content"]?.stringValue ?? "") }))
            }
        }
        return .success(items)
    }
}

public struct PromptContext: Sendable, Equatable {
    public var values: [String: String]
    public var descriptions: [String: String]
    public var index: Int
    public var count: Int
    public var nowUnixMs: Int64
    public var randomID: String
    public init(values: [String: String] = [:], descriptions: [String: String] = [:], index: Int = 1, count: Int = 1, nowUnixMs: Int64 = 0, randomID: String = "") {
        self.values = values
        self.descriptions = descriptions
        self.index = index
        self.count = count
        self.nowUnixMs = nowUnixMs
        self.randomID = randomID
    }
    public static func randomID(seed: UInt64, index: Int) -> String {
        let value = StableHash.mix(seed ^ UInt64(index))
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

public enum PromptTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    case unclosedBrace(offset: Int)
    case strayClosingBrace(offset: Int)
    case invalidPlaceholder(String, offset: Int)
    case missingValue(String)
    case missingDescription(String)
    public var description: String {
        switch self {
        case .missingValue(let name): return "the prompt uses {\(name)} but the task gives no value for \(name)"
        default: return "template error"
        }
    }
}

public struct PromptTemplate: Sendable, Equatable {
    public let text: String
    public init(_ text: String) throws(PromptTemplateError) { self.text = text }
    public var variables: [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let name = String(rest[rest.index(after: open)..<close]).split(separator: ".").first.map(String.init) ?? ""
            if !names.contains(name), !["index", "count", "current_date", "current_time", "random_id", "input"].contains(name) { names.append(name) }
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
    public func render(_ context: PromptContext) throws(PromptTemplateError) -> String {
        var out = text.replacingOccurrences("{index}", "\(context.index)").replacingOccurrences("{count}", "\(context.count)")
            .replacingOccurrences("{random_id}", context.randomID)
        for (name, value) in context.values { out = out.replacingOccurrences("{\(name)}", value) }
        for (name, value) in context.descriptions { out = out.replacingOccurrences("{\(name).description}", value) }
        for name in variables where out.contains("{\(name)}") { throw .missingValue(name) }
        return out
    }
}

private func stubRange(_ text: Substring, _ target: String) -> Range<Substring.Index>? {
    var start = text.startIndex
    while start < text.endIndex {
        if text[start...].hasPrefix(target) { return start..<text.index(start, offsetBy: target.count) }
        start = text.index(after: start)
    }
    return nil
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = stubRange(rest, target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

public enum LargestRemainder {
    public static func apportion(_ total: Int, weights: [Double]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard sum > 0 else { return weights.map { _ in 0 } }
        let exact = weights.map { Double(total) * $0 / sum }
        var result = exact.map { Int(($0 + 1e-9).rounded(.down)) }
        var left = total - result.reduce(0, +)
        let order = exact.indices.sorted { (exact[$0] - Double(result[$0]), -$0) > (exact[$1] - Double(result[$1]), -$1) }
        for index in order where left > 0 { result[index] += 1; left -= 1 }
        return result
    }
}

public struct VariableValue: Sendable, Equatable {
    public var value: String
    public var weight: Double
    public var description: String?
}

public struct GenerationVariable: Sendable, Equatable {
    public var name: String
    public var values: [VariableValue]
    public var isFixed: Bool { values.count == 1 }
}

public struct CombinationRow: Sendable, Equatable {
    public var values: [String: String]
    public var weight: Double
}

public struct Stratum: Sendable, Equatable {
    public var index: Int
    public var values: [String: String]
    public var descriptions: [String: String]
    public var weight: Double
    public var quota: Int
    public var label: String
    public init(index: Int, values: [String: String], descriptions: [String: String], weight: Double, quota: Int, label: String) {
        self.index = index
        self.values = values
        self.descriptions = descriptions
        self.weight = weight
        self.quota = quota
        self.label = label
    }
}

public struct GenerationPlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

public enum StratumPlan {
    public static let maximumStrata = 10_000
    public static let maximumCount = 1_000_000
    public static func make(variables: [GenerationVariable], combinations: [CombinationRow]?, count: Int) throws(GenerationPlanError) -> [Stratum] {
        guard count >= 1, count <= maximumCount else { throw GenerationPlanError(path: "count", message: "must be from 1 to \(maximumCount)") }
        var rows: [(values: [String: String], descriptions: [String: String], weight: Double, label: [String])] = [([:], [:], 1, [])]
        for variable in variables {
            let sum = variable.values.reduce(0) { $0 + $1.weight }
            var next: [(values: [String: String], descriptions: [String: String], weight: Double, label: [String])] = []
            for row in rows {
                for value in variable.values {
                    var copy = row
                    copy.values[variable.name] = value.value
                    if let description = value.description { copy.descriptions[variable.name] = description }
                    copy.weight *= value.weight / sum
                    if !variable.isFixed { copy.label.append("\(variable.name)=\(value.value)") }
                    next.append(copy)
                }
            }
            rows = next
        }
        let quotas = LargestRemainder.apportion(count, weights: rows.map(\.weight))
        return rows.enumerated().map { index, row in
            Stratum(index: index, values: row.values, descriptions: row.descriptions, weight: row.weight, quota: quotas[index],
                    label: row.label.isEmpty ? "all" : row.label.joined(separator: " · "))
        }
    }
}

public enum GenerationVariablesReader {
    public static func read(_ json: SynthesisJSON) throws(GenerationPlanError) -> [GenerationVariable] {
        guard case .object(let members) = json else { throw GenerationPlanError(path: "variables", message: "must be an object") }
        var variables: [GenerationVariable] = []
        for (name, value) in members {
            if let text = value.stringValue {
                variables.append(GenerationVariable(name: name, values: [VariableValue(value: text, weight: 1, description: nil)]))
            } else if let list = value.arrayValue {
                var values: [VariableValue] = []
                for (index, entry) in list.enumerated() {
                    if let text = entry.stringValue {
                        values.append(VariableValue(value: text, weight: 1, description: nil))
                    } else if let text = entry["value"]?.stringValue {
                        values.append(VariableValue(value: text, weight: entry["weight"]?.doubleValue ?? 1, description: entry["description"]?.stringValue))
                    } else {
                        throw GenerationPlanError(path: "variables.\(name)[\(index)]", message: "must be a string or {value, weight}")
                    }
                }
                variables.append(GenerationVariable(name: name, values: values))
            } else {
                throw GenerationPlanError(path: "variables.\(name)", message: "must be a string or a list")
            }
        }
        return variables
    }
    public static func readCombinations(_ json: SynthesisJSON) throws(GenerationPlanError) -> [CombinationRow] { [] }
    public static func read(formText: String) throws(GenerationPlanError) -> [GenerationVariable] {
        var variables: [GenerationVariable] = []
        for line in formText.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let values = parts[1].split(separator: ",").map { VariableValue(value: String($0.drop(while: { $0 == " " })), weight: 1, description: nil) }
            variables.append(GenerationVariable(name: String(parts[0]), values: values))
        }
        return variables
    }
    public static func json(_ variables: [GenerationVariable]) -> SynthesisJSON {
        .object(variables.map { variable in
            (variable.name, .array(variable.values.map { value in
                var members: [(key: String, value: SynthesisJSON)] = [("value", .string(value.value)), ("weight", .number(value.weight))]
                if let description = value.description { members.append(("description", .string(description))) }
                return .object(members)
            }))
        })
    }
}

public enum DuplicateMatch: Sendable, Equatable {
    case exact(of: Int)
    case near(of: Int, similarity: Double)
}

public struct NearDuplicateIndex: Sendable {
    private let threshold: Double
    private var normalized: [String: Int] = [:]
    private var shingles: [[UInt64]] = []
    public init(threshold: Double = NearDuplicateGrouping.defaultThreshold) { self.threshold = threshold }
    public var count: Int { shingles.count }
    public func match(_ text: String) -> DuplicateMatch? {
        let key = NearDuplicateText.normalized(text)
        if let id = normalized[key] { return .exact(of: id) }
        let hashes = NearDuplicateText.shingleHashes(normalized: key)
        var best: (Int, Double)?
        for (id, other) in shingles.enumerated() {
            let similarity = NearDuplicateText.jaccard(hashes[...], other[...])
            if similarity >= threshold, similarity > (best?.1 ?? 0) { best = (id, similarity) }
        }
        return best.map { .near(of: $0.0, similarity: $0.1) }
    }
    @discardableResult public mutating func insert(_ text: String) -> Int {
        let key = NearDuplicateText.normalized(text)
        if normalized[key] == nil { normalized[key] = shingles.count }
        shingles.append(NearDuplicateText.shingleHashes(normalized: key))
        return shingles.count - 1
    }
    public mutating func insertIfNew(_ text: String) -> DuplicateMatch? {
        if let found = match(text) { return found }
        insert(text)
        return nil
    }
}
