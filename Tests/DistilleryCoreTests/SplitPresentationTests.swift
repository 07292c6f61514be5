@testable import DistilleryCore
import Testing

/// The training floor once a dataset is split, and the Splits card's per-split histograms.
struct SplitPresentationTests {
    struct FloorCase: CustomTestStringConvertible, Sendable {
        let label: String
        let rows: Int
        let invalidLines: Int
        let parent: Int64?
        let trainRows: Int?
        /// nil: nothing holds the dataset back.
        let summary: String?
        let firstStep: String?
        var testDescription: String { label }
    }

    static let floorCases: [FloorCase] = [
        FloorCase(label: "unsplit upload of 150: ready", rows: 150, invalidLines: 0, parent: nil, trainRows: nil, summary: nil, firstStep: nil),
        FloorCase(label: "split 150 with 120 train rows: ready however small validation and test are",
                  rows: 150, invalidLines: 0, parent: nil, trainRows: 120, summary: nil, firstStep: nil),
        FloorCase(label: "exactly 100 train rows: ready", rows: 130, invalidLines: 0, parent: 3, trainRows: 100, summary: nil, firstStep: nil),
        FloorCase(label: "split 150 with 88 train rows: 12 more needed", rows: 150, invalidLines: 0, parent: nil, trainRows: 88,
                  summary: "88 train rows; 12 more needed to train, minimum 100.", firstStep: "Split again with a larger train fraction"),
        FloorCase(label: "split child of 150 with 1 train row", rows: 150, invalidLines: 0, parent: 3, trainRows: 1,
                  summary: "1 train row; 99 more needed to train, minimum 100.", firstStep: "Split again with a larger train fraction"),
        FloorCase(label: "small child split 80/10/10: counts its train rows, cannot be split into enough",
                  rows: 20, invalidLines: 0, parent: 3, trainRows: 16,
                  summary: "16 train rows; 84 more needed to train, minimum 100.", firstStep: "Synthesize more seeds"),
        FloorCase(label: "small child, not split", rows: 20, invalidLines: 0, parent: 3, trainRows: nil,
                  summary: "20 rows; 80 more needed to train, minimum 100.", firstStep: "Synthesize more seeds"),
        FloorCase(label: "an upload with bad lines stays invalid even when split", rows: 150, invalidLines: 2, parent: nil, trainRows: 90,
                  summary: nil, firstStep: nil),
        FloorCase(label: "a small split upload stays invalid (too few examples)", rows: 40, invalidLines: 0, parent: nil, trainRows: 32,
                  summary: nil, firstStep: nil),
    ]

    @Test(arguments: floorCases)
    func theTrainingFloorCountsTheTrainSplitOnceSplit(_ item: FloorCase) {
        var record = PresentationTests.child(rows: item.rows, invalidLines: item.invalidLines, parent: item.parent)
        record.trainRows = item.trainRows
        let readiness = DatasetReadiness(record: record)
        #expect(readiness?.summary == item.summary)
        #expect(readiness.map { $0.nextSteps.first?.hasPrefix(item.firstStep ?? "-") == true } ?? true)
        #expect(DatasetListItem(record).statusLabel == (readiness == nil ? record.status.label : "Not yet trainable"))
        if let summary = readiness?.summary {
            #expect(DatasetDetailView(record: record, preview: [], children: [], viewer: nil).statusExplanation == summary)
        }
    }

    struct HistogramCase: CustomTestStringConvertible, Sendable {
        let label: String
        /// Each row's estimated tokens, per split.
        let train: [Int]
        let validation: [Int]
        let test: [Int]
        let labels: [String]
        /// Bar counts per split, nil for a split without rows.
        let counts: [[Int]?]
        var testDescription: String { label }
    }

    static let histogramCases: [HistogramCase] = [
        HistogramCase(
            label: "one span for all three, from the shortest row of any split to the longest",
            train: [40, 40, 100], validation: [10], test: [300],
            labels: ["≤ 32", "≤ 64", "≤ 128", "≤ 256", "≤ 512"],
            counts: [[0, 2, 1, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]]),
        HistogramCase(
            label: "an empty test split has no chart; the others share the span",
            train: [64, 64, 64, 2000], validation: [70], test: [],
            labels: ["≤ 128", "≤ 256", "≤ 512", "≤ 1k", "≤ 2k"],
            counts: [[3, 0, 0, 0, 1], [1, 0, 0, 0, 0], nil]),
        HistogramCase(
            label: "past the last bound", train: [200_000], validation: [131_071], test: [],
            labels: ["≤ 128k", "> 128k"], counts: [[0, 1], [1, 0], nil]),
    ]

    @Test(arguments: histogramCases)
    func eachSplitsHistogramIsDrawnOverTheSameBuckets(_ item: HistogramCase) throws {
        var lengths = SplitLengths()
        for (split, tokens) in zip(DatasetSplit.allCases, [item.train, item.validation, item.test]) {
            for value in tokens { lengths.add(rowTokens: value, to: split) }
        }
        let applied = SplitRecord(
            distribution: RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1), seed: 1, threshold: 0.8,
            counts: SplitCounts(train: item.train.count, validation: item.validation.count, test: item.test.count),
            crossSplitPairs: 0, groupsKeptTogether: 0, rowsInGroups: 0, bentBy: 0, movedRows: 0)
        let view = DatasetSplitsView(applied: applied, lengths: lengths)
        for (part, expected) in zip(view.parts, item.counts) {
            #expect(part.histogram?.bars.map(\.count) == expected, "\(part.name)")
            if expected != nil { #expect(part.histogram?.bars.map(\.label) == item.labels, "\(part.name)") }
        }
        #expect(view.parts.map(\.tokens) == [item.train, item.validation, item.test].map { $0.reduce(0, +) })
    }
}
