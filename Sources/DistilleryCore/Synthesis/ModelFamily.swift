/// Which family a model belongs to, to warn when a judge would grade its own family's answers: judges prefer
/// them (GPT-4 picked its own answers 87% of the time in a published MT-Bench analysis).
public enum ModelFamily {
    /// Name prefixes of the families a judge may favour; the first match wins (longest first where they nest).
    static let prefixes: [(prefix: String, family: String)] = [
        ("gpt", "openai"), ("chatgpt", "openai"), ("o1", "openai"), ("o3", "openai"), ("o4", "openai"),
        ("claude", "anthropic"), ("deepseek", "deepseek"), ("qwen", "qwen"), ("qwq", "qwen"), ("llama", "llama"),
        ("meta-llama", "llama"), ("gemini", "google"), ("gemma", "google"), ("mistral", "mistral"), ("mixtral", "mistral"),
        ("ministral", "mistral"), ("codestral", "mistral"), ("magistral", "mistral"), ("glm", "glm"), ("kimi", "kimi"),
        ("moonshot", "kimi"), ("grok", "xai"), ("phi", "phi"), ("smollm", "smollm"), ("command", "cohere"),
    ]

    /// The family of a model: from its name (an organisation prefix like `Qwen/` is dropped), else its provider.
    public static func of(provider: String, model: String) -> String {
        var name = model.lowercased()
        if let slash = name.lastIndex(of: "/") { name = String(name[name.index(after: slash)...]) }
        for entry in prefixes where name.hasPrefix(entry.prefix) { return entry.family }
        return provider.lowercased()
    }

    /// The dialog's and job page's warning when the judge and the teacher are of one family; nil otherwise.
    public static func sameFamilyWarning(teacherProvider: String, teacherModel: String, judgeProvider: String, judgeModel: String) -> String? {
        let family = of(provider: teacherProvider, model: teacherModel)
        guard family == of(provider: judgeProvider, model: judgeModel) else { return nil }
        return "The judge (\(judgeModel)) is of the teacher's family (\(family)): judges prefer their own family's answers "
            + "(GPT-4 picked its own 87% of the time in a published MT-Bench analysis). A judge from another family is fairer."
    }
}
