import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation
import Logging

/// `distillery synth`: the same validation, engine and child dataset as the server, driven from a
/// shell. The work lives in a data folder (`--state`, or a temporary one), so an interrupted run
/// started again with the same `--state` resumes instead of starting over.
public enum CommandLineSynthesis {
    public struct Options: Sendable {
        public var seedsPath: String
        public var skillPrompt: String
        public var outputPath: String
        public var stateDirectory: String?
        public var fields: [String: String]
        /// The key, read from the environment straight into sodium memory (never a Swift String).
        public var key: SecureBytes?
        /// A recipe file's bytes (Distillery's recipe JSON or Oumi's); `fields` override its settings.
        public var recipe: [UInt8]?
        /// Told what a recipe carries that Distillery does not use.
        public var warn: @Sendable (String) -> Void = { _ in }

        public init(seedsPath: String, skillPrompt: String, outputPath: String, stateDirectory: String?, fields: [String: String], key: SecureBytes?) {
            self.seedsPath = seedsPath
            self.skillPrompt = skillPrompt
            self.outputPath = outputPath
            self.stateDirectory = stateDirectory
            self.fields = fields
            self.key = key
        }
    }

    public struct Progress: Sendable {
        public let total: Int
        public let processed: Int
        public let written: Int
        public let skipped: Int
        public let retries: Int
        public let inFlight: Int
        /// The cost so far ("$0.42"), or that it is unknown (a self-hosted endpoint without a price).
        public let costText: String
        public let ratePerMinute: Double
        public let etaSeconds: Double?
        public let elapsedSeconds: Double
        /// What `processed` counts ("seeds"; a generation's "items").
        public var unit = "seeds"
    }

    public struct Outcome: Sendable {
        public let status: String
        public let written: Int
        public let skipped: Int
        public let skipReasons: [SkipReason]
        public let failure: String?
        public let costUSD: Double
        public let tokensIn: Int
        public let tokensOut: Int
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `body` against an app without HTTP in `stateDirectory` (or a temporary folder, removed afterwards), one
    /// engine job at a time: the command line's server.
    static func withApp<T>(stateDirectory: String?, name: String, logger: Logger, _ body: (Services) throws -> T) throws -> T {
        let temporary = stateDirectory == nil
        let directory = stateDirectory ?? NSTemporaryDirectory() + "distillery-\(name)-\(getpid())-\(UUID().uuidString)"
        defer { if temporary { try? FileManager.default.removeItem(atPath: directory) } }
        var configuration = AppConfiguration()
        configuration.dataDirectory = directory
        configuration.servesHTTP = false
        configuration.synthesisJobCount = 1
        let app = try DistilleryApp(configuration: configuration, logger: logger)
        try app.start()
        defer { app.stop() }
        return try body(app.services)
    }

    /// Writes lines, read a page at a time after a cursor (-1 first; empty at the end), to `path` through a `.partial`
    /// file renamed at the end, so a reader never sees half a file.
    static func writeLines(to path: String, page: (Int64) throws -> [(cursor: Int64, line: String)]) throws {
        let temporary = path + ".partial"
        let sink = try FileSink(path: temporary)
        var after: Int64 = -1
        while true {
            let rows = try page(after)
            guard let last = rows.last else { break }
            for row in rows { try sink.write((Array(row.line.utf8) + [10])[...]) }
            after = last.cursor
        }
        sink.close()
        guard rename(temporary, path) == 0 else { throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    public static func run(_ options: Options, logger: Logger, progress: (Progress) -> Void) throws -> Outcome {
        try withApp(stateDirectory: options.stateDirectory, name: "synth", logger: logger) { services in
            try run(options, services: services, progress: progress)
        }
    }

    private static func run(_ options: Options, services: Services, progress: (Progress) -> Void) throws -> Outcome {

        let jobID = try existingJob(services) ?? startJob(options, services: services)
        var lastProgress = Date.distantPast
        while true {
            guard let job = try services.synthesis.job(id: jobID) else { throw Failure(description: "the job disappeared") }
            // The end is noticed within 10 ms (the exit waits for nothing else); the progress line is redrawn 4 times a second.
            if !job.status.isActive || Date().timeIntervalSince(lastProgress) >= 0.25 {
                lastProgress = Date()
                let view = try SynthesisJobView(job: job, services: services, parent: nil, child: nil)
                progress(Progress(
                    total: view.total, processed: view.processed, written: view.written, skipped: view.skipped, retries: view.retries,
                    inFlight: view.inFlight, costText: view.costText, ratePerMinute: view.ratePerMinute ?? 0, etaSeconds: view.etaSeconds,
                    elapsedSeconds: view.elapsedSeconds))
            }
            if !job.status.isActive {
                try writeRows(jobID: jobID, to: options.outputPath, store: services.synthesis)
                return Outcome(
                    status: job.status.rawValue, written: job.written, skipped: job.skipped,
                    skipReasons: try services.synthesis.skipReasons(jobID: jobID), failure: job.failure, costUSD: job.costUSD,
                    tokensIn: job.tokensIn, tokensOut: job.tokensOut)
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// A job left by an earlier run in the same `--state` folder (the worker pool has resumed it).
    private static func existingJob(_ services: Services) throws -> Int64? {
        try services.database.read { try $0.scalar("SELECT MAX(job_id) FROM synthesis_jobs")?.int64Value }
    }

    private static func startJob(_ options: Options, services: Services) throws -> Int64 {
        if let problem = validateSkillPrompt(options.skillPrompt) { throw Failure(description: "skill prompt: \(problem)") }
        let request = try SynthesisService.request(from: try runFields(options, catalog: services.catalog))
        var settings = try SynthesisService.settings(for: request, catalog: services.catalog)
        guard let provider = services.catalog.provider(id: settings.provider) else { throw Failure(description: "unknown provider") }
        if provider.keyRequired && options.key == nil {
            throw Failure(description: "\(provider.displayName) needs an API key: pass --api-key-env VARIABLE")
        }
        settings.keyDescription = options.key == nil ? "none" : "from the environment (distillery synth)"
        // The pre-flights (the teacher's, and a judge's of its own, which takes the same key) run while the seeds are
        // validated: start-up waits for the slower of the two, not their sum. A custom server is not timed: only the
        // stored estimate would use it, and the first seed need not wait for a timed answer.
        let teacherCheck = SynthesisService.startPreflight(
            settings: settings, key: options.key, transport: services.transport, requireModelListed: provider.baseURL != nil,
            timeSelfHosted: false)
        let judgeCheck = settings.judge.map { judge in
            SynthesisService.startPreflight(
                settings: judge.preflightSettings, key: options.key, transport: services.transport, requireModelListed: !judge.selfHosted,
                timeSelfHosted: false)
        }
        // The key must outlive the checks whatever happens below (a refused seeds file returns early).
        defer {
            _ = try? teacherCheck.wait()
            _ = try? judgeCheck?.wait()
        }

        // The seeds go through the same validator as an upload.
        let size = (try? FileManager.default.attributesOfItem(atPath: options.seedsPath)[.size] as? Int) ?? 0
        let datasetID = try services.datasets.create(
            NewDataset(
                name: URL(fileURLWithPath: options.seedsPath).lastPathComponent, mode: .seeds, baseModel: BaseModelCatalog.defaultModel.id,
                skillPrompt: options.skillPrompt, byteSize: size),
            now: services.now()
        ) { id in
            try FileManager.default.copyItem(atPath: options.seedsPath, toPath: services.configuration.uploadPath(datasetID: id))
        }
        services.wakeWorkers()
        while let record = try services.datasets.dataset(id: datasetID), record.status == .validating {
            Thread.sleep(forTimeInterval: 0.005)
        }
        guard let seeds = try services.datasets.dataset(id: datasetID), seeds.status == .validSeeds else {
            let report = try services.datasets.dataset(id: datasetID)?.summary.map(ValidationReportFormatter.text) ?? ""
            throw Failure(description: "the seeds file is not valid:\n\(report)")
        }
        let measuredFirstTokenMs = try teacherCheck.wait()
        do {
            _ = try judgeCheck?.wait()
        } catch let error as AppError {
            throw SynthesisService.judgeFields(error)
        }
        var keyID: Int64?
        if let key = options.key {
            keyID = try services.vault.save(
                key: key, provider: provider.id, label: "distillery synth", userID: nil, actor: nil, remoteAddress: "", now: services.now())
        }
        let seedTexts = try SynthesisService.seedInputs(datasetID: datasetID, services: services)
        let estimate = SynthesisService.estimate(
            seeds: seedTexts, skillPrompt: options.skillPrompt, settings: settings, request: request,
            model: provider.model(named: settings.model) ?? provider.models[0], measuredFirstTokenMs: measuredFirstTokenMs)
        let jobID = try services.synthesis.create(
            SynthesisStore.NewJob(
                parentDatasetID: datasetID, createdBy: nil, provider: provider.id, model: settings.model, settingsJSON: settings.json,
                keyID: keyID, estimateJSON: estimate.json),
            now: services.now())
        services.wakeWorkers()
        return jobID
    }

    /// The flags' fields, over the recipe's when there is one (read in either format, like `POST /api/recipes`).
    static func runFields(_ options: Options, catalog: ProviderCatalog) throws -> [String: String] {
        try runFields(options.fields, recipe: options.recipe, warn: options.warn, catalog: catalog)
    }

    /// `fields` over a recipe file's settings (`distillery synth` and `distillery generate`).
    static func runFields(
        _ given: [String: String], recipe: [UInt8]?, warn: (String) -> Void, catalog: ProviderCatalog
    ) throws -> [String: String] {
        guard let bytes = recipe else { return given }
        let imported: RecipeImport
        do {
            imported = try RecipeDocument.read(bytes: bytes, catalog: catalog)
        } catch {
            throw Failure(description: "the recipe is refused: \(error)")
        }
        for warning in imported.warnings { warn("recipe: \(warning)") }
        let fields = RecipeRunFields.merged(recipe: imported.recipe, overrides: given, catalog: catalog)
        if let missing = RecipeRunFields.missingBaseURL(in: fields, catalog: catalog) {
            throw Failure(description: "the recipe cannot run yet: --\(missing.path.replacingOccurrences(of: "_", with: "-")): \(missing.rule)")
        }
        return fields
    }

    /// The answered seeds' training rows, in seed order: the plain `{"messages": [...]}` shape.
    private static func writeRows(jobID: Int64, to path: String, store: SynthesisStore) throws {
        try writeLines(to: path) { after in try store.doneRows(jobID: jobID, afterIndex: after, limit: 1000).map { ($0.index, $0.row) } }
    }
}
