import DistilleryCore
import DistilleryStorage
import Foundation

/// A synthesis job's progress: GET /synthesis/{job} and its JSON twin GET /api/synthesis/{job}.
struct SynthesisJobView: Encodable {
    let jobID: Int64
    let status: String
    let statusLabel: String
    let statusTone: String
    let isActive: Bool
    let parentDatasetID: Int64?
    let parentName: String?
    let childDatasetID: Int64?
    let childName: String?
    let provider: String
    let model: String
    let rejectionSampling: Bool
    let total: Int
    let processed: Int
    let written: Int
    let skipped: Int
    let retries: Int
    let inFlight: Int
    let tokensIn: Int
    let tokensOut: Int
    let tokensInText: String
    let tokensOutText: String
    let costUSD: Double
    let costText: String
    let ratePerMinute: Double
    let rateText: String
    let elapsedSeconds: Double
    let elapsedText: String
    let etaSeconds: Double?
    let etaText: String?
    let percentDone: Int
    let pausedForRateLimit: Bool
    let skipReasons: [SkipReason]
    let hasSkipReasons: Bool
    let failure: String?
    let estimate: EstimateView?
    let cancelRequested: Bool
    let canCancel: Bool
    /// Every skipped seed (a page of them), its download and the retry form.
    var skippedSeeds: SkippedSeedsSection?
    let skippedSeedsURL: String
    var chrome: PageChrome?

    enum CodingKeys: String, CodingKey {
        case jobID, status, isActive, parentDatasetID, childDatasetID, provider, model, rejectionSampling, total, processed, written
        case skipped, retries, inFlight, tokensIn, tokensOut, costUSD, ratePerMinute, elapsedSeconds, etaSeconds, pausedForRateLimit
        case skipReasons, failure, estimate, cancelRequested, skippedSeedsURL
    }

    init(job: SynthesisJobRecord, services: Services, parent: DatasetRecord?, child: DatasetRecord?, skippedPage: Int = 1) throws {
        let live = services.synthesisRegistry.progress(job.jobID)
        jobID = job.jobID
        status = job.status.rawValue
        (statusLabel, statusTone) = Self.label(job.status, cancelRequested: job.cancelRequested)
        isActive = job.status.isActive
        parentDatasetID = job.parentDatasetID
        parentName = parent?.name
        childDatasetID = job.childDatasetID
        childName = child?.name
        provider = job.provider
        model = job.model
        rejectionSampling = (try? SynthesisSettings.decode(job.settingsJSON).rejectionSampling) ?? false
        total = job.total
        processed = job.processed
        written = job.written
        skipped = job.skipped
        retries = job.retries
        inFlight = live?.inFlight ?? 0
        tokensIn = job.tokensIn
        tokensOut = job.tokensOut
        tokensInText = Formatting.count(job.tokensIn)
        tokensOutText = Formatting.count(job.tokensOut)
        costUSD = job.costUSD
        costText = MoneyFormat.usd(job.costUSD)
        let now = services.now()
        let end = job.finishedAt ?? now
        elapsedSeconds = job.startedAt.map { Double(max(0, end - $0)) / 1000 } ?? 0
        elapsedText = DurationFormat.text(seconds: elapsedSeconds)
        let monotonicNow = SynthesisEngine.nowMs()
        let liveRate = live?.meter.perMinute(nowMs: monotonicNow) ?? 0
        let averageRate = elapsedSeconds > 0 ? Double(job.processed) / elapsedSeconds * 60 : 0
        ratePerMinute = isActive ? (liveRate > 0 ? liveRate : averageRate) : averageRate
        rateText = String(format: "%.0f seeds/min", ratePerMinute)
        let remaining = max(0, job.total - job.processed)
        etaSeconds = isActive && ratePerMinute > 0 ? Double(remaining) / ratePerMinute * 60 : nil
        etaText = etaSeconds.map { DurationFormat.text(seconds: $0) }
        percentDone = job.total == 0 ? 100 : job.processed * 100 / job.total
        pausedForRateLimit = (live?.pausedUntilMs ?? 0) > monotonicNow
        skipReasons = try services.synthesis.skipReasons(jobID: job.jobID)
        hasSkipReasons = !skipReasons.isEmpty
        failure = job.failure
        estimate = job.estimateJSON.flatMap { try? JSONDecoder().decode(EstimateView.self, from: Data($0.utf8)) }
        cancelRequested = job.cancelRequested
        canCancel = job.status.isActive && !job.cancelRequested
        skippedSeeds = job.skipped > 0 ? try SkippedSeedsSection(job: job, page: skippedPage, services: services) : nil
        skippedSeedsURL = "/api/synthesis/\(job.jobID)/skipped"
    }

    static func label(_ status: SynthesisJobStatus, cancelRequested: Bool) -> (String, String) {
        switch status {
        case .queued: return (cancelRequested ? "Cancelling" : "Queued", "busy")
        case .running: return (cancelRequested ? "Cancelling" : "Synthesizing", "busy")
        case .completed: return ("Completed", "ok")
        case .cancelled: return ("Cancelled", "warn")
        case .failed: return ("Synthesis failed", "bad")
        }
    }

    static func load(jobID: Int64, services: Services, skippedPage: Int = 1) throws -> SynthesisJobView {
        guard let job = try services.synthesis.job(id: jobID) else { throw AppError.notFound("No synthesis job \(jobID).") }
        let parent = try job.parentDatasetID.flatMap { try services.datasets.dataset(id: $0) }
        let child = try job.childDatasetID.flatMap { try services.datasets.dataset(id: $0) }
        return try SynthesisJobView(job: job, services: services, parent: parent, child: child, skippedPage: skippedPage)
    }
}
