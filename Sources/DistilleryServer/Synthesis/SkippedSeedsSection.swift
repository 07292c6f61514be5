import DistilleryCore
import DistilleryStorage
import Foundation

/// The job page's "Skipped seeds" block: every skipped seed (paged), its download, and the
/// "Retry skipped seeds" form pre-filled with the job's settings.
struct SkippedSeedsSection: Encodable {
    static let perPage = 50

    struct Item: Encodable {
        let line: Int
        let input: String
        let code: String
        let message: String
        let attempts: Int
    }

    let items: [Item]
    let total: Int
    let totalText: String
    let page: Int
    let pageCount: Int
    let previousPage: Int?
    let nextPage: Int?
    let isPaged: Bool
    let canRetry: Bool
    /// The retry form's fields, pre-filled with what the job ran with.
    let maxNewTokens: String
    let maxTokensCap: String
    let judgeMaxTokens: String
    let temperature: String
    let rejectionSampling: Bool
    let keyRequired: Bool
    var fieldErrors: [String: String] = [:]
    var formError: String?

    init(job: SynthesisJobRecord, page requestedPage: Int, services: Services) throws {
        total = job.skipped
        totalText = Formatting.count(job.skipped)
        pageCount = max(1, (total + Self.perPage - 1) / Self.perPage)
        page = min(max(1, requestedPage), pageCount)
        items = try services.synthesis.skippedSeeds(jobID: job.jobID, offset: (page - 1) * Self.perPage, limit: Self.perPage).map {
            Item(line: $0.line, input: $0.input, code: $0.code, message: $0.message, attempts: $0.attempts)
        }
        previousPage = page > 1 ? page - 1 : nil
        nextPage = page < pageCount ? page + 1 : nil
        isPaged = pageCount > 1
        canRetry = !job.status.isActive && total > 0
        let settings = try? SynthesisSettings.decode(job.settingsJSON)
        maxNewTokens = settings.map { String($0.maxNewTokens) } ?? ""
        maxTokensCap = settings?.maxTokensCap.map(String.init) ?? ""
        judgeMaxTokens = settings.map { String($0.effectiveJudgeMaxTokens) } ?? ""
        temperature = settings?.temperature.map { String($0) } ?? ""
        rejectionSampling = settings?.rejectionSampling ?? false
        keyRequired = services.catalog.provider(id: job.provider)?.keyRequired ?? true
    }
}
