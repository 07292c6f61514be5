import DistilleryCore
import DistilleryStorage
import Foundation

/// A generation task's report: GET /generations/{job} and its JSON twin GET /api/generations/{job}. Per stratum its
/// target, what was accepted and dropped and the shortfall; the totals; the cost; the sentence for each stratum that
/// ended short; the dropped items with what they duplicated; the output dataset once there is one.
struct GenerationTaskView: Encodable {
    struct StratumView: Encodable {
        let index: Int
        let label: String
        let values: [String: String]
        let target: Int
        let accepted: Int
        let duplicates: Int
        let unparseable: Int
        let rejected: Int
        let surplus: Int
        let itemsAsked: Int
        let calls: Int
        let failedCalls: Int
        let shortfall: Int
        let percentDone: Int

        init(index: Int, label: String, values: [String: String], counts: StratumCounts) {
            self.index = index
            self.label = label
            self.values = values
            target = counts.quota
            accepted = counts.accepted
            duplicates = counts.duplicates
            unparseable = counts.unparseable
            rejected = counts.rejected
            surplus = counts.surplus
            itemsAsked = counts.itemsAsked
            calls = counts.calls
            failedCalls = counts.failedCalls
            shortfall = counts.shortfall
            percentDone = counts.quota == 0 ? 100 : min(100, counts.accepted * 100 / counts.quota)
        }
    }

    struct DroppedItem: Encodable {
        let seq: Int
        let stratum: String
        let text: String
        /// duplicate, rejected or surplus.
        let status: String
        /// "17" (item 17 of the task) or "seed 3".
        let duplicateOf: String?
        let similarity: Double?
        let reason: String?
        /// What the page says of it: "duplicate of item 17 (similarity 0.86)", "rejected: refusal", "surplus".
        let verdictText: String
    }

    let jobID: Int64
    let number: String
    let status: String
    let statusLabel: String
    let statusTone: String
    let isActive: Bool
    let cancelRequested: Bool
    let templateID: Int64?
    let templateName: String
    let templateType: String
    let templateTypeTitle: String
    let outputName: String
    let provider: String
    let model: String
    let itemsPerCall: Int
    /// The teacher's sampling as sent (the request's, else the recipe's, else the template's).
    let temperature: Double?
    let topP: Double?
    let maxNewTokens: Int?
    let samplingText: String
    let attemptCapFactor: Double
    let duplicateThreshold: Double
    let target: Int
    let accepted: Int
    let percentDone: Int
    let strata: [StratumView]
    let totals: StratumView
    let retries: Int
    let tokensIn: Int
    let tokensOut: Int
    let costUSD: Double
    let costText: String
    /// One sentence per stratum that ended short: never a silent shortfall.
    let shortfall: [String]
    let hasShortfall: Bool
    let dropped: [DroppedItem]
    let droppedTotal: Int
    let droppedShown: Int
    let hasDropped: Bool
    /// Set when more were dropped than the report lists.
    let droppedListNote: String?
    let inFlight: Int
    let sourceDatasetID: Int64?
    let datasetID: Int64?
    let datasetURL: String?
    let failure: String?
    let createdText: String
    let finishedText: String?
    var chrome: PageChrome?
    /// Items the task's filter rejected, per reason (seed expansion: echo, refusal, near_duplicate_of_seed, too_short).
    var rejectedByReason: [RejectionCount] = [] {
        didSet { hasRejections = !rejectedByReason.isEmpty }
    }
    private(set) var hasRejections = false

    struct RejectionCount: Encodable {
        let reason: String
        let count: Int
        /// The reason's rule, when it is one of seed expansion's.
        let explanation: String?
    }

    static let droppedShownLimit = 200

    enum CodingKeys: String, CodingKey {
        case jobID, number, status, statusLabel, statusTone, isActive, cancelRequested, templateID, templateName, templateType
        case templateTypeTitle, outputName, provider, model, itemsPerCall, temperature, topP, maxNewTokens, samplingText, attemptCapFactor, duplicateThreshold, target, accepted
        case percentDone, strata, totals, retries, tokensIn, tokensOut, costUSD, costText, shortfall, hasShortfall, dropped, droppedTotal
        case droppedShown, hasDropped, inFlight, sourceDatasetID, datasetID, datasetURL, failure, createdText, finishedText
        case rejectedByReason
    }

    static func load(jobID: Int64, services: Services) throws -> GenerationTaskView {
        let store = services.generations
        guard let job = try store.job(id: jobID) else { throw AppError.notFound("No generation task \(jobID).") }
        let settings = try? GenerationSettings.decode(job.settingsJSON)
        let strata = try store.strata(jobID: jobID)
        let live = services.synthesisRegistry.progress(jobID)
        var view = GenerationTaskView(
            job: job, settings: settings, strata: strata,
            dropped: try store.droppedItems(jobID: jobID, offset: 0, limit: droppedShownLimit), droppedTotal: try store.droppedCount(jobID: jobID),
            inFlight: live?.inFlight ?? 0)
        view.rejectedByReason = try store.rejectionCounts(jobID: jobID).map {
            RejectionCount(reason: $0.reason, count: $0.count, explanation: ExpansionDropReason(rawValue: $0.reason)?.sentence)
        }
        return view
    }

    init(
        job: GenerationJobRecord, settings: GenerationSettings?, strata: [StoredStratum], dropped: [GenerationItemRecord], droppedTotal: Int,
        inFlight: Int
    ) {
        jobID = job.jobID
        number = JobNumber.text(job.jobID)
        status = job.status.rawValue
        statusLabel = job.status == .running && job.cancelRequested ? "Cancelling" : job.status == .running ? "Generating" : job.status.label
        statusTone = job.status.tone
        isActive = job.status.isActive
        cancelRequested = job.cancelRequested
        templateID = job.templateID
        templateName = job.templateName
        templateType = job.templateType.rawValue
        templateTypeTitle = job.templateType.title
        outputName = job.outputName
        provider = job.provider
        model = job.model
        itemsPerCall = settings?.itemsPerCall ?? GenerationLedger.defaultItemsPerCall
        temperature = settings?.teacher.temperature
        topP = settings?.teacher.topP
        maxNewTokens = settings?.teacher.maxNewTokens
        samplingText = [
            temperature.map { "temperature \(SynthesisJSON.number($0).serialized)" }, topP.map { "top p \(SynthesisJSON.number($0).serialized)" },
            maxNewTokens.map { "at most \($0) new tokens" },
        ].compactMap { $0 }.joined(separator: ", ")
        attemptCapFactor = settings?.attemptCapFactor ?? GenerationLedger.defaultAttemptCapFactor
        duplicateThreshold = settings?.duplicateThreshold ?? NearDuplicateGrouping.defaultThreshold
        target = job.target
        accepted = job.accepted
        percentDone = job.target == 0 ? 100 : min(100, job.accepted * 100 / job.target)
        self.strata = strata.map { StratumView(index: $0.stratum.index, label: $0.stratum.label, values: $0.stratum.values, counts: $0.counts) }
        var total = StratumCounts(quota: 0)
        for stored in strata {
            let counts = stored.counts
            total.quota += counts.quota
            total.accepted += counts.accepted
            total.duplicates += counts.duplicates
            total.unparseable += counts.unparseable
            total.rejected += counts.rejected
            total.surplus += counts.surplus
            total.itemsAsked += counts.itemsAsked
            total.calls += counts.calls
            total.failedCalls += counts.failedCalls
        }
        totals = StratumView(index: -1, label: "Total", values: [:], counts: total)
        retries = job.retries
        tokensIn = job.tokensIn
        tokensOut = job.tokensOut
        costUSD = job.costUSD
        costText = (settings?.teacher.costKnown ?? true) ? Formatting.usd(job.costUSD) : SelfHostedCost.unknownText
        // A running task's strata may still be topped up: a shortfall is only final once the task ended.
        shortfall = job.status.isActive ? [] : strata.compactMap { stored in
            guard stored.counts.accepted < stored.counts.quota else { return nil }
            return GenerationLedger.shortfallSentence(
                label: stored.stratum.label, counts: stored.counts, factor: settings?.attemptCapFactor ?? GenerationLedger.defaultAttemptCapFactor)
        }
        hasShortfall = !shortfall.isEmpty
        let labels = Dictionary(uniqueKeysWithValues: strata.map { ($0.stratum.index, $0.stratum.label) })
        self.dropped = dropped.map { item in
            var duplicateOf: String?
            var similarity: Double?
            var reason: String?
            let text: String
            switch item.verdict {
            case .duplicate(let source, let value):
                duplicateOf = source.text
                similarity = (value * 100).rounded() / 100
                let target = if case .reference = source { source.text } else { "item \(source.text)" }
                text = value >= 1 ? "duplicate of \(target)" : "near duplicate of \(target) (similarity \(String(format: "%.2f", value)))"
            case .rejected(let why):
                reason = why
                text = "rejected: \(why)"
            case .surplus: text = "surplus (its stratum was full)"
            case .accepted: text = "accepted"
            }
            return DroppedItem(
                seq: item.seq, stratum: labels[item.stratum] ?? "", text: item.text, status: item.verdict.status, duplicateOf: duplicateOf,
                similarity: similarity, reason: reason, verdictText: text)
        }
        self.droppedTotal = droppedTotal
        droppedShown = dropped.count
        hasDropped = !dropped.isEmpty
        droppedListNote = droppedTotal > dropped.count ? "The first \(dropped.count) of \(droppedTotal) are listed." : nil
        self.inFlight = inFlight
        sourceDatasetID = job.sourceDatasetID
        datasetID = job.outputDatasetID
        datasetURL = job.outputDatasetID.map { "/datasets/\($0)" }
        failure = job.failure
        createdText = Formatting.iso8601(milliseconds: job.createdAt)
        finishedText = job.finishedAt.map(Formatting.iso8601(milliseconds:))
    }
}
