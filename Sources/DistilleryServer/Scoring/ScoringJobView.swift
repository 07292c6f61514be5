import DistilleryCore
import DistilleryStorage
import Foundation

/// A scoring job's progress and results: GET /scoring/{job} and its JSON twin GET /api/scoring/{job}. Per dimension the
/// mean, the distribution and (for 1–5 dimensions) the length-bias figure; the unscored rows by reason; the warnings
/// (a judge of the rows' own family, a length bias); the cost against the estimate.
struct ScoringJobView: Encodable {
    struct Bucket: Encodable {
        let score: Int
        let label: String
        let count: Int
        let percent: Int
    }

    struct DimensionView: Encodable {
        let id: String
        let title: String
        let description: String
        let rubric: String
        let rubricLabel: String
        let scoredRows: Int
        /// Mean score (1–5), or the pass rate (0–1) for pass/fail; nil before any score.
        let mean: Double?
        let meanText: String
        let distribution: [Bucket]
        /// Pearson r of score and answer length (1–5 dimensions with enough varied rows), and its text.
        let lengthBias: Double?
        let lengthBiasText: String
        let lengthBiasWarning: String?
    }

    let jobID: Int64
    let number: String
    let status: String
    let statusLabel: String
    let statusTone: String
    let isActive: Bool
    let cancelRequested: Bool
    let datasetID: Int64?
    let datasetURL: String?
    let provider: String
    let model: String
    let promptVersion: String
    let total: Int
    let scored: Int
    let unscored: Int
    let processed: Int
    let percentDone: Int
    let progressText: String
    let retries: Int
    let inFlight: Int
    let dimensions: [DimensionView]
    let unscoredReasons: [SkipReason]
    let hasUnscored: Bool
    let insistedSameFamily: Bool
    /// The family warning (when the user insisted) and every length-bias warning.
    let warnings: [String]
    let hasWarnings: Bool
    let lengthBiasThreshold: Double
    let tokensIn: Int
    let tokensOut: Int
    let costUSD: Double
    let costText: String
    let estimate: ScoringEstimateView?
    let failure: String?
    let createdText: String
    let finishedText: String?
    var chrome: PageChrome?

    enum CodingKeys: String, CodingKey {
        case jobID, number, status, statusLabel, statusTone, isActive, cancelRequested, datasetID, datasetURL, provider, model, promptVersion
        case total, scored, unscored, processed, percentDone, progressText, retries, inFlight, dimensions, unscoredReasons, hasUnscored
        case insistedSameFamily, warnings, hasWarnings, lengthBiasThreshold, tokensIn, tokensOut, costUSD, costText, estimate, failure
        case createdText, finishedText
    }

    static func load(jobID: Int64, services: Services) throws -> ScoringJobView {
        let store = services.scoring
        guard let job = try store.job(id: jobID) else { throw AppError.notFound("No scoring job \(jobID).") }
        let settings = try? ScoringSettings.decode(job.settingsJSON)
        let counts = Dictionary(uniqueKeysWithValues: try store.scoreCounts(jobID: jobID).map { ($0.dimension, $0.counts) })
        var dimensions: [DimensionView] = []
        for dimension in settings?.dimensions ?? [] {
            let pairs = dimension.rubric == .scale ? try store.scoreLengthPairs(jobID: jobID, dimension: dimension.id) : []
            dimensions.append(Self.dimension(dimension, counts: counts[dimension.id] ?? [:], lengthPairs: pairs))
        }
        let warnings = [job.familyWarning].compactMap { $0 } + dimensions.compactMap(\.lengthBiasWarning)
        let costKnown = settings?.judge.costKnown ?? true
        let live = services.synthesisRegistry.progress(jobID)
        let percent = job.total == 0 ? 100 : min(100, job.processed * 100 / job.total)
        let label = job.status == .running ? (job.cancelRequested ? "Cancelling" : JobKind.scoring.runningLabel) : job.status.label
        return ScoringJobView(
            jobID: jobID, number: JobNumber.text(jobID), status: job.status.rawValue, statusLabel: label, statusTone: job.status.tone,
            isActive: job.status.isActive, cancelRequested: job.cancelRequested, datasetID: job.datasetID,
            datasetURL: job.datasetID.map { "/datasets/\($0)" }, provider: services.catalog.provider(id: job.provider)?.displayName ?? job.provider,
            model: job.model, promptVersion: job.promptVersion, total: job.total, scored: job.scored, unscored: job.unscored,
            processed: job.processed, percentDone: percent,
            progressText: "\(Formatting.count(job.processed)) of \(Formatting.count(job.total)) rows: \(Formatting.count(job.scored)) scored, "
                + "\(Formatting.count(job.unscored)) unscored",
            retries: job.retries, inFlight: live?.inFlight ?? 0, dimensions: dimensions, unscoredReasons: try store.unscoredReasons(jobID: jobID),
            hasUnscored: job.unscored > 0, insistedSameFamily: job.insistedSameFamily, warnings: warnings, hasWarnings: !warnings.isEmpty,
            lengthBiasThreshold: LengthBias.warningThreshold, tokensIn: job.tokensIn, tokensOut: job.tokensOut, costUSD: job.costUSD,
            costText: costKnown ? Formatting.usd(job.costUSD) : SelfHostedCost.unknownText, estimate: ScoringEstimateView.decode(job.estimateJSON),
            failure: job.failure, createdText: Formatting.timestamp(milliseconds: job.createdAt),
            finishedText: job.finishedAt.map { Formatting.timestamp(milliseconds: $0) }, chrome: nil)
    }

    /// One dimension's figures from its score counts and (scale) its (score, answer length) pairs.
    static func dimension(_ dimension: JudgeDimension, counts: [Int: Int], lengthPairs: [(score: Int, length: Int)]) -> DimensionView {
        let scores = dimension.rubric == .scale ? Array(1...5) : [1, 0]
        let rows = counts.values.reduce(0, +)
        let sum = counts.reduce(0) { $0 + $1.key * $1.value }
        let mean = rows == 0 ? nil : Double(sum) / Double(rows)
        let meanText: String
        if let mean {
            meanText = dimension.rubric == .scale
                ? "\(Formatting.oneDecimal(mean)) of 5" : "\(Int((mean * 100).rounded()))% pass"
        } else {
            meanText = "no score yet"
        }
        let buckets = scores.map { score in
            let count = counts[score] ?? 0
            return Bucket(
                score: score, label: dimension.rubric == .scale ? String(score) : (score == 1 ? "pass" : "fail"), count: count,
                percent: rows == 0 ? 0 : Int((Double(count) * 100 / Double(rows)).rounded()))
        }
        let r = dimension.rubric == .scale ? LengthBias.correlation(lengthPairs) : nil
        let biasText: String
        if dimension.rubric == .passFail {
            biasText = "not computed for pass/fail"
        } else if let r {
            biasText = "r = \(LengthBias.format(r)) over \(Formatting.count(lengthPairs.count)) rows"
        } else {
            biasText = "needs \(LengthBias.minimumRows)+ rows with varied scores and lengths"
        }
        return DimensionView(
            id: dimension.id, title: dimension.title, description: dimension.description, rubric: dimension.rubric.rawValue,
            rubricLabel: dimension.rubric.label, scoredRows: rows, mean: mean, meanText: meanText, distribution: buckets, lengthBias: r,
            lengthBiasText: biasText, lengthBiasWarning: LengthBias.warning(dimensionTitle: dimension.title, r: r))
    }
}
