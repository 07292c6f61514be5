/// How a JSONL upload is interpreted.
public enum DatasetMode: String, Codable, Sendable, CaseIterable {
    /// OpenAI chat-format training examples (`{"messages":[...]}`), one per line.
    case chat
    /// Prompts without answers (`{"input":"..."}`), one per line, answered later by a teacher.
    case seeds
}

/// Life-cycle status of a dataset; the validator produces the first five, synthesis the rest. Legal moves:
/// `DatasetStatus.successors`.
public enum DatasetStatus: String, Codable, Sendable, CaseIterable {
    case validating
    case valid
    case validWithWarnings = "valid_with_warnings"
    case invalid
    case validSeeds = "valid_seeds"
    case synthesizing
    case readyForTraining = "ready_for_training"
}

/// A base model a dataset can be trained against; the context window bounds each example's size.
public struct BaseModel: Codable, Sendable, Hashable {
    public let id: String
    public let displayName: String
    /// Maximum tokens (system + user + assistant) one training example may use.
    public let contextWindow: Int

    public init(id: String, displayName: String, contextWindow: Int) {
        self.id = id
        self.displayName = displayName
        self.contextWindow = contextWindow
    }
}

/// Common open-weight instruct models. Context windows are the native (un-scaled) figures from each
/// model's published configuration; rope-scaled extensions are not assumed.
public enum BaseModelCatalog {
    public static let all: [BaseModel] = [
        BaseModel(id: "llama-3.1-8b-instruct", displayName: "Llama 3.1 8B Instruct", contextWindow: 131_072),
        BaseModel(id: "llama-3.2-3b-instruct", displayName: "Llama 3.2 3B Instruct", contextWindow: 131_072),
        BaseModel(id: "llama-3.2-1b-instruct", displayName: "Llama 3.2 1B Instruct", contextWindow: 131_072),
        BaseModel(id: "qwen2.5-7b-instruct", displayName: "Qwen2.5 7B Instruct", contextWindow: 32_768),
        BaseModel(id: "qwen3-8b", displayName: "Qwen3 8B", contextWindow: 32_768),
        BaseModel(id: "mistral-7b-instruct-v0.3", displayName: "Mistral 7B Instruct v0.3", contextWindow: 32_768),
        BaseModel(id: "gemma-2-9b-it", displayName: "Gemma 2 9B IT", contextWindow: 8_192),
        BaseModel(id: "gemma-3-4b-it", displayName: "Gemma 3 4B IT", contextWindow: 131_072),
        BaseModel(id: "phi-3.5-mini-instruct", displayName: "Phi-3.5 Mini Instruct", contextWindow: 131_072),
        BaseModel(id: "smollm2-1.7b-instruct", displayName: "SmolLM2 1.7B Instruct", contextWindow: 8_192),
        BaseModel(id: "smollm2-135m-instruct", displayName: "SmolLM2 135M Instruct", contextWindow: 8_192),
    ]

    /// `llama-3.1-8b-instruct`.
    public static let defaultModel: BaseModel = all[0]

    public static func model(id: String) -> BaseModel? {
        all.first { $0.id == id }
    }
}
