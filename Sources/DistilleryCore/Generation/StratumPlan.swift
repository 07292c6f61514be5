/// A row of an explicit combinations table: one value per weighted variable and the row's weight.
public struct CombinationRow: Sendable, Equatable {
    public var values: [String: String]
    public var weight: Double

    public init(values: [String: String], weight: Double = 1) {
        self.values = values
        self.weight = weight
    }
}

/// One combination of variable values and the number of accepted items it must end with.
public struct Stratum: Sendable, Equatable {
    public var index: Int                     // 0-based, stable order (see `StratumPlan.make`)
    public var values: [String: String]       // variable name → value
    public var descriptions: [String: String] // variable name → that value's description (when it has one)
    public var weight: Double                 // product of the values' normalised weights, or the combination row's
    public var quota: Int
    public var label: String                  // "topic=billing · difficulty=easy" (variables in declaration order; fixed ones left out; "all" when none vary)

    public init(index: Int, values: [String: String], descriptions: [String: String], weight: Double, quota: Int, label: String) {
        self.index = index
        self.values = values
        self.descriptions = descriptions
        self.weight = weight
        self.quota = quota
        self.label = label
    }
}

public enum StratumPlan {
    public static let maximumStrata = 10_000
    public static let maximumCount = 1_000_000

    /// The strata: the product of every weighted variable's values (in declaration order, last variable varying
    /// fastest), each weighted by the product of its values' weights (each variable's weights normalised to sum 1;
    /// equal weights when none given), unless `combinations` is given: then exactly those rows with their weights
    /// (normalised to sum 1 over the rows). Fixed variables are in every stratum's `values`. Quotas by
    /// `LargestRemainder.apportion(count, weights)`, so they sum to `count` exactly; a stratum of weight 0 stays
    /// in the plan with quota 0. Errors (with a JSON path such as "variables.topic[2].weight",
    /// "combinations[3].topic", "count"): count < 1 or > maximumCount, a negative / NaN / infinite weight, all
    /// weights of a variable 0, an empty value, a duplicate value within a variable, an empty variable name or
    /// list, a combination naming an unknown variable or a value not listed, combinations that miss a weighted
    /// variable, more than maximumStrata strata.
    public static func make(variables: [GenerationVariable], combinations: [CombinationRow]?, count: Int) throws(GenerationPlanError) -> [Stratum] {
        guard count >= 1 && count <= maximumCount else {
            throw GenerationPlanError(path: "count", message: "must be from 1 to \(maximumCount); got \(count)")
        }
        if let problem = GenerationVariable.firstProblem(in: variables) { throw problem.jsonError(variables) }
        let choices: [Choice]
        if let combinations {
            choices = try combinationChoices(combinations, variables)
        } else {
            choices = try productChoices(variables)
        }
        let totalWeight = choices.reduce(0) { $0 + $1.weight }
        guard totalWeight.isFinite && totalWeight > 0 else {
            throw GenerationPlanError(path: combinations == nil ? "variables" : "combinations", message: "the weights are too large or too small to combine; use weights from 0.000001 to 1000000")
        }
        // The raw products (or row weights) go to the apportioning: they are the decimals people typed, which it
        // resolves exactly; normalised ones (0.5 / 3) would not be, and equal shares could stop being ties.
        let quotas = LargestRemainder.apportion(count, weights: choices.map(\.weight))
        let varying = variables.filter { !$0.isFixed }
        return choices.enumerated().map { index, choice in
            var values: [String: String] = [:], descriptions: [String: String] = [:]
            for (variable, valueIndex) in zip(variables, choice.valueIndices) {
                let value = variable.values[valueIndex]
                values[variable.name] = value.value
                if let description = value.description { descriptions[variable.name] = description }
            }
            let label = varying.isEmpty ? "all" : varying.map { "\($0.name)=\(values[$0.name] ?? "")" }.joined(separator: " · ")
            return Stratum(index: index, values: values, descriptions: descriptions, weight: choice.weight / totalWeight, quota: quotas[index], label: label)
        }
    }

    /// One stratum before its quota: the index of its value in each variable (declaration order), and its weight
    /// before normalisation (the product of its values' weights, or its row's weight).
    private typealias Choice = (valueIndices: [Int], weight: Double)

    private static func tooMany(_ strata: Double, path: String) -> GenerationPlanError {
        GenerationPlanError(path: path, message: "make \(Recipe.text(strata)) strata; at most \(maximumStrata) are allowed")
    }

    private static func productChoices(_ variables: [GenerationVariable]) throws(GenerationPlanError) -> [Choice] {
        var strata = 1
        for variable in variables {
            strata *= variable.values.count
            if strata > maximumStrata { throw tooMany(variables.reduce(1.0) { $0 * Double($1.values.count) }, path: "variables") }
        }
        var choices: [Choice] = []
        choices.reserveCapacity(strata)
        var odometer = [Int](repeating: 0, count: variables.count)
        for _ in 0..<strata {
            choices.append((odometer, zip(variables, odometer).reduce(1.0) { $0 * $1.0.values[$1.1].weight }))
            // The last variable varies fastest.
            for position in odometer.indices.reversed() {
                odometer[position] += 1
                if odometer[position] < variables[position].values.count { break }
                odometer[position] = 0
            }
        }
        return choices
    }

    private static func combinationChoices(_ rows: [CombinationRow], _ variables: [GenerationVariable]) throws(GenerationPlanError) -> [Choice] {
        guard !rows.isEmpty else { throw GenerationPlanError(path: "combinations", message: "must list at least one combination") }
        guard rows.count <= maximumStrata else { throw tooMany(Double(rows.count), path: "combinations") }
        let variableIndex = Dictionary(uniqueKeysWithValues: variables.enumerated().map { ($1.name, $0) })
        var firstRowOf: [[Int]: Int] = [:]
        var choices: [Choice] = []
        for (rowIndex, row) in rows.enumerated() {
            let rowPath = "combinations[\(rowIndex)]"
            guard row.weight.isFinite && row.weight >= 0 else {
                throw GenerationPlanError(path: rowPath + ".weight", message: "must be a finite number ≥ 0; got \(Recipe.text(row.weight))")
            }
            for name in row.values.keys.sorted() where variableIndex[name] == nil {
                let known = variables.map(\.name).joined(separator: ", ")
                throw GenerationPlanError(path: "\(rowPath).\(name)", message: "is not a variable (the variables are: \(known.isEmpty ? "none" : known))")
            }
            var valueIndices: [Int] = []
            for variable in variables {
                guard let text = row.values[variable.name] else {
                    if variable.isFixed {
                        valueIndices.append(0)
                        continue
                    }
                    throw GenerationPlanError(path: "\(rowPath).\(variable.name)", message: "is missing; every combination needs a value of each weighted variable")
                }
                guard let valueIndex = variable.values.firstIndex(where: { $0.value == text }) else {
                    let listed = variable.values.map { "\"\($0.value)\"" }.joined(separator: ", ")
                    throw GenerationPlanError(path: "\(rowPath).\(variable.name)", message: "\"\(text)\" is not one of its values (\(listed))")
                }
                valueIndices.append(valueIndex)
            }
            if let first = firstRowOf[valueIndices] {
                throw GenerationPlanError(path: rowPath, message: "repeats combinations[\(first)]")
            }
            firstRowOf[valueIndices] = rowIndex
            choices.append((valueIndices, row.weight))
        }
        guard choices.contains(where: { $0.weight > 0 }) else {
            throw GenerationPlanError(path: "combinations", message: "has only weights of 0; at least one row needs a positive weight")
        }
        return choices
    }
}
