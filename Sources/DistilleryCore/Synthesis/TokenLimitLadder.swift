/// How far an answer's token limit may be raised after it was cut off (`finish_reason: "length"`).
/// Retrying a truncated answer with the same limit only truncates it again, so each retry doubles
/// the limit, up to the user's cap and never past the room the model's context window leaves after
/// the prompt.
public struct TokenLimitLadder: Sendable, Equatable {
    /// The limit the first attempt uses (max new tokens).
    public var initial: Int
    /// The highest limit a retry may use: the user's cap, bounded by the context window.
    public var cap: Int
    /// Why the cap is what it is (for the skip reason's advice).
    public var bound: Bound

    public enum Bound: Sendable, Equatable {
        /// The user's `max_tokens_cap`.
        case userCap
        /// The model's context window minus the prompt: no more room whatever the cap.
        case contextWindow(Int)
    }

    /// `userCap` below `initial` means "never raise". `contextWindow` and `promptTokens` bound the cap
    /// when the context window is known (> 0).
    public init(initial: Int, userCap: Int, contextWindow: Int, promptTokens: Int) {
        self.initial = max(1, initial)
        let wanted = max(self.initial, userCap)
        let room = contextWindow > 0 ? contextWindow - promptTokens : Int.max
        if room < wanted {
            cap = max(self.initial, room)
            bound = .contextWindow(contextWindow)
        } else {
            cap = wanted
            bound = .userCap
        }
    }

    /// The limit to retry with after an answer was truncated at `current`; nil when `current` is already
    /// the cap (a retry would be cut off at the same place).
    public func next(after current: Int) -> Int? {
        guard current < cap else { return nil }
        let (doubled, overflow) = current.multipliedReportingOverflow(by: 2)
        return overflow ? cap : min(doubled, cap)
    }

    /// Every limit tried up to `current`: `[120, 240, 480]`.
    public func steps(upTo current: Int) -> [Int] {
        var steps = [initial]
        while let last = steps.last, last < current, let next = next(after: last) { steps.append(next) }
        return steps
    }

    public static let answerAdvice = "raise the cap (max tokens cap)."
    public static let judgeAdvice = "raise the judge's max tokens (or the cap)."

    /// The skip reason's detail once the answer is truncated at `current` and cannot be raised any more;
    /// `advice` says which setting to raise when the user's cap is what stopped it.
    public func exhaustedDetail(at current: Int, advice: String = answerAdvice) -> String {
        let steps = steps(upTo: current)
        var text = "Truncated at \(current) tokens"
        if steps.count > 1 {
            text += " after raising the limit " + steps.map(String.init).joined(separator: " → ")
        }
        switch bound {
        case .userCap:
            text += "; " + advice
        case .contextWindow(let window):
            text += "; the model's context window (\(window) tokens) leaves no more room after this prompt: shorten the prompt or use a model with a larger context."
        }
        return text
    }
}
