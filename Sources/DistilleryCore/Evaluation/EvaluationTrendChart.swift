/// Geometry of the comparison's line chart (rates from 0 to 100% across runs), drawn by the template as inline SVG:
/// Core computes every coordinate, the template only places them (no inline style or script; the series' colours
/// are CSS classes). Drawn at its natural size like `HistogramChart`; a phone scrolls it sideways.
public struct EvaluationTrendChart: Sendable, Encodable, Equatable {
    public struct Series: Sendable, Encodable, Equatable {
        public let label: String
        /// One rate (0...1) per run; nil where the run has none.
        public let values: [Double?]

        public init(label: String, values: [Double?]) {
            self.label = label
            self.values = values
        }
    }

    public struct Point: Sendable, Encodable, Equatable {
        public let x: Int
        public let y: Int
        public let valueText: String
    }

    public struct Line: Sendable, Encodable, Equatable {
        public let label: String
        /// "series-0" … "series-5", the CSS class that colours the line, its points and its legend swatch.
        public let colorClass: String
        /// The polyline's `points` attribute: "x,y x,y …".
        public let points: String
        public let markers: [Point]
    }

    public struct Tick: Sendable, Encodable, Equatable {
        public let label: String
        public let x: Int
        public let y: Int
    }

    public let width: Int
    public let height: Int
    public let plotLeft: Int
    public let plotRight: Int
    public let lines: [Line]
    /// The y axis's gridlines at 0, 50 and 100%, labelled at the left.
    public let gridlines: [Tick]
    /// The runs' names under the x axis.
    public let runLabels: [Tick]

    static let left = 44
    static let top = 12
    static let plotHeight = 160
    static let slot = 96
    static let colours = 6

    /// nil with fewer than two runs (nothing to draw a line through).
    public init?(runLabels names: [String], series: [Series]) {
        guard names.count >= 2 else { return nil }
        width = Self.left + Self.slot * names.count
        height = Self.top + Self.plotHeight + 28
        plotLeft = Self.left
        plotRight = width - Self.slot / 4
        func x(_ run: Int) -> Int { Self.left + Self.slot / 2 + run * Self.slot }
        func y(_ rate: Double) -> Int { Self.top + Int(((1 - min(1, max(0, rate))) * Double(Self.plotHeight)).rounded()) }
        gridlines = [1.0, 0.5, 0.0].map { Tick(label: EvaluationReport.percent($0).replacingZeroDecimal, x: Self.left - 6, y: y($0)) }
        self.runLabels = names.indices.map { Tick(label: names[$0], x: x($0), y: Self.top + Self.plotHeight + 20) }
        lines = series.enumerated().map { index, line in
            let markers = line.values.enumerated().compactMap { run, value in
                value.map { Point(x: x(run), y: y($0), valueText: EvaluationReport.percent($0)) }
            }
            return Line(
                label: line.label, colorClass: "series-\(index % Self.colours)",
                points: markers.map { "\($0.x),\($0.y)" }.joined(separator: " "), markers: markers)
        }
    }
}

private extension String {
    /// "100.0%" → "100%" for the axis labels.
    var replacingZeroDecimal: String { hasSuffix(".0%") ? String(dropLast(3)) + "%" : self }
}
