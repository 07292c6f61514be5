/// One choice from a chat-completions response, as received.
public struct TeacherCandidate: Sendable, Equatable {
    public var content: String
    /// `reasoning_content` (DeepSeek, Qwen, GLM, vLLM, llama.cpp) or `reasoning` (Ollama, OpenRouter).
    public var reasoning: String?
    public var finishReason: String?

    public init(content: String, reasoning: String? = nil, finishReason: String? = nil) {
        self.content = content
        self.reasoning = reasoning
        self.finishReason = finishReason
    }
}

/// A parsed chat-completions response.
public struct ChatCompletionResult: Sendable, Equatable {
    /// In `index` order.
    public var candidates: [TeacherCandidate]
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// The model the server says answered (may differ from the alias requested).
    public var model: String?

    public init(candidates: [TeacherCandidate], promptTokens: Int? = nil, completionTokens: Int? = nil, model: String? = nil) {
        self.candidates = candidates
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.model = model
    }
}

/// Reads chat-completions responses and classifies the ones that cannot be used.
public enum ChatCompletionParser {
    /// One whole HTTP outcome: a non-2xx status becomes its failure class (with `Retry-After` from the
    /// headers and the provider's message, key-like words redacted); a 2xx body is parsed. Answers still need
    /// `AnswerExtraction.finalAnswer` per candidate (empty and truncated answers are judged there).
    public static func classify(
        status: Int, headers: HTTPHeaders, body: [UInt8], nowUnixMs: Int64
    ) -> Result<ChatCompletionResult, TeacherFailure> {
        guard (200..<300).contains(status) else {
            let retryAfter = RateLimitHeaders.parse(headers, nowUnixMs: nowUnixMs).retryAfterMs
            return .failure(TeacherFailure.http(status: status, body: body, retryAfterMs: retryAfter))
        }
        return parse(body)
    }

    /// Parses a 2xx body. Anything that is not a chat completion with at least one choice is
    /// `malformedBody` (including a 200 carrying an `error` object, which some gateways send).
    public static func parse(_ body: [UInt8]) -> Result<ChatCompletionResult, TeacherFailure> {
        let json: SynthesisJSON
        do {
            json = try SynthesisJSON.parse(body)
        } catch {
            return .failure(TeacherFailure(.malformedBody, detail: "JSON error: \(error.message) at byte \(error.offset)."))
        }
        if json["choices"] == nil, let message = TeacherFailure.providerErrorMessage(body) {
            return .failure(
                TeacherFailure(.malformedBody, detail: "The body held an error: \"\(SecretRedaction.redact(message, limit: 200))\""))
        }
        guard let choices = json["choices"]?.arrayValue, !choices.isEmpty else {
            return .failure(TeacherFailure(.malformedBody, detail: "No \"choices\" array."))
        }
        var indexed: [(index: Int, candidate: TeacherCandidate)] = []
        for (position, choice) in choices.enumerated() {
            guard let message = choice["message"] else {
                return .failure(TeacherFailure(.malformedBody, detail: "choices[\(position)] has no \"message\"."))
            }
            let content: String
            switch message["content"] {
            case .some(.string(let text)): content = text
            case .none, .some(.null): content = ""
            default: return .failure(TeacherFailure(.malformedBody, detail: "choices[\(position)].message.content is not a string."))
            }
            let reasoning = message["reasoning_content"]?.stringValue ?? message["reasoning"]?.stringValue
            let candidate = TeacherCandidate(
                content: content, reasoning: reasoning, finishReason: choice["finish_reason"]?.stringValue)
            indexed.append((choice["index"]?.intValue ?? position, candidate))
        }
        indexed.sort { $0.index < $1.index }
        return .success(
            ChatCompletionResult(
                candidates: indexed.map(\.candidate),
                promptTokens: json["usage"]?["prompt_tokens"]?.intValue,
                completionTokens: json["usage"]?["completion_tokens"]?.intValue,
                model: json["model"]?.stringValue))
    }
}

/// How reasoning appears in the training row.
public enum ReasoningMode: String, Sendable, Equatable, CaseIterable {
    /// The final answer only (default): reasoning, separate or inline, is dropped.
    case answerOnly = "answer_only"
    /// `<think>reasoning</think>\n` before the answer, when the teacher gave any reasoning.
    case keepAsThinkBlock = "keep_think"
}

/// Turns a candidate into the text a training row holds, or says why it is unusable.
public enum AnswerExtraction {
    /// Splits content into inline reasoning and answer. Handles `<think>…</think>answer`, a bare
    /// `…</think>answer` (chat templates that open the block in the prompt), and `<think>…` with no end
    /// (the model ran out of tokens while thinking: no answer).
    public static func splitInlineReasoning(_ content: String) -> (reasoning: String?, answer: String) {
        if let open = content.firstRange(of: "<think>") {
            guard let close = content[open.upperBound...].firstRange(of: "</think>") else {
                return (String(content[open.upperBound...]), String(content[..<open.lowerBound]))
            }
            let answer = String(content[..<open.lowerBound]) + String(content[close.upperBound...])
            return (String(content[open.upperBound..<close.lowerBound]), answer)
        }
        if let close = content.firstRange(of: "</think>") {
            return (String(content[..<close.lowerBound]), String(content[close.upperBound...]))
        }
        return (nil, content)
    }

    /// The row text for a candidate. Empty (or whitespace) answers are `emptyAnswer`; a `length` finish
    /// is always `truncated` (a cut-off answer would teach the student to stop mid-sentence); a
    /// `content_filter` finish is `emptyAnswer`.
    public static func finalAnswer(_ candidate: TeacherCandidate, mode: ReasoningMode) -> Result<String, TeacherFailure> {
        let split = splitInlineReasoning(candidate.content)
        let answer = trimmed(split.answer)
        if candidate.finishReason == "length" {
            return .failure(TeacherFailure(.truncated, detail: answer.isEmpty ? "No answer came before the limit." : nil))
        }
        if candidate.finishReason == "content_filter" {
            return .failure(TeacherFailure(.emptyAnswer, detail: "The provider's content filter stopped the answer."))
        }
        guard !answer.isEmpty else { return .failure(TeacherFailure(.emptyAnswer)) }
        switch mode {
        case .answerOnly:
            return .success(answer)
        case .keepAsThinkBlock:
            let reasoning = trimmed(candidate.reasoning ?? split.reasoning ?? "")
            return .success(reasoning.isEmpty ? answer : "<think>\(reasoning)</think>\n\(answer)")
        }
    }

    static func trimmed(_ text: String) -> String {
        var slice = Substring(text)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
