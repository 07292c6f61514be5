import DistilleryCore
import DistilleryStorage
import Foundation

/// A synthesis job's progress: GET /synthesis/{job} and its JSON twin GET /api/synthesis/{job}.
struct SynthesisJobView: Encodable {
    /// One setting the job ran with, as the page lists it.
    struct Setting: Encodable {
        let label: String
        let value: String
    }

    /// The settings the job ran with, for the JSON twin.
    struct RunSettings: Encodable {
        let teacher: String
        let model: String
        let baseURL: String
        let temperature: Double?
        let maxNewTokens: Int
        /// The highest limit a truncated answer is retried with.
        let maxTokensCap: Int?
        let judgeMaxTokens: Int?
        let seed: Int?
        let requestsPerMinute: Int?
        let tokensPerMinute: Int?
        let maxInFlight: Int
        let rejectionSampling: Bool
        let key: String?
        let inputPricePerMillionUSD: Double?
        let outputPricePerMillionUSD: Double?
    }

    /// Usage on one of the job's endpoints (the teacher; the judge when it is its own).
    struct EndpointView: Encodable {
        let name: String
        let provider: String
        let model: String
        let answered: Int
        let tokensIn: Int
        let tokensOut: Int
        let costUSD: Double
        let costText: String
    }

    let jobID: Int64
    /// "J-12": never to be read as a dataset number.
    let number: String
    let status: String
    let statusLabel: String
    let statusTone: String
    let isActive: Bool
    let parentDatasetID: Int64?
    let parentName: String?
    let childDatasetID: Int64?
    let childName: String?
    let provider: String
    let teacherName: String
    let model: String
    let rejectionSampling: Bool
    /// The settings the job was started with (its immutable snapshot).
    let settings: RunSettings?
    let settingsList: [Setting]
    /// The settings of the last "Retry skipped seeds", when they differ from the snapshot.
    let retrySettings: RunSettings?
    let retrySettingsList: [Setting]
    let hasRetrySettings: Bool
    /// The recipe the job started from (nil: none, or deleted since).
    let recipeID: Int64?
    let recipeName: String?
    /// The fields that start a job like this one again (POST /api/datasets/{id}/synthesis, with a key).
    let runAgainFields: [String: String]
    /// The job page's Run again form (HTML only).
    var runAgain: RunAgainSection?
    let startedBy: String?
    let createdAt: String
    let startedAt: String?
    let finishedAt: String?
    let createdText: String
    let startedText: String?
    let finishedText: String?
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
    let writtenText: String
    let skippedText: String
    let retriesText: String
    let costUSD: Double
    let costKnown: Bool
    let costText: String
    let ratePerMinute: Double?
    let rateLabel: String
    let rateText: String
    let elapsedSeconds: Double
    let elapsedText: String
    let etaSeconds: Double?
    let etaText: String
    let percentDone: Int
    let progressText: String
    /// `bad` for a failed job: its bar is red.
    let barTone: String
    let pausedForRateLimit: Bool
    let skipReasons: [SkipReason]
    let hasSkipReasons: Bool
    let failure: String?
    let estimate: EstimateView?
    let estimateVersusActual: String?
    let cancelRequested: Bool
    let canCancel: Bool
    /// Every skipped seed (a page of them), its download and the retry form.
    var skippedSeeds: SkippedSeedsSection?
    let skippedSeedsURL: String
    var chrome: PageChrome?
    /// Tokens and cost per endpoint (teacher, judge).
    let endpoints: [EndpointView]
    let hasEndpoints: Bool
    /// Set when the judge is of the teacher's model family.
    let judgeWarning: String?
    /// Rejection sampling's swap check: seeds checked, flips, flip rate beside the published figure.
    let swapCheck: SwapCheckView?

    enum CodingKeys: String, CodingKey {
        case jobID, number, status, statusLabel, isActive, parentDatasetID, childDatasetID, provider, teacherName, model, rejectionSampling
        case settings, retrySettings, recipeID, recipeName, runAgainFields, startedBy, createdAt, startedAt, finishedAt, total, processed, written, skipped, retries, inFlight, tokensIn, tokensOut
        case costUSD, costKnown, costText, ratePerMinute, rateLabel, rateText, elapsedSeconds, elapsedText, etaSeconds, etaText, percentDone
        case progressText, barTone, pausedForRateLimit, skipReasons, failure, estimate, estimateVersusActual, cancelRequested, skippedSeedsURL
        case endpoints, judgeWarning, swapCheck
    }

    init(job: SynthesisJobRecord, services: Services, parent: DatasetRecord?, child: DatasetRecord?, skippedPage: Int = 1) throws {
        let live = services.synthesisRegistry.progress(job.jobID)
        let runSettings = try? SynthesisSettings.decode(job.settingsSnapshotJSON)
        jobID = job.jobID
        number = JobNumber.text(job.jobID)
        status = job.status.rawValue
        isActive = job.status.isActive
        parentDatasetID = job.parentDatasetID
        parentName = parent?.name
        childDatasetID = job.childDatasetID
        childName = child?.name
        provider = job.provider
        let teacher = runSettings?.teacherDisplayName ?? services.catalog.provider(id: job.provider)?.displayName ?? job.provider
        teacherName = teacher
        model = job.model
        rejectionSampling = runSettings?.rejectionSampling ?? false
        settings = runSettings.map { Self.runSettings($0, teacher: teacher) }
        settingsList = (settings.map(Self.settingsList) ?? []) + (runSettings.map(Self.judgeSettingsList) ?? [])
        let current = job.settingsJSON == job.settingsSnapshotJSON ? nil : try? SynthesisSettings.decode(job.settingsJSON)
        retrySettings = current.map { Self.runSettings($0, teacher: teacher) }
        retrySettingsList = retrySettings.map(Self.settingsList) ?? []
        hasRetrySettings = retrySettings != nil
        let recipe = try job.recipeID.flatMap { try services.recipes.get(id: $0) }
        recipeID = recipe?.id
        recipeName = recipe?.recipe.name
        runAgainFields = (try? RunAgain.fields(of: job)) ?? [:]
        let usage = try services.synthesis.endpointUsage(jobID: job.jobID)
        let known = runSettings?.costKnown ?? true
        endpoints = ["teacher", "judge"].compactMap { name in
            guard let used = usage[name] else { return nil }
            let judge = name == "judge" ? runSettings?.judge : nil
            return EndpointView(
                name: name, provider: judge?.provider ?? job.provider, model: judge?.model ?? job.model, answered: used.answered,
                tokensIn: used.tokensIn, tokensOut: used.tokensOut, costUSD: used.costUSD,
                costText: (judge?.costKnown ?? known) ? Formatting.usd(used.costUSD) : SelfHostedCost.unknownText)
        }
        hasEndpoints = !endpoints.isEmpty
        judgeWarning = runSettings.flatMap { settings in
            guard settings.rejectionSampling else { return nil }
            return ModelFamily.sameFamilyWarning(
                teacherProvider: settings.provider, teacherModel: settings.model, judgeProvider: settings.judge?.provider ?? settings.provider,
                judgeModel: settings.judge?.model ?? settings.model)
        }
        swapCheck = runSettings.flatMap { SwapCheckView(settings: $0, tally: job.swapCheck) }
        startedBy = try job.createdBy.flatMap { try services.users.user(id: $0)?.name }
        createdAt = Formatting.iso8601(milliseconds: job.createdAt)
        createdText = Formatting.timestamp(milliseconds: job.createdAt)
        startedAt = job.startedAt.map { Formatting.iso8601(milliseconds: $0) }
        startedText = job.startedAt.map { Formatting.timestamp(milliseconds: $0) }
        finishedAt = job.finishedAt.map { Formatting.iso8601(milliseconds: $0) }
        finishedText = job.finishedAt.map { Formatting.timestamp(milliseconds: $0) }
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
        writtenText = Formatting.count(job.written)
        skippedText = Formatting.count(job.skipped)
        retriesText = Formatting.count(job.retries)
        costUSD = job.costUSD
        costKnown = runSettings?.costKnown ?? true
        let now = services.now()
        elapsedSeconds = job.startedAt.map { Double(max(0, (job.finishedAt ?? now) - $0)) / 1000 } ?? 0
        estimate = job.estimateJSON.flatMap { try? JSONDecoder().decode(EstimateView.self, from: Data($0.utf8)) }
        let monotonicNow = SynthesisEngine.nowMs()
        let presentation = SynthesisJobPresentation(
            SynthesisJobPresentation.Input(
                status: job.status, cancelRequested: job.cancelRequested, total: job.total, written: job.written, skipped: job.skipped,
                elapsedSeconds: elapsedSeconds, liveRatePerMinute: live?.meter.perMinute(nowMs: monotonicNow), costUSD: job.costUSD,
                costKnown: costKnown, estimatedSeconds: estimate?.durationSeconds, estimatedCostUSD: estimate?.costUSD))
        statusLabel = presentation.statusLabel
        statusTone = presentation.tone
        barTone = presentation.tone
        costText = presentation.costText
        ratePerMinute = presentation.ratePerMinute.map { ($0 * 10).rounded() / 10 }
        rateLabel = presentation.rateLabel
        rateText = presentation.rateText
        elapsedText = presentation.elapsedText
        etaSeconds = presentation.etaSeconds
        etaText = presentation.etaText
        percentDone = presentation.percentDone
        progressText = presentation.progressText
        estimateVersusActual = presentation.estimateVersusActual
        pausedForRateLimit = (live?.pausedUntilMs ?? 0) > monotonicNow
        skipReasons = try services.synthesis.skipReasons(jobID: job.jobID)
        hasSkipReasons = !skipReasons.isEmpty
        failure = job.failure
        cancelRequested = job.cancelRequested
        canCancel = job.status.isActive && !job.cancelRequested
        skippedSeeds = job.skipped > 0 ? try SkippedSeedsSection(job: job, page: skippedPage, services: services) : nil
        skippedSeedsURL = "/api/synthesis/\(job.jobID)/skipped"
    }

    static func runSettings(_ settings: SynthesisSettings, teacher: String) -> RunSettings {
        RunSettings(
            teacher: teacher, model: settings.model, baseURL: settings.baseURL, temperature: settings.temperature,
            maxNewTokens: settings.maxNewTokens, maxTokensCap: settings.maxTokensCap,
            judgeMaxTokens: settings.rejectionSampling ? settings.effectiveJudgeMaxTokens : nil, seed: settings.seed, requestsPerMinute: settings.requestsPerMinute,
            tokensPerMinute: settings.tokensPerMinute, maxInFlight: settings.maxInFlight, rejectionSampling: settings.rejectionSampling,
            key: settings.keyDescription, inputPricePerMillionUSD: settings.costKnown ? settings.inputPricePerMillionUSD : nil,
            outputPricePerMillionUSD: settings.costKnown ? settings.outputPricePerMillionUSD : nil)
    }

    static func settingsList(_ settings: RunSettings) -> [Setting] {
        var list = [
            Setting(label: "Teacher", value: settings.teacher),
            Setting(label: "Model", value: settings.model),
            Setting(label: "Base URL", value: settings.baseURL),
            Setting(label: "Temperature", value: settings.temperature.map { "\($0)" } ?? "provider default"),
            Setting(label: "Max new tokens", value: Formatting.count(settings.maxNewTokens)),
            Setting(label: "Max tokens cap", value: settings.maxTokensCap.map(Formatting.count) ?? "not raised"),
            Setting(label: "Seed", value: settings.seed.map(String.init) ?? "random"),
            Setting(label: "Requests per minute", value: settings.requestsPerMinute.map(Formatting.count) ?? "no limit"),
            Setting(label: "Tokens per minute", value: settings.tokensPerMinute.map(Formatting.count) ?? "no limit"),
            Setting(label: "Max in flight", value: Formatting.count(settings.maxInFlight)),
            Setting(label: "Rejection sampling", value: settings.rejectionSampling ? "on" : "off"),
        ]
        if let judgeMaxTokens = settings.judgeMaxTokens {
            list.append(Setting(label: "Judge max tokens", value: Formatting.count(judgeMaxTokens)))
        }
        if let key = settings.key { list.append(Setting(label: "API key", value: key)) }
        return list
    }

    /// Candidates, top p and the judge the job ran with.
    static func judgeSettingsList(_ settings: SynthesisSettings) -> [Setting] {
        var list: [Setting] = []
        if let topP = settings.topP { list.append(Setting(label: "Top p", value: "\(topP)")) }
        guard settings.rejectionSampling else { return list }
        list.append(Setting(label: "Candidates per seed", value: String(settings.candidateCount)))
        list.append(Setting(label: "Swap check", value: "\(Formatting.oneDecimal((settings.swapCheckFraction ?? 0) * 100))% of seeds"))
        if let judge = settings.judge {
            list.append(Setting(label: "Judge", value: "\(judge.displayName ?? judge.provider): \(judge.model)"))
            if judge.selfHosted { list.append(Setting(label: "Judge base URL", value: judge.baseURL)) }
            list.append(Setting(label: "Judge's API key", value: judge.keyDescription ?? "none"))
            list.append(Setting(label: "Judge requests per minute", value: judge.requestsPerMinute.map(Formatting.count) ?? "no limit"))
            list.append(Setting(label: "Judge tokens per minute", value: judge.tokensPerMinute.map(Formatting.count) ?? "no limit"))
            list.append(Setting(label: "Judge requests in flight", value: Formatting.count(judge.maxInFlight)))
        } else {
            list.append(Setting(label: "Judge", value: "the teacher"))
        }
        return list
    }

    static func load(jobID: Int64, services: Services, skippedPage: Int = 1) throws -> SynthesisJobView {
        guard let job = try services.synthesis.job(id: jobID) else { throw AppError.notFound("No synthesis job \(JobNumber.text(jobID)).") }
        let parent = try job.parentDatasetID.flatMap { try services.datasets.dataset(id: $0) }
        let child = try job.childDatasetID.flatMap { try services.datasets.dataset(id: $0) }
        return try SynthesisJobView(job: job, services: services, parent: parent, child: child, skippedPage: skippedPage)
    }
}
