extension TeacherModel {
    /// USD for a call's usage at this model's list price.
    public func costUSD(promptTokens: Int, completionTokens: Int) -> Double {
        (Double(promptTokens) * inputPricePerMillionUSD + Double(completionTokens) * outputPricePerMillionUSD) / 1_000_000
    }
}

/// How fast a teacher answers: the time to its first token, then tokens per second. Where the figure comes
/// from is part of it, so the estimate can say what it assumes.
public struct TeacherSpeed: Sendable, Equatable, Codable {
    public var firstTokenMs: Int64
    public var tokensPerSecond: Double
    /// "DeepSeek's typical figures (catalog, 2026-11-30)", "measured at pre-flight", …
    public var source: String

    public init(firstTokenMs: Int64, tokensPerSecond: Double, source: String) {
        self.firstTokenMs = firstTokenMs
        self.tokensPerSecond = tokensPerSecond
        self.source = source
    }

    /// When nothing better is known: a typical hosted API (about 0.8 s to the first token, 50 tokens/s).
    public static let assumed = TeacherSpeed(firstTokenMs: 800, tokensPerSecond: 50, source: "a typical hosted API (assumed)")

    /// One answer of `completionTokens` tokens.
    public func latencyMs(completionTokens: Int) -> Int64 {
        firstTokenMs + Int64((Double(max(0, completionTokens)) / max(0.001, tokensPerSecond) * 1000).rounded(.up))
    }

    /// A pre-flight request of one token took `elapsedMs`: that is the time to the first token; the generation
    /// speed is still `generation`'s.
    public static func measured(firstTokenMs elapsedMs: Int64, generation: TeacherSpeed) -> TeacherSpeed {
        TeacherSpeed(
            firstTokenMs: max(1, elapsedMs), tokensPerSecond: generation.tokensPerSecond,
            source: "one request of 1 token timed at pre-flight; \(number(generation.tokensPerSecond)) tokens/s from \(generation.source)")
    }

    /// "Assumes 1.5 s per answer of 120 tokens (0.8 s to the first token, then 50 tokens/s; a typical hosted
    /// API (assumed)), 2 requests in flight."
    public func assumptionText(completionTokens: Int, maxInFlight: Int) -> String {
        "Assumes \(Self.time(ms: latencyMs(completionTokens: completionTokens))) per answer of \(Formatting.count(completionTokens)) tokens "
            + "(\(Self.time(ms: firstTokenMs)) to the first token, then \(Self.number(tokensPerSecond)) tokens/s; \(source)), "
            + "\(Formatting.count(maxInFlight)) request\(maxInFlight == 1 ? "" : "s") in flight."
    }

    /// 140 -> "140 ms", 3200 -> "3.2 s": a local server's first token comes in milliseconds.
    static func time(ms: Int64) -> String {
        ms < 1000 ? "\(ms) ms" : "\(Formatting.oneDecimal(Double(ms) / 1000)) s"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? Formatting.count(Int(value)) : Formatting.oneDecimal(value)
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
        /// The share of seeds whose verdict the swap check asks again (one more judge call each).
        public var swapCheckFraction: Double = 0

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
            seeds: [String], skillPrompt: String, expectedCompletionTokens: Int, rejectionSampling: Bool, candidatesPerSeed: Int = 3,
            requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, maxInFlight: Int, typicalLatencyMs: Int64
        ) {
            self.init(
                seedCount: seeds.count, seedTokens: seeds.reduce(0) { $0 + TokenEstimator.estimate($1) },
                skillPrompt: skillPrompt, expectedCompletionTokens: expectedCompletionTokens,
                rejectionSampling: rejectionSampling, candidatesPerSeed: candidatesPerSeed, requestsPerMinute: requestsPerMinute,
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
    /// the skill, the seed and the k candidates, and a second one per swap-checked seed. Duration: the slower of the rate limits and
    /// `maxInFlight` requests per latency, plus one latency for the last requests (two with a judge).
    /// `judge`: a judge of its own, whose prices the judge calls pay (nil: the teacher judges).
    public init(_ input: Input, model: TeacherModel, judge: TeacherModel? = nil) {
        let seeds = max(0, input.seedCount)
        let skillTokens = TokenEstimator.estimate(input.skillPrompt)
        let generationPrompt = seeds * (skillTokens + 2 * TokenEstimator.perMessageOverhead) + input.seedTokens
        let k = input.rejectionSampling ? max(1, input.candidatesPerSeed) : 1
        let callsPerSeed = k == 1 || model.capabilities.supportsN ? 1 : k
        var requests = seeds * callsPerSeed
        var prompt = generationPrompt * callsPerSeed
        var completion = seeds * k * max(0, input.expectedCompletionTokens)
        var judgeCost = 0.0
        if input.rejectionSampling && k > 1 {
            let verdicts = seeds + SwapCheckSample(fraction: input.swapCheckFraction).count(amongFirst: seeds)
            requests += verdicts
            // A swap-checked seed's text is sent twice: counted at the average seed's size.
            let seedText = seeds > 0 ? input.seedTokens * verdicts / seeds : 0
            let judgePrompt = verdicts * (Self.judgeOverheadTokens(candidates: k) + skillTokens + k * max(0, input.expectedCompletionTokens))
                + seedText
            let judgeCompletion = verdicts * max(0, input.judgeCompletionTokens)
            prompt += judgePrompt
            completion += judgeCompletion
            judgeCost = (judge ?? model).costUSD(promptTokens: judgePrompt, completionTokens: judgeCompletion)
        }
        self.requests = requests
        promptTokens = prompt
        completionTokens = completion
        costUSD = model.costUSD(
            promptTokens: generationPrompt * callsPerSeed, completionTokens: seeds * k * max(0, input.expectedCompletionTokens)) + judgeCost

        let latency = Double(max(0, input.typicalLatencyMs))
        var durationMs = Double(requests) * latency / Double(max(1, input.maxInFlight))
        if let rpm = input.requestsPerMinute, rpm > 0 { durationMs = max(durationMs, Double(requests) * 60_000 / Double(rpm)) }
        if let tpm = input.tokensPerMinute, tpm > 0 {
            durationMs = max(durationMs, Double(prompt + completion) * 60_000 / Double(tpm))
        }
        if requests > 0 { durationMs += latency * (input.rejectionSampling && k > 1 ? 2 : 1) }
        self.durationMs = Int64(durationMs.rounded(.up))
    }
}
