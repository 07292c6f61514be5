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
                .notFound, detail: "The provider does not list the model \"\(model)\"" + (known.isEmpty ? "." : "; it lists: \(known)."))
        }
        return nil
    }
}
