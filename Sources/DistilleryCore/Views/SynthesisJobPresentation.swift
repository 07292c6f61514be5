/// How a synthesis job's progress reads on its page, in its JSON twin and on its parent's page. Pure, so the
/// wording at every stage (running, done, failed in an instant, cancelled) is table-tested.
public struct SynthesisJobPresentation: Sendable, Equatable {
    public struct Input: Sendable, Equatable {
        public var status: JobStatus
        public var cancelRequested: Bool
        public var total: Int
        public var written: Int
        public var skipped: Int
        /// From the job's start to its end (or now, while it runs).
        public var elapsedSeconds: Double
        /// The live meter's seeds per minute over the last minute, while the job runs.
        public var liveRatePerMinute: Double?
        public var costUSD: Double
        /// False for a self-hosted teacher without a price: its cost is unknown, not $0.
        public var costKnown: Bool
        public var estimatedSeconds: Double?
        public var estimatedCostUSD: Double?
        /// The pipeline's words for its items and outputs.
        public var vocabulary: PipelineVocabulary

        public init(
            status: JobStatus, cancelRequested: Bool = false, total: Int, written: Int, skipped: Int,
            elapsedSeconds: Double, liveRatePerMinute: Double? = nil, costUSD: Double = 0, costKnown: Bool = true,
            estimatedSeconds: Double? = nil, estimatedCostUSD: Double? = nil, vocabulary: PipelineVocabulary = .synthesis
        ) {
            self.vocabulary = vocabulary
            self.status = status
            self.cancelRequested = cancelRequested
            self.total = total
            self.written = written
            self.skipped = skipped
            self.elapsedSeconds = elapsedSeconds
            self.liveRatePerMinute = liveRatePerMinute
            self.costUSD = costUSD
            self.costKnown = costKnown
            self.estimatedSeconds = estimatedSeconds
            self.estimatedCostUSD = estimatedCostUSD
        }
    }

    public var statusLabel: String
    /// `ok`, `warn`, `bad` or `busy`: the badge colour, and the progress bar's (a failed job's bar is red).
    public var tone: String
    public var percentDone: Int
    public var progressText: String
    /// "Current rate" while running, "Average rate" once ended.
    public var rateLabel: String
    public var ratePerMinute: Double?
    public var rateText: String
    public var elapsedText: String
    public var etaSeconds: Double?
    public var etaText: String
    public var costText: String
    /// "Estimated 9 min 34 s, took 45 s." once the job has ended; nil before, or without a stored estimate.
    public var estimateVersusActual: String?

    /// Below this an average rate is noise (20 seeds failed in 7 ms is not "171,429 seeds/min").
    public static let shortestMeaningfulRunSeconds = 1.0

    public init(_ input: Input) {
        let processed = input.written + input.skipped
        let ended = !input.status.isActive
        (statusLabel, tone) = Self.label(input.status, cancelRequested: input.cancelRequested)
        percentDone = input.total == 0 ? 100 : min(100, processed * 100 / input.total)
        let words = input.vocabulary
        let of = "\(Formatting.count(processed)) of \(Formatting.count(input.total)) \(words.items)"
        switch input.status {
        case .queued, .running, .completed: progressText = "\(of) processed"
        case .cancelled: progressText = "Cancelled after \(of); \(Formatting.count(input.written)) \(words.outputs) kept"
        case .failed:
            progressText = "Failed: \(Formatting.count(input.written)) of \(Formatting.count(input.total)) \(words.items) \(words.finished) before it stopped"
        }
        elapsedText = Formatting.duration(seconds: input.elapsedSeconds)
        let average = input.elapsedSeconds >= Self.shortestMeaningfulRunSeconds && processed > 0
            ? Double(processed) / input.elapsedSeconds * 60 : nil
        if ended {
            rateLabel = "Average rate"
            ratePerMinute = input.status == .failed && input.written == 0 ? nil : average
        } else {
            rateLabel = "Current rate"
            ratePerMinute = input.liveRatePerMinute.flatMap { $0 > 0 ? $0 : nil } ?? average
        }
        rateText = ratePerMinute.map { Formatting.ratePerMinute($0, noun: words.items) } ?? "—"
        let remaining = max(0, input.total - processed)
        if ended {
            etaSeconds = input.status == .completed ? 0 : nil
            etaText = input.status == .completed ? "done" : "stopped"
        } else if remaining == 0 {
            etaSeconds = 0
            etaText = "done"
        } else if let rate = ratePerMinute {
            etaSeconds = Double(remaining) / rate * 60
            etaText = Formatting.duration(seconds: Double(remaining) / rate * 60)
        } else {
            etaSeconds = nil
            etaText = "—"
        }
        costText = input.costKnown ? Formatting.usd(input.costUSD) : SelfHostedCost.unknownText
        if ended, let estimated = input.estimatedSeconds {
            var sentence = "Estimated \(Formatting.duration(seconds: estimated)), took \(Formatting.duration(seconds: input.elapsedSeconds))"
            if input.costKnown, let estimatedCost = input.estimatedCostUSD {
                sentence += "; estimated cost \(Formatting.usd(estimatedCost)), actual \(Formatting.usd(input.costUSD))"
            }
            estimateVersusActual = sentence + "."
        } else {
            estimateVersusActual = nil
        }
    }

    public static func label(_ status: JobStatus, cancelRequested: Bool) -> (String, String) {
        switch status {
        case .queued: return (cancelRequested ? "Cancelling" : "Queued", "busy")
        case .running: return (cancelRequested ? "Cancelling" : "Synthesizing", "busy")
        case .completed: return ("Completed", "ok")
        case .cancelled: return ("Cancelled", "warn")
        case .failed: return ("Synthesis failed", "bad")
        }
    }
}

/// A self-hosted teacher has no list price: its cost is unknown unless the user gives one.
public enum SelfHostedCost {
    public static let unknownText = "unknown (self-hosted)"
}
