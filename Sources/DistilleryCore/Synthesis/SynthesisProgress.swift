/// Counts a job accumulates; the engine keeps these, the store persists them.
public struct SynthesisCounts: Sendable, Equatable {
    public var total: Int
    public var written: Int
    public var skipped: Int
    /// Attempts beyond each seed's first.
    public var retries: Int
    public var tokensIn: Int
    public var tokensOut: Int
    public var costUSD: Double

    public init(total: Int, written: Int = 0, skipped: Int = 0, retries: Int = 0, tokensIn: Int = 0, tokensOut: Int = 0, costUSD: Double = 0) {
        self.total = total
        self.written = written
        self.skipped = skipped
        self.retries = retries
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costUSD
    }

    public var processed: Int { written + skipped }
}

/// Seeds finished per minute over the last minute, in one-second buckets (constant memory).
public struct CompletionRateMeter: Sendable, Equatable {
    public static let windowSeconds = 60
    private var buckets = [Int](repeating: 0, count: windowSeconds)
    private var bucketSecond = [Int64](repeating: .min, count: windowSeconds)
    private var firstRecordMs: Int64?

    public init() {}

    public mutating func record(atMs: Int64, count: Int = 1) {
        let second = atMs / 1000
        let slot = Int(((second % Int64(Self.windowSeconds)) + Int64(Self.windowSeconds)) % Int64(Self.windowSeconds))
        if bucketSecond[slot] != second {
            bucketSecond[slot] = second
            buckets[slot] = 0
        }
        buckets[slot] += count
        if firstRecordMs == nil { firstRecordMs = atMs }
    }

    /// Completions per minute over the window (or over the time since the first record, if shorter).
    public func perMinute(nowMs: Int64) -> Double {
        guard let firstRecordMs else { return 0 }
        let nowSecond = nowMs / 1000
        var total = 0
        let oldest = nowSecond - Int64(Self.windowSeconds)
        for slot in 0..<Self.windowSeconds where bucketSecond[slot] > oldest && bucketSecond[slot] <= nowSecond {
            total += buckets[slot]
        }
        let spanMs = min(Int64(Self.windowSeconds) * 1000, max(1000, nowMs - firstRecordMs))
        return Double(total) * 60_000 / Double(spanMs)
    }
}

/// What the progress endpoint and the progress bar show.
public struct SynthesisProgress: Sendable, Equatable {
    public var counts: SynthesisCounts
    public var elapsedMs: Int64
    /// Seeds finished per minute, recently.
    public var ratePerMinute: Double
    /// Nil until there is a rate to extrapolate from; 0 when finished.
    public var etaMs: Int64?

    /// `ratePerMinute` from a `CompletionRateMeter`; when nil, the average since `startedAtMs` over the seeds
    /// processed in this run (`processedAtStart` were done before a restart and do not count toward speed).
    public init(counts: SynthesisCounts, startedAtMs: Int64, nowMs: Int64, processedAtStart: Int = 0, ratePerMinute: Double? = nil) {
        self.counts = counts
        elapsedMs = max(0, nowMs - startedAtMs)
        let processedThisRun = max(0, counts.processed - processedAtStart)
        let rate = ratePerMinute ?? (elapsedMs > 0 ? Double(processedThisRun) * 60_000 / Double(elapsedMs) : 0)
        self.ratePerMinute = rate
        let remaining = max(0, counts.total - counts.processed)
        if remaining == 0 {
            etaMs = 0
        } else if rate > 0 {
            etaMs = Int64((Double(remaining) / rate * 60_000).rounded(.up))
        } else {
            etaMs = nil
        }
    }

    public var fractionDone: Double { counts.total == 0 ? 1 : Double(counts.processed) / Double(counts.total) }

    /// The JSON the detail page polls.
    public var json: SynthesisJSON {
        .object([
            ("processed", .number(Double(counts.processed))),
            ("total", .number(Double(counts.total))),
            ("written", .number(Double(counts.written))),
            ("skipped", .number(Double(counts.skipped))),
            ("retries", .number(Double(counts.retries))),
            ("tokens_in", .number(Double(counts.tokensIn))),
            ("tokens_out", .number(Double(counts.tokensOut))),
            ("cost_usd", .number((counts.costUSD * 1_000_000).rounded() / 1_000_000)),
            ("rate_per_minute", .number((ratePerMinute * 10).rounded() / 10)),
            ("elapsed_ms", .number(Double(elapsedMs))),
            ("eta_ms", etaMs.map { .number(Double($0)) } ?? .null),
        ])
    }
}
