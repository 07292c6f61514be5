/// Geometry of the token-length histogram, drawn by the template as inline SVG. Kept pure so the
/// drawing is tested without a browser.
public struct HistogramChart: Codable, Sendable, Equatable {
    public struct Bar: Codable, Sendable, Equatable {
        public let label: String
        public let count: Int
        public let countText: String
        public let x: Int
        public let y: Int
        public let barWidth: Int
        public let barHeight: Int
        public let labelX: Int
        public let labelY: Int
        public let countY: Int
    }

    public let width: Int
    public let height: Int
    public let bars: [Bar]

    static let plotTop = 18
    static let plotHeight = 160
    static let labelGap = 16

    /// Each bucket's share of the width: wide enough for its label ("≤ 128k") at the chart's 11 px
    /// text. The chart is drawn at its natural size (a phone scrolls it sideways), never squeezed
    /// until its labels are unreadable, nor stretched into a few giant bars.
    public static let slotWidth = 64

    /// nil when there is nothing to draw.
    public init?(buckets: [(label: String, count: Int)], slotWidth: Int = HistogramChart.slotWidth) {
        guard !buckets.isEmpty, buckets.contains(where: { $0.count > 0 }) else { return nil }
        let maximum = buckets.map(\.count).max() ?? 1
        let slot = slotWidth
        let barWidth = max(4, slot - 12)
        self.width = slot * buckets.count
        self.height = Self.plotTop + Self.plotHeight + Self.labelGap + 6
        self.bars = buckets.enumerated().map { index, bucket in
            // A non-empty bucket is always at least 2 px tall, so small counts stay visible.
            let scaled = bucket.count == 0 ? 0 : max(2, bucket.count * Self.plotHeight / maximum)
            let x = index * slot + (slot - barWidth) / 2
            let y = Self.plotTop + Self.plotHeight - scaled
            return Bar(
                label: bucket.label, count: bucket.count, countText: Formatting.count(bucket.count),
                x: x, y: y, barWidth: barWidth, barHeight: scaled,
                labelX: x + barWidth / 2, labelY: Self.plotTop + Self.plotHeight + Self.labelGap, countY: max(12, y - 4))
        }
    }
}

extension HistogramChart {
    /// The token histogram's buckets over `span` (bucket indexes; by default from its first to its last non-empty
    /// bucket), each labelled by its upper bound. Charts drawn over one span have the same bars, so they compare.
    public init?(_ histogram: TokenHistogram, span: ClosedRange<Int>? = nil) {
        guard let span = span ?? Self.nonEmptySpan([histogram]) else { return nil }
        self.init(buckets: span.map { index in
            let bound = histogram.upperBounds[index]
            let label = bound == Int.max ? "> \(Self.compact(histogram.upperBounds[max(0, index - 1)]))" : "≤ \(Self.compact(bound))"
            return (label, histogram.counts[index])
        })
    }

    /// From the first bucket that is non-empty in any of the histograms to the last; nil when all are empty.
    public static func nonEmptySpan(_ histograms: [TokenHistogram]) -> ClosedRange<Int>? {
        let first = histograms.compactMap { $0.counts.firstIndex(where: { $0 > 0 }) }.min()
        let last = histograms.compactMap { $0.counts.lastIndex(where: { $0 > 0 }) }.max()
        guard let first, let last else { return nil }
        return first...last
    }

    static func compact(_ value: Int) -> String {
        value >= 1024 && value % 1024 == 0 ? "\(value / 1024)k" : "\(value)"
    }
}
