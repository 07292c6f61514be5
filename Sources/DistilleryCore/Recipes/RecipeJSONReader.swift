/// Reads typed members out of a JSON object, collecting one problem per wrong member (with its path)
/// instead of stopping at the first, so a client fixes a recipe in one pass.
struct RecipeJSONReader {
    var problems: [RecipeProblem] = []
    var warnings: [RecipeProblem] = []

    mutating func problem(_ path: String, _ rule: String) { problems.append(RecipeProblem(path: path, rule: rule)) }
    mutating func warning(_ path: String, _ rule: String) { warnings.append(RecipeProblem(path: path, rule: rule)) }

    static func join(_ prefix: String, _ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    /// The members of `value` as an object, or nil (with a problem) when it is something else.
    mutating func object(_ value: SynthesisJSON?, path: String, required: Bool) -> SynthesisJSON? {
        switch value {
        case nil, .some(.null):
            if required { problem(path, "is required (an object)") }
            return nil
        case .some(.object): return value
        case .some:
            problem(path, "must be an object")
            return nil
        }
    }

    /// Members not in `known`: a problem (Distillery's own format is strict) or a warning (imports).
    mutating func unknownMembers(of object: SynthesisJSON, path: String, known: Set<String>, asWarnings: Bool) {
        guard case .object(let members) = object else { return }
        for member in members where !known.contains(member.key) {
            let memberPath = Self.join(path, member.key)
            if asWarnings {
                warning(memberPath, "not used by Distillery; ignored")
            } else {
                problem(memberPath, "unknown field")
            }
        }
    }

    mutating func string(_ object: SynthesisJSON, _ key: String, path: String, required: Bool) -> String? {
        let memberPath = Self.join(path, key)
        switch object[key] {
        case nil, .some(.null):
            if required { problem(memberPath, "is required (a string)") }
            return nil
        case .some(.string(let text)): return text
        case .some:
            problem(memberPath, "must be a string")
            return nil
        }
    }

    mutating func number(_ object: SynthesisJSON, _ key: String, path: String) -> Double? {
        let memberPath = Self.join(path, key)
        switch object[key] {
        case nil, .some(.null): return nil
        case .some(.number(let number)): return number
        case .some:
            problem(memberPath, "must be a number")
            return nil
        }
    }

    mutating func integer(_ object: SynthesisJSON, _ key: String, path: String) -> Int? {
        let memberPath = Self.join(path, key)
        switch object[key] {
        case nil, .some(.null): return nil
        case .some(let value):
            guard let int = value.intValue else {
                problem(memberPath, value.doubleValue == nil ? "must be a whole number" : "must be a whole number; got \(Recipe.text(value.doubleValue ?? 0))")
                return nil
            }
            return int
        }
    }

    mutating func bool(_ object: SynthesisJSON, _ key: String, path: String) -> Bool? {
        switch object[key] {
        case nil, .some(.null): return nil
        case .some(.bool(let flag)): return flag
        case .some:
            problem(Self.join(path, key), "must be true or false")
            return nil
        }
    }

    /// `{train, validation, test}`, each required when the object is given.
    mutating func distribution(_ value: SynthesisJSON?, path: String) -> RecipeDistribution? {
        guard let object = object(value, path: path, required: false) else { return nil }
        unknownMembers(of: object, path: path, known: ["train", "validation", "test"], asWarnings: false)
        var parts: [Double] = []
        for key in ["train", "validation", "test"] {
            if object[key] == nil { problem(Self.join(path, key), "is required (a number from 0 to 1)") }
            parts.append(number(object, key, path: path) ?? .nan)
        }
        guard parts.allSatisfy({ !$0.isNaN }) else { return nil }
        return RecipeDistribution(train: parts[0], validation: parts[1], test: parts[2])
    }
}

/// A recipe body that is not JSON at all, with the line and column where reading stopped.
public struct RecipeSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let reason: String

    public var description: String { "The body is not valid JSON: \(reason) at line \(line), column \(column)." }

    /// 1-based line and column (in bytes) of `offset` in `bytes`.
    public init(bytes: [UInt8], error: SynthesisJSONError) {
        var line = 1
        var lineStart = 0
        for index in 0..<min(error.offset, bytes.count) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        self.line = line
        self.column = error.offset - lineStart + 1
        self.reason = error.message
    }
}
