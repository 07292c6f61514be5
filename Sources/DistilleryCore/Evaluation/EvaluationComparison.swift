/// Two or more evaluation runs on the same held-out rows, in the order given (earliest first): per-dimension pass
/// rates side by side, the row-level diff between each run and the next (fixed: failed in the earlier run and
/// passed in the later; regressed: the reverse; rows matched by their index, only rows judged in both), and the
/// line chart of the rates across runs.
public struct EvaluationComparison: Sendable, Encodable, Equatable {
    public struct Run: Sendable, Encodable, Equatable {
        public let name: String
        public let rows: Int
        public let passedAll: EvaluationReport.Rate
        public let winRate: Double?
        public let winRateText: String
    }

    /// One dimension's pass rate in each run, in run order.
    public struct DimensionRow: Sendable, Encodable, Equatable {
        public let id: String
        public let title: String
        public let runs: [EvaluationReport.Rate]
    }

    public struct ChangedRow: Sendable, Encodable, Equatable {
        public let idx: Int64
        public let line: Int
        public let prompt: String
        /// The dimensions that failed in the run where the row failed.
        public let failedDimensions: [String]
    }

    public struct Diff: Sendable, Encodable, Equatable {
        public let from: String
        public let to: String
        public let fixed: [ChangedRow]
        public let regressed: [ChangedRow]
    }

    public let runs: [Run]
    public let dimensions: [DimensionRow]
    public let diffs: [Diff]
    /// nil with fewer than two runs.
    public let chart: EvaluationTrendChart?

    public static func build(runs: [(name: String, rows: [EvaluatedRow])], dimensions: [JudgeDimension]) -> EvaluationComparison {
        let reports = runs.map { EvaluationReport.build(rows: $0.rows, dimensions: dimensions, teacher: nil) }
        let columns = zip(runs, reports).map { run, report in
            Run(name: run.name, rows: report.rows, passedAll: report.passedAll, winRate: report.pairwise.winRate,
                winRateText: report.pairwise.winRateText)
        }
        let dimensionRows = dimensions.indices.map { index in
            DimensionRow(id: dimensions[index].id, title: dimensions[index].title, runs: reports.map { $0.dimensions[index].passes })
        }
        let diffs = zip(runs, runs.dropFirst()).map { earlier, later in diff(earlier, later) }
        var series = [EvaluationTrendChart.Series(label: "Passes every dimension", values: reports.map(\.passedAll.rate))]
        series += dimensionRows.map { row in .init(label: row.title, values: row.runs.map(\.rate)) }
        series.append(.init(label: "Win rate", values: reports.map(\.pairwise.winRate)))
        return EvaluationComparison(
            runs: columns, dimensions: dimensionRows, diffs: diffs,
            chart: EvaluationTrendChart(runLabels: runs.map(\.name), series: series))
    }

    static func diff(_ earlier: (name: String, rows: [EvaluatedRow]), _ later: (name: String, rows: [EvaluatedRow])) -> Diff {
        let before = Dictionary(earlier.rows.map { ($0.idx, $0) }, uniquingKeysWith: { first, _ in first })
        var fixed: [ChangedRow] = []
        var regressed: [ChangedRow] = []
        for row in later.rows.sorted(by: { $0.idx < $1.idx }) {
            guard let old = before[row.idx], old.passed != row.passed else { continue }
            if row.passed {
                fixed.append(changed(old))
            } else {
                regressed.append(changed(row))
            }
        }
        return Diff(from: earlier.name, to: later.name, fixed: fixed, regressed: regressed)
    }

    private static func changed(_ failing: EvaluatedRow) -> ChangedRow {
        ChangedRow(idx: failing.idx, line: failing.line, prompt: failing.prompt,
                   failedDimensions: failing.verdicts.filter { !$0.pass }.map(\.dimension))
    }
}
