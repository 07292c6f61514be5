/// Reads generation variables from the API's JSON and from the form's text, and writes them back as JSON.
/// Both readers return only variables that pass every rule of `StratumPlan.make`, so a mistake is reported
/// where it was typed.
public enum GenerationVariablesReader {
    static let valueFields: Set<String> = ["value", "weight", "description"]

    /// The API shape: {"topic": [{"value":"billing","weight":0.5,"description":"…"}, "outages", …], "difficulty": "medium"}
    /// (a string = fixed; a list of strings = equal weights; objects may omit weight → 1). Keeps the JSON's key order.
    /// A single value object (`"difficulty": {"value":"medium","description":"…"}`) is a fixed value with a description.
    public static func read(_ json: SynthesisJSON) throws(GenerationPlanError) -> [GenerationVariable] {
        guard case .object(let members) = json else {
            throw GenerationPlanError(path: "variables", message: "must be an object of variable name → a value, a list of values, or {\"value\", \"weight\", \"description\"}")
        }
        var variables: [GenerationVariable] = []
        for member in members {
            let path = "variables.\(member.key)"
            let values: [VariableValue]
            switch member.value {
            case .string(let text): values = [VariableValue(value: text)]
            case .object: values = [try value(member.value, path: path)]
            case .array(let items):
                values = try items.enumerated().map { index, item throws(GenerationPlanError) in try value(item, path: "\(path)[\(index)]") }
            default:
                throw GenerationPlanError(path: path, message: "must be a string (a fixed value), a list of values, or a value object")
            }
            variables.append(GenerationVariable(name: member.key, values: values))
        }
        if let problem = GenerationVariable.firstProblem(in: variables) { throw problem.jsonError(variables) }
        return variables
    }

    private static func value(_ json: SynthesisJSON, path: String) throws(GenerationPlanError) -> VariableValue {
        switch json {
        case .string(let text): return VariableValue(value: text)
        case .object(let members):
            if let unknown = members.first(where: { !valueFields.contains($0.key) }) {
                throw GenerationPlanError(path: "\(path).\(unknown.key)", message: "unknown field (a value has value, weight and description)")
            }
            guard let text = json["value"]?.stringValue else {
                throw GenerationPlanError(path: "\(path).value", message: "is required (a string)")
            }
            var weight = 1.0
            switch json["weight"] {
            case nil, .some(.null): break
            case .some(.number(let number)): weight = number
            case .some: throw GenerationPlanError(path: "\(path).weight", message: "must be a number")
            }
            var description: String?
            switch json["description"] {
            case nil, .some(.null): break
            case .some(.string(let text)): description = text.isEmpty ? nil : text
            case .some: throw GenerationPlanError(path: "\(path).description", message: "must be a string")
            }
            return VariableValue(value: text, weight: weight, description: description)
        default:
            throw GenerationPlanError(path: path, message: "must be a string or {\"value\", \"weight\", \"description\"}")
        }
    }

    /// [{"topic":"billing","difficulty":"easy","weight":0.2}, …]: each member but `weight` names a variable and
    /// its value; `weight` may be left out (1). Whether the names and values exist is `StratumPlan.make`'s check.
    public static func readCombinations(_ json: SynthesisJSON) throws(GenerationPlanError) -> [CombinationRow] {
        guard case .array(let items) = json else {
            throw GenerationPlanError(path: "combinations", message: "must be a list of objects like {\"topic\": \"billing\", \"weight\": 0.2}")
        }
        guard !items.isEmpty else { throw GenerationPlanError(path: "combinations", message: "must list at least one combination") }
        return try items.enumerated().map { index, item throws(GenerationPlanError) in
            let path = "combinations[\(index)]"
            guard case .object(let members) = item else { throw GenerationPlanError(path: path, message: "must be an object") }
            var row = CombinationRow(values: [:])
            for member in members {
                let memberPath = "\(path).\(member.key)"
                if member.key == "weight" {
                    guard let weight = member.value.doubleValue else { throw GenerationPlanError(path: memberPath, message: "must be a number") }
                    row.weight = weight
                    continue
                }
                guard let text = member.value.stringValue else { throw GenerationPlanError(path: memberPath, message: "must be a string (one of the variable's values)") }
                guard row.values.updateValue(text, forKey: member.key) == nil else {
                    throw GenerationPlanError(path: memberPath, message: "is given twice")
                }
            }
            return row
        }
    }

    /// The form shape, one variable per line: `topic: billing 0.5, outages 0.3, onboarding 0.2` /
    /// `difficulty: easy, medium, hard` / `tone: friendly` ; a trailing number after a value is its weight; values may
    /// contain spaces. Errors name the line number ("line 2: …").
    ///
    /// A weight is a plain decimal (`0.5`, `2`, `.25`, or `-1`, which is then reported as negative) written after
    /// the value and a space; a value alone that looks like a number (`count: 3, 5`) is a value. Blank lines are
    /// skipped. Values cannot contain commas here (the JSON shape can).
    public static func read(formText: String) throws(GenerationPlanError) -> [GenerationVariable] {
        var variables: [GenerationVariable] = []
        var lines: [Int] = []
        for (offset, rawLine) in formText.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = String(rawLine).trimmingWhitespace
            if line.isEmpty { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw GenerationPlanError(path: "line \(offset + 1)", message: "expected “name: value, value, …”; got \"\(line.prefix(80))\"")
            }
            let name = String(line[..<colon]).trimmingWhitespace
            let list = String(line[line.index(after: colon)...]).trimmingWhitespace
            let values = list.isEmpty ? [] : list.split(separator: ",", omittingEmptySubsequences: false).map(formValue)
            variables.append(GenerationVariable(name: name, values: values))
            lines.append(offset + 1)
        }
        if let problem = GenerationVariable.firstProblem(in: variables) { throw problem.formError(variables, lines: lines) }
        return variables
    }

    /// `billing 0.5` → billing with weight 0.5; `billing` → weight 1.
    private static func formValue(_ text: Substring) -> VariableValue {
        let trimmed = String(text).trimmingWhitespace
        guard let space = trimmed.lastIndex(where: \.isWhitespace) else { return VariableValue(value: trimmed) }
        let last = trimmed[trimmed.index(after: space)...]
        guard isPlainDecimal(last), let weight = Double(last) else { return VariableValue(value: trimmed) }
        return VariableValue(value: String(trimmed[..<space]).trimmingWhitespace, weight: weight)
    }

    /// An optional minus, digits with at most one point, at least one digit (no exponent, no "nan" or "inf").
    private static func isPlainDecimal(_ text: Substring) -> Bool {
        let body = text.hasPrefix("-") ? text.dropFirst() : text
        return body.contains(where: \.isASCIIDigit) && body.filter { $0 == "." }.count <= 1
            && body.allSatisfy { $0.isASCIIDigit || $0 == "." }
    }

    /// The API JSON back from variables (for snapshots/recipes), round-trips with `read(_:)`: a value of weight 1
    /// without a description is a plain string, a fixed variable of such a value is just that string.
    public static func json(_ variables: [GenerationVariable]) -> SynthesisJSON {
        .object(variables.map { variable in
            let items = variable.values.map { value -> SynthesisJSON in
                let description = value.description.flatMap { $0.isEmpty ? nil : $0 }
                if value.weight == 1 && description == nil { return .string(value.value) }
                var members: [(key: String, value: SynthesisJSON)] = [("value", .string(value.value))]
                if value.weight != 1 { members.append(("weight", .number(value.weight))) }
                if let description { members.append(("description", .string(description))) }
                return .object(members)
            }
            if variable.isFixed, case .string = items[0] { return (variable.name, items[0]) }
            return (variable.name, .array(items))
        })
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
