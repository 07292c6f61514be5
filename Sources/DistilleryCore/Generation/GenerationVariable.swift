/// One value a generation variable can take, with its weight among the variable's values and an optional
/// description a template can show through `{name.description}`.
public struct VariableValue: Sendable, Equatable {
    public var value: String
    public var weight: Double
    public var description: String?

    public init(value: String, weight: Double = 1, description: String? = nil) {
        self.value = value
        self.weight = weight
        self.description = description
    }
}

/// A `{name}` placeholder's values: one value makes it fixed, several make it one dimension of the strata.
public struct GenerationVariable: Sendable, Equatable {
    public var name: String
    public var values: [VariableValue]     // one value = a fixed variable
    public var isFixed: Bool { values.count == 1 }

    public init(name: String, values: [VariableValue]) {
        self.name = name
        self.values = values
    }

    /// Names a variable cannot take: `weight` is the weight column of a combinations table, the others are the
    /// templates' built-in placeholders.
    public static let reservedNames: Set<String> = ["weight", "current_date", "current_time", "random_id", "index", "count"]
}

/// What is wrong with a plan, at a JSON path of the API shape (`variables.topic[2].weight`, `combinations[3].topic`,
/// `count`) or a line of the form text (`line 2`).
public struct GenerationPlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// A broken rule of a variable list, located by variable and value index so that each reader can name the place
/// in its own terms (a JSON path, or a line of the form).
struct VariableProblem: Error {
    enum Rule {
        case emptyName
        case badName
        case reservedName
        case duplicateName(first: Int)
        case noValues
        case emptyValue
        case duplicateValue(first: Int)
        case badWeight(Double)
        case allWeightsZero
    }

    var rule: Rule
    var variable: Int
    var value: Int?

    /// The error at its JSON path in the API shape.
    func jsonError(_ variables: [GenerationVariable]) -> GenerationPlanError {
        let name = variables[variable].name
        let variablePath = name.isEmpty ? "variables" : "variables.\(name)"
        let valuePath = "\(variablePath)[\(value ?? 0)]"
        switch rule {
        case .emptyName: return GenerationPlanError(path: "variables", message: "variable \(variable + 1) has an empty name")
        case .badName, .reservedName, .duplicateName, .noValues, .allWeightsZero:
            return GenerationPlanError(path: variablePath, message: variableMessage(variables))
        case .emptyValue: return GenerationPlanError(path: valuePath + ".value", message: "is empty")
        case .duplicateValue(let first):
            return GenerationPlanError(path: valuePath + ".value", message: "repeats \(variablePath)[\(first)] (\"\(variables[variable].values[first].value)\")")
        case .badWeight(let weight):
            return GenerationPlanError(path: valuePath + ".weight", message: "must be a finite number ≥ 0; got \(Recipe.text(weight))")
        }
    }

    /// The error at the form line that declared the variable.
    func formError(_ variables: [GenerationVariable], lines: [Int]) -> GenerationPlanError {
        let name = variables[variable].name
        let path = "line \(lines[variable])"
        let valueText = "\(name): value \((value ?? 0) + 1)"
        switch rule {
        case .emptyName: return GenerationPlanError(path: path, message: "the variable name before “:” is empty")
        case .duplicateName(let first):
            return GenerationPlanError(path: path, message: "\(name) is already declared on line \(lines[first])")
        case .badName, .reservedName, .noValues, .allWeightsZero:
            return GenerationPlanError(path: path, message: "\(name) \(variableMessage(variables))")
        case .emptyValue: return GenerationPlanError(path: path, message: "\(valueText) is empty")
        case .duplicateValue(let first):
            return GenerationPlanError(path: path, message: "\(valueText) repeats value \(first + 1) (\"\(variables[variable].values[first].value)\")")
        case .badWeight(let weight):
            return GenerationPlanError(path: path, message: "\(valueText) has weight \(Recipe.text(weight)); a weight must be a number ≥ 0")
        }
    }

    private func variableMessage(_ variables: [GenerationVariable]) -> String {
        switch rule {
        case .badName: return "must be a name of letters, digits and _ (it is used as {name} in the template)"
        case .reservedName: return "is reserved (\(GenerationVariable.reservedNames.sorted().joined(separator: ", ")))"
        case .duplicateName(let first): return "is declared twice (variable \(first + 1) and \(variable + 1))"
        case .noValues: return "must list at least one value"
        case .allWeightsZero: return "has only weights of 0; at least one value needs a positive weight"
        default: return ""
        }
    }
}

extension GenerationVariable {
    /// The first broken rule, variables in order and each variable's own rules before its values'.
    static func firstProblem(in variables: [GenerationVariable]) -> VariableProblem? {
        var firstByName: [String: Int] = [:]
        for (index, variable) in variables.enumerated() {
            func problem(_ rule: VariableProblem.Rule, value: Int? = nil) -> VariableProblem {
                VariableProblem(rule: rule, variable: index, value: value)
            }
            if variable.name.isEmpty { return problem(.emptyName) }
            if !variable.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { return problem(.badName) }
            if reservedNames.contains(variable.name) { return problem(.reservedName) }
            if let first = firstByName[variable.name] { return problem(.duplicateName(first: first)) }
            firstByName[variable.name] = index
            if variable.values.isEmpty { return problem(.noValues) }
            var firstByValue: [String: Int] = [:]
            for (valueIndex, value) in variable.values.enumerated() {
                if value.value.allSatisfy(\.isWhitespace) { return problem(.emptyValue, value: valueIndex) }
                if let first = firstByValue[value.value] { return problem(.duplicateValue(first: first), value: valueIndex) }
                firstByValue[value.value] = valueIndex
                if !value.weight.isFinite || value.weight < 0 { return problem(.badWeight(value.weight), value: valueIndex) }
            }
            if !variable.values.contains(where: { $0.weight > 0 }) { return problem(.allWeightsZero) }
        }
        return nil
    }
}
