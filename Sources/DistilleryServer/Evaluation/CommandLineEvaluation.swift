import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation
import Logging

/// `distillery eval`: the same checks, engine and report as the server, driven from a shell. The held-out file is
/// validated like an upload (a chat file; fewer rows than training needs is fine); the work lives in a data folder
/// (`--state`, or a temporary one), so a run started again with the same `--state` resumes.
public enum CommandLineEvaluation {
    public struct Options: Sendable {
        public var dataPath: String
        public var outputPath: String
        public var stateDirectory: String?
        /// "all" (the file is the held-out set), or a split the file is first split into (0.8/0.1/0.1, seed 42).
        public var split: String
        /// Built-in ids, comma-separated, or a JSON file with the API's `dimensions` list; nil: the four built-ins.
        public var dimensions: String?
        /// The endpoints' fields as the synthesis dialog names them; the recipe's settings go under the student's.
        public var studentFields: [String: String]
        public var judgeFields: [String: String]
        /// Keys read from the environment straight into sodium memory (never a Swift String).
        public var studentKey: SecureBytes?
        public var judgeKey: SecureBytes?
        public var recipe: [UInt8]?
        public var warn: @Sendable (String) -> Void = { _ in }

        public init(
            dataPath: String, outputPath: String, stateDirectory: String?, split: String, dimensions: String?, studentFields: [String: String],
            judgeFields: [String: String], studentKey: SecureBytes?, judgeKey: SecureBytes?
        ) {
            self.dataPath = dataPath
            self.outputPath = outputPath
            self.stateDirectory = stateDirectory
            self.split = split
            self.dimensions = dimensions
            self.studentFields = studentFields
            self.judgeFields = judgeFields
            self.studentKey = studentKey
            self.judgeKey = judgeKey
        }
    }

    /// What `--out` holds: the run, how it ended, and its report (`EvaluationReport`, the page's and API's figures).
    public struct Document: Encodable, Sendable {
        public let name: String
        public let status: String
        public let split: String?
        public let total: Int
        public let judged: Int
        public let skipped: Int
        public let skipReasons: [SkipReason]
        public let failure: String?
        public let student: String
        public let judge: String
        public let dimensions: [String]
        public let estimate: EvaluationEstimate?
        public let usage: [String: Usage]
        public let report: EvaluationReport

        public struct Usage: Encodable, Sendable {
            public let answered: Int
            public let tokensIn: Int
            public let tokensOut: Int
            /// null for a self-hosted endpoint without a price: unknown, not free.
            @JSONNullable public var costUSD: Double?
        }

        /// The run's cost; nil when an endpoint's cost is unknown.
        public var costUSD: Double? { Self.cost(usage) }

        static func cost(_ usage: [String: Usage]) -> Double? {
            usage.values.reduce(Double?.some(0)) { total, used in total.flatMap { total in used.costUSD.map { total + $0 } } }
        }
    }

    typealias Failure = CommandLineSynthesis.Failure

    public static func run(_ options: Options, logger: Logger, progress: (CommandLineSynthesis.Progress) -> Void) throws -> Document {
        try CommandLineSynthesis.withApp(stateDirectory: options.stateDirectory, name: "eval", logger: logger) { services in
            let existing = try services.database.read { try $0.scalar("SELECT MAX(job_id) FROM evaluation_runs")?.int64Value }
            let jobID = try existing ?? startRun(options, services: services)
            let started = Date()
            var lastProgress = Date.distantPast
            while true {
                guard let run = try services.evaluations.run(jobID: jobID) else { throw Failure(description: "the run disappeared") }
                if !run.status.isActive || Date().timeIntervalSince(lastProgress) >= 0.25 {
                    lastProgress = Date()
                    let elapsed = Date().timeIntervalSince(started)
                    let done = run.judged + run.skipped
                    let rate = elapsed > 0 ? Double(done) / elapsed * 60 : 0
                    let cost = Document.cost(try usage(run, services: services))
                    var line = CommandLineSynthesis.Progress(
                        total: run.total, processed: done, written: run.judged, skipped: run.skipped, retries: run.retries,
                        inFlight: services.synthesisRegistry.progress(jobID)?.inFlight ?? 0, costText: cost.map(Formatting.usd) ?? SelfHostedCost.unknownText,
                        ratePerMinute: rate, etaSeconds: rate > 0 ? Double(run.total - done) / rate * 60 : nil, elapsedSeconds: elapsed)
                    line.unit = "rows"
                    progress(line)
                }
                if !run.status.isActive {
                    let document = try document(run, services: services)
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    let bytes = try encoder.encode(document)
                    guard FileManager.default.createFile(atPath: options.outputPath, contents: bytes) else {
                        throw Failure(description: "cannot write \(options.outputPath)")
                    }
                    return document
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
    }

    /// Each endpoint's usage, its cost nil where the endpoint is self-hosted without a price.
    static func usage(_ run: EvaluationRunRecord, services: Services) throws -> [String: Document.Usage] {
        let settings = try? EvaluationSettings.decode(run.settingsJSON)
        let known = ["student": settings?.student.costKnown ?? true, "judge": settings?.judge.costKnown ?? true]
        return try services.evaluations.endpointUsage(jobID: run.jobID).reduce(into: [String: Document.Usage]()) { usage, entry in
            let used = entry.value
            usage[entry.key] = Document.Usage(
                answered: used.answered, tokensIn: used.tokensIn, tokensOut: used.tokensOut, costUSD: known[entry.key] ?? true ? used.costUSD : nil)
        }
    }

    static func document(_ run: EvaluationRunRecord, services: Services) throws -> Document {
        let usage = try usage(run, services: services)
        return Document(
            name: run.name, status: run.status.rawValue, split: run.split, total: run.total, judged: run.judged, skipped: run.skipped,
            skipReasons: try services.evaluations.skipReasons(jobID: run.jobID), failure: run.failure,
            student: "\(run.studentProvider)/\(run.studentModel)", judge: "\(run.judgeProvider)/\(run.judgeModel)",
            dimensions: run.dimensions.map(\.id), estimate: run.estimateJSON.flatMap(EvaluationEstimate.init(storedJSON:)), usage: usage,
            report: try EvaluationPageLoader.report(run, teacher: nil, services: services))
    }

    /// `--dimensions`: comma-separated built-in ids, or a JSON file holding the API's list.
    static func dimensions(_ value: String?) throws -> [JudgeDimension] {
        guard let value else { return JudgeDimension.builtIns }
        let json: SynthesisJSON
        if value.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: value) else { throw Failure(description: "cannot read the dimensions \(value)") }
            do { json = try SynthesisJSON.parse(Array(data)) } catch { throw Failure(description: "the dimensions \(value) are not JSON: \(error.description)") }
        } else {
            json = .array(value.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
        }
        do {
            return try JudgeDimensionsReader.read(passFailList: json)
        } catch {
            throw Failure(description: "--dimensions: \(error.path): \(error.message)")
        }
    }

    private static func startRun(_ options: Options, services: Services) throws -> Int64 {
        guard (["all"] + EvaluationService.splits).contains(options.split) else {
            throw Failure(description: "--split must be one of all, train, validation, test")
        }
        let dimensions = try dimensions(options.dimensions)
        let student = try endpoint(
            CommandLineSynthesis.runFields(options.studentFields, recipe: options.recipe, warn: options.warn, catalog: services.catalog),
            key: options.studentKey, role: "student", services: services)
        let judge = try endpoint(options.judgeFields.merging(["max_new_tokens": "1024"]) { given, _ in given }, key: options.judgeKey, role: "judge", services: services)
        // Both pre-flights run while the file is validated; the keys outlive them whatever happens below.
        let checks = [student, judge].map { endpoint in
            SynthesisService.startPreflight(
                settings: endpoint.settings, key: endpoint.key, transport: services.transport, requireModelListed: endpoint.provider.baseURL != nil,
                timeSelfHosted: false)
        }
        defer { for check in checks { _ = try? check.wait() } }

        let size = (try? FileManager.default.attributesOfItem(atPath: options.dataPath)[.size] as? Int) ?? 0
        let datasetID = try services.datasets.create(
            NewDataset(
                name: URL(fileURLWithPath: options.dataPath).lastPathComponent, mode: .chat, baseModel: BaseModelCatalog.defaultModel.id,
                skillPrompt: nil, byteSize: size),
            now: services.now()
        ) { id in
            try FileManager.default.copyItem(atPath: options.dataPath, toPath: services.configuration.uploadPath(datasetID: id))
        }
        services.wakeWorkers()
        while let record = try services.datasets.dataset(id: datasetID), record.status == .validating { Thread.sleep(forTimeInterval: 0.005) }
        guard let dataset = try services.datasets.dataset(id: datasetID), EvaluationService.isEvaluable(dataset) else {
            let report = try services.datasets.dataset(id: datasetID)?.summary.map(ValidationReportFormatter.text) ?? ""
            throw Failure(description: "\(options.dataPath) is not a valid chat file:\n\(report)")
        }
        if options.split != "all" {
            let rows = try services.datasets.splitInput(datasetID: datasetID)
            let (record, splits) = DatasetStore.planSplit(
                rows: rows, previous: nil,
                request: SplitRequest(distribution: RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1), seed: SplitRequest.defaultSeed))
            try services.datasets.applySplit(datasetID: datasetID, rowIndexes: rows.map(\.index), splits: splits, record: record, now: services.now())
        }
        for (check, role) in zip(checks, ["student", "judge"]) {
            do {
                _ = try check.wait()
            } catch AppError.invalid(let message, let fields) {
                throw Failure(description: "the \(role)'s pre-flight failed: \(message) \(flags(fields, role: role))")
            }
        }
        let request = EvaluationRequest(
            name: URL(fileURLWithPath: options.dataPath).deletingPathExtension().lastPathComponent, datasetID: datasetID,
            split: options.split == "all" ? .all : .named(options.split), studentFields: [:], judgeFields: [:], dimensions: dimensions)
        let heldOut: (split: String?, rows: [NewEvaluationRow])
        do {
            heldOut = try EvaluationService.heldOutRows(request, services: services)
        } catch AppError.invalid(let message, let fields) {
            throw Failure(description: "\(message) \(fields.values.sorted().joined(separator: " "))")
        }
        return try EvaluationService.create(
            request, heldOut: heldOut, student: student, judge: judge, user: nil, remoteAddress: "", services: services)
    }

    /// An endpoint from its flags; the key (from the environment) is sealed for the run like a pasted one.
    private static func endpoint(_ fields: [String: String], key: SecureBytes?, role: String, services: Services) throws -> EvaluationService.KeyedEndpoint {
        do {
            var request = try SynthesisService.request(from: fields)
            request.pastedKey = key
            var settings = try SynthesisService.settings(for: request, catalog: services.catalog)
            guard let provider = services.catalog.provider(id: settings.provider) else { throw Failure(description: "unknown \(role) provider") }
            if provider.keyRequired && key == nil {
                throw Failure(description: "\(provider.displayName) needs an API key: pass --\(role)-api-key-env VARIABLE")
            }
            settings.keyDescription = key == nil ? "none" : "from the environment (distillery eval)"
            return EvaluationService.KeyedEndpoint(request: request, settings: settings, provider: provider, savedKey: nil)
        } catch AppError.invalid(let message, let fields) {
            throw Failure(description: "\(message) \(flags(fields, role: role))")
        }
    }

    /// Field errors as the flags that set them: `base_url` of the student is `--student-base-url`.
    private static func flags(_ fields: [String: String], role: String) -> String {
        fields.sorted { $0.key < $1.key }.map { "--\(role)-\($0.key.replacingOccurrences(of: "_", with: "-")): \($0.value)" }.joined(separator: "; ")
    }
}
