/// Judges the free pre-flight call (`GET {base}/models`) made before a job is created, so a bad key, a
/// wrong URL or an unknown model fails at once and costs nothing.
public enum PreflightCheck {
    /// The model ids in an OpenAI-style list (`{"data": [{"id": …}]}`); Ollama's native `{"models": [{"name": …}]}`
    /// is read too. Nil when the body is no such list.
    public static func modelIDs(_ body: [UInt8]) -> [String]? {
        guard let json = try? SynthesisJSON.parse(body) else { return nil }
        if let data = json["data"]?.arrayValue { return data.compactMap { $0["id"]?.stringValue } }
        if let models = json["models"]?.arrayValue {
            return models.compactMap { $0["name"]?.stringValue ?? $0["model"]?.stringValue ?? $0["id"]?.stringValue }
        }
        return nil
    }

    /// Nil when the teacher can be used. `requireModelListed` is for catalog providers; local servers
    /// (llama.cpp serves whatever it loaded, under any name) pass false.
    public static func evaluate(
        status: Int, body: [UInt8], model: String, requireModelListed: Bool
    ) -> TeacherFailure? {
        guard (200..<300).contains(status) else {
            return TeacherFailure.http(status: status, body: body)
        }
        guard let ids = modelIDs(body) else {
            return TeacherFailure(.malformedBody, detail: "The model list at /models could not be read; is the base URL right?")
        }
        guard !requireModelListed || ids.contains(model) else {
            let known = ids.prefix(12).joined(separator: ", ")
            return TeacherFailure(
                .unknownModel, detail: "The provider does not list the model \"\(model)\"" + (known.isEmpty ? "." : "; it lists: \(known)."))
        }
        return nil
    }

    /// The request a self-hosted teacher is timed with at pre-flight: one token, so it costs next to nothing
    /// and measures the time to the first token (queueing, prompt processing, one step).
    public static let timingPrompt = "Reply with one word."

    public static func timingRequest(model: String) -> ChatCompletionRequest {
        ChatCompletionRequest(
            model: model, systemPrompt: nil, userPrompt: timingPrompt, sampling: SamplingSettings(temperature: 0, maxNewTokens: 1))
    }

    /// Nil when the timing request was answered; a one-token answer may be cut at the limit, which is expected.
    public static func evaluateTiming(status: Int, body: [UInt8]) -> TeacherFailure? {
        guard (200..<300).contains(status) else { return TeacherFailure.http(status: status, body: body) }
        guard let json = try? SynthesisJSON.parse(body), json["choices"]?.arrayValue != nil else {
            return TeacherFailure(.malformedBody, detail: "The test request to /chat/completions got no chat-completions answer.")
        }
        return nil
    }

    /// The dialog field a pre-flight failure is shown next to (once; the form-level message only points to it).
    public static func field(for failure: TeacherFailure, selfHosted: Bool) -> String {
        switch failure.failureClass {
        case .unauthorized, .insufficientBalance: return "api_key"
        case .unknownModel: return selfHosted ? "custom_model" : "model"
        case .connection, .timeout, .malformedBody, .notFound: return selfHosted ? "base_url" : "provider"
        default: return selfHosted ? "base_url" : "api_key"
        }
    }
}
