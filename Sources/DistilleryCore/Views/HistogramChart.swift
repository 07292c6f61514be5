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
