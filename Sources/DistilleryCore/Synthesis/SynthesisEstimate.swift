extension TeacherModel {
    /// USD for a call's usage at this model's list price.
    public func costUSD(promptTokens: Int, completionTokens: Int) -> Double {
        (Double(promptTokens) * inputPricePerMillionUSD + Double(completionTokens) * outputPricePerMillionUSD) / 1_000_000
    }
}

/// What the dialog shows before Start Synthesis: requests, tokens, cost and expected duration.
public struct SynthesisEstimate: Sendable, Equatable {
    /// The dialog's choices and the seeds' size.
    public struct Input: Sendable, Equatable {
        public var seedCount: Int
        /// Sum of `TokenEstimator.estimate` over the seeds' text (the validator's figure).
        public var seedTokens: Int
        public var skillPrompt: String
        /// The answer length expected per candidate (e.g. max new tokens, or a typical length below it).
        public var expectedCompletionTokens: Int
        public var rejectionSampling: Bool
        public var candidatesPerSeed: Int
        /// The judge answers with a short JSON verdict.
        public var judgeCompletionTokens: Int
        public var requestsPerMinute: Int?
        public var tokensPerMinute: Int?
        public var maxInFlight: Int
        public var typicalLatencyMs: Int64

        public init(
            seedCount: Int, seedTokens: Int, skillPrompt: String, expectedCompletionTokens: Int,
            rejectionSampling: Bool, candidatesPerSeed: Int = 3, judgeCompletionTokens: Int = 60,
            requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, maxInFlight: Int, typicalLatencyMs: Int64
        ) {
            self.seedCount = seedCount
            self.seedTokens = seedTokens
            self.skillPrompt = skillPrompt
            self.expectedCompletionTokens = expectedCompletionTokens
            self.rejectionSampling = rejectionSampling
            self.candidatesPerSeed = candidatesPerSeed
            self.judgeCompletionTokens = judgeCompletionTokens
            self.requestsPerMinute = requestsPerMinute
            self.tokensPerMinute = tokensPerMinute
            self.maxInFlight = maxInFlight
            self.typicalLatencyMs = typicalLatencyMs
        }

        /// Sums the seeds' token estimates for you.
        public init(
            seeds: [String], skillPrompt: String, expectedCompletionTokens: Int, rejectionSampling: Bool,
            requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, maxInFlight: Int, typicalLatencyMs: Int64
        ) {
            self.init(
                seedCount: seeds.count, seedTokens: seeds.reduce(0) { $0 + TokenEstimator.estimate($1) },
                skillPrompt: skillPrompt, expectedCompletionTokens: expectedCompletionTokens,
                rejectionSampling: rejectionSampling, requestsPerMinute: requestsPerMinute,
                tokensPerMinute: tokensPerMinute, maxInFlight: maxInFlight, typicalLatencyMs: typicalLatencyMs)
        }
    }

    public var requests: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUSD: Double
    public var durationMs: Int64

    /// A latency to assume when the user has no figure: time to first token plus generation at a typical
    /// hosted speed (about 50 tokens per second).
    public static func typicalLatencyMs(completionTokens: Int, firstTokenMs: Int64 = 800, tokensPerSecond: Double = 50) -> Int64 {
        firstTokenMs + Int64((Double(max(0, completionTokens)) / max(1, tokensPerSecond) * 1000).rounded(.up))
    }

    /// The fixed text of the judge prompt (instructions and tags), measured from a real prompt so the
    /// estimate follows `JudgePrompt` if its wording changes.
    static func judgeOverheadTokens(candidates: Int) -> Int {
        var random = SeededRandom(seed: 0)
        let empty = JudgePrompt(skillPrompt: "", seed: "", candidates: Array(repeating: "", count: candidates), using: &random)
        return TokenEstimator.estimate(empty.systemPrompt) + TokenEstimator.estimate(empty.userPrompt)
            + 2 * TokenEstimator.perMessageOverhead
    }

    /// Generation: seeds × (prompt + completion); with rejection sampling, k candidates (one `n = k` request
    /// if supported, else k requests each paying the prompt) plus one judge call per seed whose prompt holds
    /// the skill, the seed and the k candidates. Duration: the slower of the rate limits and
    /// `maxInFlight` requests per latency, plus one latency for the last requests (two with a judge).
    public init(_ input: Input, model: TeacherModel) {
        let seeds = max(0, input.seedCount)
        let skillTokens = TokenEstimator.estimate(input.skillPrompt)
        let generationPrompt = seeds * (skillTokens + 2 * TokenEstimator.perMessageOverhead) + input.seedTokens
        let k = input.rejectionSampling ? max(1, input.candidatesPerSeed) : 1
        let callsPerSeed = k == 1 || model.capabilities.supportsN ? 1 : k
        var requests = seeds * callsPerSeed
        var prompt = generationPrompt * callsPerSeed
        var completion = seeds * k * max(0, input.expectedCompletionTokens)
        if input.rejectionSampling {
            requests += seeds
            prompt += seeds * (Self.judgeOverheadTokens(candidates: k) + skillTokens + k * max(0, input.expectedCompletionTokens))
                + input.seedTokens
            completion += seeds * max(0, input.judgeCompletionTokens)
        }
        self.requests = requests
        promptTokens = prompt
        completionTokens = completion
        costUSD = model.costUSD(promptTokens: prompt, completionTokens: completion)

        let latency = Double(max(0, input.typicalLatencyMs))
        var durationMs = Double(requests) * latency / Double(max(1, input.maxInFlight))
        if let rpm = input.requestsPerMinute, rpm > 0 { durationMs = max(durationMs, Double(requests) * 60_000 / Double(rpm)) }
        if let tpm = input.tokensPerMinute, tpm > 0 {
            durationMs = max(durationMs, Double(prompt + completion) * 60_000 / Double(tpm))
        }
        if requests > 0 { durationMs += latency * (input.rejectionSampling ? 2 : 1) }
        self.durationMs = Int64(durationMs.rounded(.up))
    }
}
