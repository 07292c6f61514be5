import DistilleryCore
import DistilleryStorage

/// How well the judge agrees with the people who reviewed rows (README "Calibration against people"): the JSON of
/// `GET /api/datasets/{id}/calibration` and the `calibration_section` partial (its page, and the Quality tab).
struct DatasetCalibrationView: Encodable {
    struct Dimension: Encodable {
        let dimension: String
        let title: String
        let rubric: String
        let rubricLabel: String
        /// Reviewed rows the rule can use.
        let n: Int
        let spearman: Double?
        let kendallTauB: Double?
        let accuracy: Double?
        let moreNeeded: Int
        let moreNeededText: String?
        /// "ρ 0.86 · τ-b 0.77" or "accuracy 85.0%", once reported.
        let figuresText: String?
        let rule: String
    }

    let datasetID: Int64
    let datasetName: String
    let minimumRows: Int
    let dimensions: [Dimension]
    let hasDimensions: Bool

    init(dataset: DatasetRecord, groups: [(dimension: String, rubric: JudgeRubric, rows: [CalibrationRow])]) {
        datasetID = dataset.id
        datasetName = dataset.name
        minimumRows = DimensionCalibration.minimumRows
        dimensions = groups.map { group in
            let calibration = DimensionCalibration(dimension: group.dimension, rubric: group.rubric, rows: group.rows)
            let figures: String?
            if let accuracy = calibration.accuracy {
                figures = "accuracy \(Formatting.oneDecimal(accuracy * 100))%"
            } else if calibration.moreNeeded == 0 {
                figures = "ρ \(Self.twoDecimals(calibration.spearman)) · τ-b \(Self.twoDecimals(calibration.kendallTauB))"
            } else {
                figures = nil
            }
            return Dimension(
                dimension: group.dimension,
                title: JudgeDimension.builtIns.first { $0.id == group.dimension }?.title ?? group.dimension,
                rubric: group.rubric.rawValue, rubricLabel: group.rubric.label, n: calibration.rows, spearman: calibration.spearman,
                kendallTauB: calibration.kendallTauB, accuracy: calibration.accuracy, moreNeeded: calibration.moreNeeded,
                moreNeededText: calibration.moreNeededText, figuresText: figures, rule: calibration.rule)
        }
        hasDimensions = !dimensions.isEmpty
    }

    /// 0.8629 -> "0.86", -0.9438 -> "-0.94"; nil (one side never varies) -> "undefined".
    static func twoDecimals(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "undefined" }
        let hundredths = Int((value * 100).rounded())
        let magnitude = abs(hundredths)
        return "\(hundredths < 0 ? "-" : "")\(magnitude / 100).\(magnitude % 100 < 10 ? "0" : "")\(magnitude % 100)"
    }

    static func load(_ request: HTTPRequest, _ context: RequestContext) throws -> DatasetCalibrationView {
        let dataset = try context.datasets.requireDataset(id: request.datasetID())
        return DatasetCalibrationView(dataset: dataset, groups: try context.datasets.calibrationRows(datasetID: dataset.id))
    }
}

/// The small page that shows the section on its own.
struct DatasetCalibrationPage {
    var chrome: PageChrome
    let calibration: DatasetCalibrationView
}

// GET /api/datasets/{id}/calibration  — per judged dimension: reviewed rows used (n), Spearman's ρ and Kendall's τ-b
// (1–5 scale) or accuracy (pass/fail), the rule, or how many more reviewed rows are needed.  404 for an unknown
// dataset.  HTML twin: GET /datasets/{id}/calibration
func getDatasetCalibrationJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try DatasetCalibrationView.load(request, context))
}

// GET /datasets/{id}/calibration  — the same figures as a page.  JSON twin: GET /api/datasets/{id}/calibration
func showDatasetCalibrationPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let calibration = try DatasetCalibrationView.load(request, context)
    return context.renderer.html(
        .datasetCalibration, DatasetCalibrationPage(chrome: context.chrome(section: .datasets), calibration: calibration))
}
