/// One request a pipeline wants sent for an item.
public struct StageRequest: Sendable, Equatable {
    /// Index into the job's endpoints (synthesis: 0 the teacher, 1 the judge when it is a separate endpoint).
    public var endpoint: Int
    /// The pipeline's stage: failures, retry caps and raised token limits are kept per stage.
    public var stage: Int
    /// Which request of the stage (e.g. the candidate call); a stage's parts are sent and retried on their own.
    public var part: Int
    /// The request; its `max_tokens` is the stage's current limit (the scheduler raises it after a truncation).
    public var request: ChatCompletionRequest
    /// A retry after a content failure varies the request without breaking a JSON answer.
    public var expectsJSON: Bool
    /// Sent before the endpoint's other work (the judge's call completes an item whose answers are paid for).
    public var priority: Bool

    public init(
        endpoint: Int, stage: Int, part: Int = 0, request: ChatCompletionRequest, expectsJSON: Bool = false, priority: Bool = false
    ) {
        self.endpoint = endpoint
        self.stage = stage
        self.part = part
        self.request = request
        self.expectsJSON = expectsJSON
        self.priority = priority
    }
}

/// What an item does next, as its pipeline sees it.
public enum PipelineStep<Output, Item> {
    /// Requests still needed (the scheduler sends the ones not already under way).
    case send([StageRequest])
    /// The item is done: what it produced (zero or more outputs) and follow-up items to add to the job.
    case finish([Output], followUps: [Item])
    /// The item ends without an output, for this reason.
    case skip(TeacherFailure)
}

/// A kind of work (synthesis, generation, scoring, evaluation): pure code that, given an item and the answers
/// so far, says what to send next or what the item produced. Everything else (pacing, retries, limits,
/// priorities, resume, accounting) is the scheduler's and the same for every pipeline.
public protocol Pipeline {
    /// The item's input (a seed).
    associatedtype Item
    /// The item's answers so far.
    associatedtype Progress
    /// What a finished item produces (a training row).
    associatedtype Output

    /// The number of stages (the item state keeps failures per stage).
    var stageCount: Int { get }
    /// How the job's progress names its items and outputs ("seeds", "rows").
    var vocabulary: PipelineVocabulary { get }
    /// An item's progress before any answer.
    func begin(_ item: Item) -> Progress
    /// What to do next with the answers so far.
    func next(_ item: Item, _ progress: Progress) -> PipelineStep<Output, Item>
    /// Takes a successful answer to `request` into the progress, or says why it is not usable
    /// (an empty or truncated answer, an unreadable verdict): then the request is retried or the item skipped.
    func accept(
        _ answer: ChatCompletionResult, usage: RequestUsage, to request: StageRequest, item: Item, progress: inout Progress
    ) -> TeacherFailure?
    /// The token-limit ladder of a request's stage for this item (raised after a truncation).
    func ladder(for request: StageRequest, item: Item) -> TokenLimitLadder
    /// Whether the scheduler reports every accepted answer (`answered`) so the driver commits it before the item ends
    /// (evaluation: a stored student answer or verdict is never asked again after a restart).
    static var commitsPartialAnswers: Bool { get }
}

extension Pipeline {
    public static var commitsPartialAnswers: Bool { false }
}

/// One answered request's usage (the provider's figures, or estimates when it sent none).
public struct RequestUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// The request's `max_tokens`.
    public var limit: Int
    public var costUSD: Double

    public init(promptTokens: Int, completionTokens: Int, limit: Int, costUSD: Double) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.limit = limit
        self.costUSD = costUSD
    }
}

/// One endpoint of a job as the scheduler sees it: its capabilities, prices and pacing.
public struct EngineEndpoint: Sendable, Equatable {
    public var capabilities: TeacherCapabilities
    public var maxInFlight: Int
    public var pacing: RequestPacer.Configuration
    public var inputPricePerMillionUSD: Double
    public var outputPricePerMillionUSD: Double

    public init(
        capabilities: TeacherCapabilities, maxInFlight: Int, pacing: RequestPacer.Configuration,
        inputPricePerMillionUSD: Double = 0, outputPricePerMillionUSD: Double = 0
    ) {
        self.capabilities = capabilities
        self.maxInFlight = max(1, maxInFlight)
        self.pacing = pacing
        self.inputPricePerMillionUSD = inputPricePerMillionUSD
        self.outputPricePerMillionUSD = outputPricePerMillionUSD
    }

    public func costUSD(promptTokens: Int, completionTokens: Int) -> Double {
        (Double(promptTokens) * inputPricePerMillionUSD + Double(completionTokens) * outputPricePerMillionUSD) / 1_000_000
    }
}

/// A pipeline's words for its progress: what its items are and what they produce.
public struct PipelineVocabulary: Sendable, Equatable {
    /// "seeds", "prompts", "items".
    public var items: String
    /// "rows", "scores".
    public var outputs: String
    /// What a finished item did: "answered", "scored".
    public var finished: String

    public init(items: String, outputs: String, finished: String) {
        self.items = items
        self.outputs = outputs
        self.finished = finished
    }

    public static let synthesis = PipelineVocabulary(items: "seeds", outputs: "rows", finished: "answered")
}
