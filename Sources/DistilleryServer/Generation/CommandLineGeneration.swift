import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation
import Logging

/// `distillery generate`: the same plan, engine and ledger as the server, driven from a shell. The template and the
/// variables come from files; the work lives in a data folder (`--state`, or a temporary one), so a run started again
/// with the same `--state` resumes.
public enum CommandLineGeneration {
    public struct Options: Sendable {
        /// JSON `{"name", "type", "system_prompt", "prompt"}`.
        public var templatePath: String
        /// The API's variables JSON: `{"topic": [{"value": "billing", "weight": 0.5}, …], "difficulty": "medium"}`.
        public var variablesPath: String
        public var count: Int
        public var itemsPerCall: Int?
        public var outputPath: String
        public var stateDirectory: String?
        /// The teacher's fields, as `distillery synth` takes them.
        public var fields: [String: String]
        public var key: SecureBytes?
        public var recipe: [UInt8]?
        public var warn: @Sendable (String) -> Void = { _ in }

        public init(
            templatePath: String, variablesPath: String, count: Int, outputPath: String, stateDirectory: String?, fields: [String: String],
            key: SecureBytes?
        ) {
            self.templatePath = templatePath
            self.variablesPath = variablesPath
            self.count = count
            self.outputPath = outputPath
            self.stateDirectory = stateDirectory
            self.fields = fields
            self.key = key
        }
    }

    public struct Outcome: Sendable {
        public let status: String
        public let accepted: Int
        public let target: Int
        public let duplicates: Int
        public let unparseable: Int
        /// One sentence per stratum that ended short.
        public let shortfall: [String]
        public let failure: String?
        public let costUSD: Double
        public let tokensIn: Int
        public let tokensOut: Int
    }

    public static func run(_ options: Options, logger: Logger, progress: (CommandLineSynthesis.Progress) -> Void) throws -> Outcome {
        try CommandLineSynthesis.withApp(stateDirectory: options.stateDirectory, name: "generate", logger: logger) { services in
            try run(options, services: services, progress: progress)
        }
    }

    private static func run(_ options: Options, services: Services, progress: (CommandLineSynthesis.Progress) -> Void) throws -> Outcome {

        let existing = try services.database.read { try $0.scalar("SELECT MAX(job_id) FROM generation_jobs")?.int64Value }
        let jobID = try existing ?? startTask(options, services: services)
        let started = Date()
        var lastProgress = Date.distantPast
        while true {
            let view = try GenerationTaskView.load(jobID: jobID, services: services)
            if !view.isActive || Date().timeIntervalSince(lastProgress) >= 0.25 {
                lastProgress = Date()
                let elapsed = Date().timeIntervalSince(started)
                let rate = elapsed > 0 ? Double(view.accepted) / elapsed * 60 : 0
                var line = CommandLineSynthesis.Progress(
                    total: view.target, processed: view.accepted, written: view.accepted, skipped: view.totals.duplicates + view.totals.rejected,
                    retries: view.retries, inFlight: view.inFlight, costText: view.costText, ratePerMinute: rate,
                    etaSeconds: rate > 0 ? Double(view.target - view.accepted) / rate * 60 : nil, elapsedSeconds: elapsed)
                line.unit = "items"
                progress(line)
            }
            if !view.isActive {
                try writeItems(jobID: jobID, to: options.outputPath, store: services.generations)
                return Outcome(
                    status: view.status, accepted: view.accepted, target: view.target, duplicates: view.totals.duplicates,
                    unparseable: view.totals.unparseable, shortfall: view.shortfall, failure: view.failure, costUSD: view.costUSD,
                    tokensIn: view.tokensIn, tokensOut: view.tokensOut)
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    typealias Failure = CommandLineSynthesis.Failure

    /// The template file: `{"name", "type", "system_prompt", "prompt", "settings"}`, its settings checked as the API's.
    static func template(at path: String) throws -> TemplateSnapshot {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "cannot read the template \(path)") }
        let json: SynthesisJSON
        do {
            json = try SynthesisJSON.parse(Array(data))
        } catch {
            throw Failure(description: "the template \(path) is not JSON: \(error.description)")
        }
        guard let prompt = json["prompt"]?.stringValue, !prompt.allSatisfy(\.isWhitespace) else {
            throw Failure(description: "the template \(path): prompt: is required (a string)")
        }
        let typeText = json["type"]?.stringValue ?? ""
        guard let type = TemplateType(rawValue: typeText) else {
            throw Failure(description: "the template \(path): type: must be one of \(TemplateType.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(typeText)\"")
        }
        let name = json["name"]?.stringValue ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let settingsJSON = json["settings"].map(\.serialized) ?? "{}"
        do throws(AppError) {
            _ = try TemplateDraft(name: name, type: type, prompt: prompt, settingsJSON: settingsJSON).checked()
        } catch {
            let problems = error.fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            throw Failure(description: "the template \(path): " + problems.joined(separator: "; "))
        }
        return TemplateSnapshot(
            id: nil, name: name, type: type, systemPrompt: json["system_prompt"]?.stringValue ?? "", prompt: prompt, settings: TemplateSettings(storedJSON: settingsJSON))
    }

    private static func startTask(_ options: Options, services: Services) throws -> Int64 {
        var request = GenerationRequest(
            template: try template(at: options.templatePath), outputName: URL(fileURLWithPath: options.outputPath).lastPathComponent,
            count: options.count)
        if request.template.type.needsInputDataset { throw Failure(description: "transform templates are not supported by distillery generate yet") }
        guard let variablesData = FileManager.default.contents(atPath: options.variablesPath) else {
            throw Failure(description: "cannot read the variables \(options.variablesPath)")
        }
        do {
            request.variables = try GenerationVariablesReader.read(try SynthesisJSON.parse(Array(variablesData)))
        } catch let error as GenerationPlanError {
            throw Failure(description: "the variables \(options.variablesPath): \(error.path): \(error.message)")
        } catch let error as SynthesisJSONError {
            throw Failure(description: "the variables \(options.variablesPath) are not JSON: \(error.description)")
        }
        if let itemsPerCall = options.itemsPerCall {
            guard GenerationSettings.itemsPerCallRange.contains(itemsPerCall) else {
                throw Failure(description: "--items-per-call must be from 1 to \(GenerationSettings.itemsPerCallRange.upperBound)")
            }
            request.askedItemsPerCall = itemsPerCall
        }
        try GenerationService.checkSkillPrompt(request)
        let strata = try GenerationService.plan(request)
        request.teacherFields = try CommandLineSynthesis.runFields(options.fields, recipe: options.recipe, warn: options.warn, catalog: services.catalog)
        let (_, teacher) = try GenerationService.teacher(request, services: services)
        guard let provider = services.catalog.provider(id: teacher.provider) else { throw Failure(description: "unknown provider") }
        if provider.keyRequired && options.key == nil {
            throw Failure(description: "\(provider.displayName) needs an API key: pass --api-key-env VARIABLE")
        }
        var settings = teacher
        settings.keyDescription = options.key == nil ? "none" : "from the environment (distillery generate)"
        _ = try SynthesisService.startPreflight(
            settings: settings, key: options.key, transport: services.transport, requireModelListed: provider.baseURL != nil, timeSelfHosted: false
        ).wait()
        var keyID: Int64?
        if let key = options.key {
            keyID = try services.vault.save(
                key: key, provider: provider.id, label: "distillery generate", userID: nil, actor: nil, remoteAddress: "", now: services.now())
        }
        return try GenerationService.create(request, strata: strata, teacher: settings, keyID: keyID, recipeID: nil, createdBy: nil, services: services)
    }

    /// The accepted items as dataset lines (seeds `{"input"}` or chat `{"messages"}`), in the order they were accepted.
    private static func writeItems(jobID: Int64, to path: String, store: GenerationStore) throws {
        try CommandLineSynthesis.writeLines(to: path) { after in
            try store.acceptedItems(jobID: jobID, afterSeq: Int(after), limit: 1000).map { (Int64($0.seq), $0.line) }
        }
    }
}
