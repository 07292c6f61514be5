/// The phrases that mark a teacher's answer as a refusal, in one place for every check that needs them (seed
/// expansion drops refused variations; answer checks reuse the same list). The README lists them.
///
/// Matching is whole-word after normalization (see `PhraseList`). The lists are deliberately specific: genuine
/// prompts say "I can't help but wonder…", "As an AI engineer…", "我无法登录我的账户…" or "抱歉信怎么写", and those
/// must not read as refusals. So a phrase that also starts ordinary sentences is only a refusal when the text
/// opens with it, and only in the form refusals take ("As an AI, I…", "抱歉，我…").
public enum RefusalPhrases {
    /// Refusals wherever they occur in the text.
    public static let anywhere: [String] = [
        "As an AI language model", "As an AI assistant", "I can't assist with", "I cannot assist with",
        "I can't help with that", "I cannot help with that", "I'm unable to assist", "I am unable to assist",
        "I can't fulfill this request", "I cannot fulfill this request", "I can't fulfill that request",
        "作为一个AI语言模型", "作为一个人工智能语言模型", "作为AI语言模型", "作为人工智能助手", "作为一个AI助手",
        "我无法协助", "我不能协助", "我无法提供帮助", "我无法满足您的请求", "无法满足你的请求", "我无法完成这个请求",
    ]

    /// Refusals when the text begins with them.
    public static let opening: [String] = [
        "I'm sorry, but", "I am sorry, but", "Sorry, but I", "I apologize, but", "Unfortunately, I can't",
        "Unfortunately, I cannot", "I can't help with", "I cannot help with", "I can't help you", "I cannot help you",
        "I can't assist", "I cannot assist", "I'm unable to help", "I am unable to help", "I'm not able to help",
        "I won't be able to help", "I can't comply", "I cannot comply", "I must decline", "As an AI, I",
        "As a language model, I",
        "抱歉，我", "很抱歉，我", "非常抱歉，我", "对不起，我", "作为一个AI，我", "作为AI，我", "作为一个人工智能，我",
        "作为人工智能，我", "我无法帮助你", "我无法帮助您", "我不能帮助你", "我不能帮助您",
    ]

    private static let anywhereList = PhraseList(anywhere)
    private static let openingList = PhraseList(opening)

    /// The refusal phrase `text` contains (as written in the lists), or nil.
    public static func firstMatch(in text: String) -> String? {
        firstMatch(in: MatchableText(text))
    }

    /// The same, for a text already normalized (`NearDuplicateText.normalized`).
    static func firstMatch(inNormalized normalized: String) -> String? {
        firstMatch(in: MatchableText(normalized: normalized))
    }

    private static func firstMatch(in matchable: MatchableText) -> String? {
        openingList.firstMatch(in: matchable, atStart: true) ?? anywhereList.firstMatch(in: matchable)
    }
}
