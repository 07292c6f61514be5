import DistilleryCore
import Testing

struct FormattingTests {
    @Test(arguments: [(0, "0"), (999, "999"), (1000, "1,000"), (1_234_567, "1,234,567"), (-4200, "-4,200")])
    func countsGetThousandsSeparators(value: Int, expected: String) {
        #expect(Formatting.count(value) == expected)
    }

    @Test(arguments: [(12, "12 B"), (1500, "1.5 KB"), (52_428_800, "52.4 MB"), (999_999, "1000.0 KB")])
    func bytesUseDecimalUnits(value: Int, expected: String) {
        #expect(Formatting.bytes(value) == expected)
    }

    @Test func timestampsAreUTC() {
        #expect(Formatting.timestamp(milliseconds: 0) == "1970-01-01 00:00 UTC")
        #expect(Formatting.iso8601(milliseconds: 1_795_327_262_000) == "2026-11-22T06:01:02Z")
        #expect(Formatting.iso8601(milliseconds: 951_782_400_000) == "2000-02-29T00:00:00Z")
    }

    @Test func formDecodingHandlesPlusAndPercent() {
        let pairs = FormDecoding.decode(Array("name=a+b%20c&mode=seeds&empty=&x=%E2%9C%93".utf8))
        #expect(pairs.map(\.name) == ["name", "mode", "empty", "x"])
        #expect(pairs.map(\.value) == ["a b c", "seeds", "", "✓"])
        #expect(FormDecoding.percentEncode("a b/✓") == "a%20b%2F%E2%9C%93")
    }

    @Test func histogramScalesToTheTallestBucket() throws {
        let chart = try #require(HistogramChart(buckets: [("≤ 32", 1), ("≤ 64", 10), ("≤ 128", 0)]))
        #expect(chart.bars.map(\.barHeight) == [16, 160, 0])
        #expect(chart.bars[1].y == 18)
        #expect(HistogramChart(buckets: [("≤ 32", 0)]) == nil)
    }

    /// The chart's width follows its bucket count, so its 11 px labels are drawn at their size
    /// (two buckets are not stretched into giant bars, fourteen are not squeezed into a phone).
    @Test func histogramWidthGrowsWithItsBuckets() throws {
        let two = try #require(HistogramChart(buckets: [("≤ 32", 1), ("≤ 64", 2)]))
        let fourteen = try #require(HistogramChart(buckets: (0..<14).map { ("≤ \($0)k", $0 + 1) }))
        #expect(two.width == 2 * HistogramChart.slotWidth)
        #expect(fourteen.width == 14 * HistogramChart.slotWidth)
        for chart in [two, fourteen] {
            for (index, bar) in chart.bars.enumerated() {
                #expect(bar.x >= index * HistogramChart.slotWidth)
                #expect(bar.x + bar.barWidth <= (index + 1) * HistogramChart.slotWidth)
                #expect(bar.labelX == bar.x + bar.barWidth / 2)
            }
        }
    }
}
