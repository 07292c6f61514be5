/// The recipe page's form: text fields named by `RecipeField.rawValue`, read into a recipe with a
/// problem for every field that is not a number where one is needed.
public enum RecipeForm {
    public static func decode(_ fields: [String: String]) -> (recipe: Recipe, problems: [RecipeProblem]) {
        var problems: [RecipeProblem] = []
        func text(_ field: RecipeField) -> String { (fields[field.rawValue] ?? "").trimmingWhitespace }
        func optionalText(_ field: RecipeField) -> String? {
            let value = text(field)
            return value.isEmpty ? nil : value
        }
        func number(_ field: RecipeField, default fallback: Double) -> Double {
            guard let value = optionalText(field) else { return fallback }
            guard let number = Double(value), number.isFinite else {
                problems.append(RecipeProblem(path: field.rawValue, rule: "must be a number; got \"\(value.prefix(40))\""))
                return fallback
            }
            return number
        }
        func integer(_ field: RecipeField) -> Int? {
            guard let value = optionalText(field) else { return nil }
            guard let number = Int(value) else {
                problems.append(RecipeProblem(path: field.rawValue, rule: "must be a whole number; got \"\(value.prefix(40))\""))
                return nil
            }
            return number
        }
        func flag(_ field: RecipeField) -> Bool { ["on", "true", "1"].contains(text(field).lowercased()) }

        let teacher = RecipeEndpoint(provider: text(.teacherProvider), model: text(.teacherModel), baseURL: optionalText(.teacherBaseURL))
        // An empty judge provider means "the teacher judges" (the default when the user picks nothing).
        let judge = optionalText(.judgeProvider).map {
            RecipeEndpoint(provider: $0, model: text(.judgeModel), baseURL: optionalText(.judgeBaseURL))
        }
        let recipe = Recipe(
            name: text(.name), description: text(.description), teacher: teacher, judge: judge,
            temperature: number(.temperature, default: 0.7), topP: number(.topP, default: 1),
            maxNewTokens: integer(.maxNewTokens) ?? Recipe.defaultMaxNewTokens, seed: integer(.seed),
            requestsPerMinute: integer(.requestsPerMinute), tokensPerMinute: integer(.tokensPerMinute),
            maxInFlight: integer(.maxInFlight) ?? Recipe.defaultMaxInFlight,
            requestTimeoutSeconds: integer(.requestTimeoutSeconds) ?? Recipe.defaultRequestTimeoutSeconds,
            candidates: integer(.candidates) ?? Recipe.defaultCandidates,
            rejectionSampling: flag(.rejectionSampling), keepReasoning: flag(.keepReasoning),
            distribution: RecipeDistribution(
                train: number(.distributionTrain, default: 1), validation: number(.distributionValidation, default: 0),
                test: number(.distributionTest, default: 0)),
            swapCheckFraction: number(.swapCheckFraction, default: SwapCheck.defaultFraction))
        return (recipe, problems)
    }

    /// The form's field values for a recipe (what the edit page shows).
    public static func values(of recipe: Recipe) -> [String: String] {
        func int(_ value: Int?) -> String { value.map(String.init) ?? "" }
        return [
            RecipeField.name.rawValue: recipe.name,
            RecipeField.description.rawValue: recipe.description,
            RecipeField.teacherProvider.rawValue: recipe.teacher.provider,
            RecipeField.teacherModel.rawValue: recipe.teacher.model,
            RecipeField.teacherBaseURL.rawValue: recipe.teacher.baseURL ?? "",
            RecipeField.judgeProvider.rawValue: recipe.judge?.provider ?? "",
            RecipeField.judgeModel.rawValue: recipe.judge?.model ?? "",
            RecipeField.judgeBaseURL.rawValue: recipe.judge?.baseURL ?? "",
            RecipeField.temperature.rawValue: Recipe.text(recipe.temperature),
            RecipeField.topP.rawValue: Recipe.text(recipe.topP),
            RecipeField.maxNewTokens.rawValue: String(recipe.maxNewTokens),
            RecipeField.seed.rawValue: int(recipe.seed),
            RecipeField.requestsPerMinute.rawValue: int(recipe.requestsPerMinute),
            RecipeField.tokensPerMinute.rawValue: int(recipe.tokensPerMinute),
            RecipeField.maxInFlight.rawValue: String(recipe.maxInFlight),
            RecipeField.requestTimeoutSeconds.rawValue: String(recipe.requestTimeoutSeconds),
            RecipeField.candidates.rawValue: String(recipe.candidates),
            RecipeField.rejectionSampling.rawValue: recipe.rejectionSampling ? "on" : "",
            RecipeField.keepReasoning.rawValue: recipe.keepReasoning ? "on" : "",
            RecipeField.swapCheckFraction.rawValue: Recipe.text(recipe.swapCheckFraction),
            RecipeField.distributionTrain.rawValue: Recipe.text(recipe.distribution.train),
            RecipeField.distributionValidation.rawValue: Recipe.text(recipe.distribution.validation),
            RecipeField.distributionTest.rawValue: Recipe.text(recipe.distribution.test),
        ]
    }
}
