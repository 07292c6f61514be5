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
