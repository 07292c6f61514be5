/// What a teacher model's chat-completions API accepts and returns.
public struct TeacherCapabilities: Sendable, Equatable {
    /// Accepts `n` > 1 (several candidates from one request).
    public var supportsN: Bool
    /// Accepts a `seed` for reproducible sampling.
    public var supportsSeed: Bool
    /// Returns reasoning separately (`reasoning_content`) or may put it inline in `<think>` tags.
    public var returnsReasoning: Bool
    /// Accepts `response_format: {"type": "json_object"}` (JSON mode); optional in the catalog, false when absent.
    public var supportsJSONObject: Bool
    /// Accepts `response_format: {"type": "json_schema", …}` (structured output); optional in the catalog,
    /// false when absent.
    public var supportsJSONSchema: Bool
    /// Accepts `response_format: {"type": "json_object", "schema": …}`: llama-cpp-python's server, which constrains
    /// the answer to the schema by a grammar but refuses the `json_schema` type. Set for custom servers only.
    public var supportsJSONObjectSchema: Bool

    public init(
        supportsN: Bool, supportsSeed: Bool, returnsReasoning: Bool, supportsJSONObject: Bool = false, supportsJSONSchema: Bool = false,
        supportsJSONObjectSchema: Bool = false
    ) {
        self.supportsN = supportsN
        self.supportsSeed = supportsSeed
        self.returnsReasoning = returnsReasoning
        self.supportsJSONObject = supportsJSONObject
        self.supportsJSONSchema = supportsJSONSchema
        self.supportsJSONObjectSchema = supportsJSONObjectSchema
    }

    /// The answer's schema reaches the server in one form or the other, so the prompt need not spell it out.
    public var takesSchema: Bool { supportsJSONSchema || supportsJSONObjectSchema }

    /// The way a custom server takes a schema, as the dialog and the API name it.
    public var structuredOutput: StructuredOutputStyle {
        supportsJSONSchema ? .jsonSchema : supportsJSONObjectSchema ? .jsonObjectSchema : .none
    }
}

/// How a custom server takes the JSON schema an answer must follow (`supports_structured_output`).
public enum StructuredOutputStyle: String, Sendable, Codable, CaseIterable {
    /// No schema: the prompt describes the format (and JSON mode where the model has it).
    case none
    /// `{"type": "json_schema", "json_schema": {…}}`: OpenAI's form, taken by vLLM and llama.cpp's `llama-server`.
    case jsonSchema = "json_schema"
    /// `{"type": "json_object", "schema": …}`: llama-cpp-python's server (grammar-constrained JSON).
    case jsonObjectSchema = "json_object_schema"

    /// Reads the field: the style's name, or a checkbox's yes/no (yes being `json_schema`, as the field began);
    /// nil for anything else.
    public init?(field: String) {
        let value = String(field.lowercased().drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        if let style = StructuredOutputStyle(rawValue: value) {
            self = style
        } else if ["on", "true", "1", "yes"].contains(value) {
            self = .jsonSchema
        } else if ["off", "false", "0", "no"].contains(value) {
            self = .none
        } else {
            return nil
        }
    }

    /// The capabilities of a custom server that takes schemas this way.
    public func applied(to capabilities: TeacherCapabilities) -> TeacherCapabilities {
        var applied = capabilities
        applied.supportsJSONSchema = self == .jsonSchema
        applied.supportsJSONObjectSchema = self == .jsonObjectSchema
        return applied
    }
}

/// One model a provider serves, with its list price.
public struct TeacherModel: Sendable, Equatable {
    /// The API's model name; `"*"` stands for any name the user types (custom servers).
    public var id: String
    public var displayName: String
    public var contextWindow: Int
    public var maxOutputTokens: Int?
    public var inputPricePerMillionUSD: Double
    public var outputPricePerMillionUSD: Double
    /// The date the price was read from the provider ("YYYY-MM-DD").
    public var priceAsOf: String
    public var capabilities: TeacherCapabilities
    /// Caveats: unconfirmed figures, tiered prices, deprecations.
    public var note: String?
    /// Typical time to first token and generation speed, with the date they were taken; the duration estimate
    /// uses them (nil for a custom server, which is timed at pre-flight instead).
    public var typicalSpeed: TeacherSpeed?
    /// "YYYY-MM-DD" the typical speed was taken.
    public var typicalSpeedAsOf: String?

    public static let anyModelID = "*"
    public var acceptsAnyName: Bool { id == Self.anyModelID }

    public init(
        id: String, displayName: String, contextWindow: Int, maxOutputTokens: Int? = nil,
        inputPricePerMillionUSD: Double, outputPricePerMillionUSD: Double, priceAsOf: String,
        capabilities: TeacherCapabilities, note: String? = nil, typicalSpeed: TeacherSpeed? = nil, typicalSpeedAsOf: String? = nil
    ) {
        self.typicalSpeed = typicalSpeed
        self.typicalSpeedAsOf = typicalSpeedAsOf
        self.id = id
        self.displayName = displayName
        self.contextWindow = contextWindow
        self.maxOutputTokens = maxOutputTokens
        self.inputPricePerMillionUSD = inputPricePerMillionUSD
        self.outputPricePerMillionUSD = outputPricePerMillionUSD
        self.priceAsOf = priceAsOf
        self.capabilities = capabilities
        self.note = note
    }
}

/// A teacher API: where it lives, whether it needs a key, and what it serves.
public struct TeacherProvider: Sendable, Equatable {
    public var id: String
    public var displayName: String
    /// Nil for `openai-compatible`: the user supplies the base URL.
    public var baseURL: String?
    /// False for local servers that take no key (llama.cpp, Ollama).
    public var keyRequired: Bool
    public var chatCompletionsPath: String
    /// The free call used for pre-flight (lists models; costs nothing).
    public var modelsPath: String
    public var models: [TeacherModel]
    public var note: String?

    public init(
        id: String, displayName: String, baseURL: String?, keyRequired: Bool,
        chatCompletionsPath: String = "/chat/completions", modelsPath: String = "/models",
        models: [TeacherModel], note: String? = nil
    ) {
        self.id = id
        self.displayName = displayName
        self.baseURL = baseURL
        self.keyRequired = keyRequired
        self.chatCompletionsPath = chatCompletionsPath
        self.modelsPath = modelsPath
        self.models = models
        self.note = note
    }

    /// The catalog entry for a model name: an exact match first, else the `"*"` entry renamed.
    public func model(named name: String) -> TeacherModel? {
        if let exact = models.first(where: { $0.id == name }) { return exact }
        guard !name.isEmpty, var any = models.first(where: \.acceptsAnyName) else { return nil }
        any.id = name
        any.displayName = name
        return any
    }

    /// Full URL of an endpoint: the catalog's base URL, or `customBaseURL` when the entry has none.
    public func endpointURL(_ path: String, customBaseURL: String? = nil) -> String? {
        guard let base = baseURL ?? customBaseURL, !base.isEmpty else { return nil }
        return Self.join(base, path)
    }

    /// Joins without doubling or dropping the slash ("http://h/v1/" + "/models").
    public static func join(_ base: String, _ path: String) -> String {
        var trimmed = Substring(base)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed) + (path.hasPrefix("/") ? path : "/" + path)
    }
}

/// The teachers Distillery offers, decoded from `Resources/catalog/providers.json` or an admin's override.
public struct ProviderCatalog: Sendable, Equatable {
    public var providers: [TeacherProvider]

    public init(providers: [TeacherProvider]) { self.providers = providers }

    public func provider(id: String) -> TeacherProvider? { providers.first { $0.id == id } }

    /// Decodes and validates catalog JSON; every problem found is reported, each naming its entry and field.
    public init(jsonBytes: [UInt8]) throws(ProviderCatalogError) {
        let root: SynthesisJSON
        do {
            root = try SynthesisJSON.parse(jsonBytes)
        } catch {
            throw ProviderCatalogError(problems: [.init(path: "catalog", message: "not valid JSON: \(error)")])
        }
        var checker = CatalogChecker()
        let providers = checker.catalog(root)
        guard checker.problems.isEmpty else { throw ProviderCatalogError(problems: checker.problems) }
        self.providers = providers
    }
}

/// Everything wrong with a catalog file, one line per problem.
public struct ProviderCatalogError: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Problem: Equatable, Sendable {
        /// Where: `providers[1] "qwen" .models[0] "qwen-max" .inputPricePerMillionUSD`.
        public var path: String
        public var message: String
    }

    public var problems: [Problem]
    public var description: String { problems.map { "\($0.path): \($0.message)" }.joined(separator: "\n") }
}

/// Walks the JSON collecting problems instead of stopping at the first, so an admin fixes a file in one pass.
private struct CatalogChecker {
    var problems: [ProviderCatalogError.Problem] = []

    static let providerFields: Set<String> = [
        "id", "displayName", "baseURL", "keyRequired", "chatCompletionsPath", "modelsPath", "models", "note",
    ]
    static let modelFields: Set<String> = [
        "id", "displayName", "contextWindow", "maxOutputTokens", "inputPricePerMillionUSD",
        "outputPricePerMillionUSD", "priceAsOf", "capabilities", "note", "typicalSpeed",
    ]
    static let speedFields: Set<String> = ["firstTokenMs", "tokensPerSecond", "asOf"]
    static let capabilityFields: Set<String> = ["supportsN", "supportsSeed", "returnsReasoning", "supportsJSONObject", "supportsJSONSchema"]

    mutating func problem(_ path: String, _ message: String) { problems.append(.init(path: path, message: message)) }

    mutating func catalog(_ root: SynthesisJSON) -> [TeacherProvider] {
        guard case .object(let members) = root else {
            problem("catalog", "must be a JSON object with a \"providers\" array")
            return []
        }
        for member in members where member.key != "providers" && member.key != "version" && member.key != "note" {
            problem("catalog.\(member.key)", "unknown field (expected version, providers, note)")
        }
        if let version = root["version"], version.intValue != 1 {
            problem("catalog.version", "must be 1 (this build reads catalog version 1)")
        }
        guard let list = root["providers"]?.arrayValue, !list.isEmpty else {
            problem("catalog.providers", "must be a non-empty array of providers")
            return []
        }
        var result: [TeacherProvider] = []
        var seen: Set<String> = []
        for (index, item) in list.enumerated() {
            let label = "providers[\(index)]" + (item["id"]?.stringValue.map { " \"\($0)\"" } ?? "")
            guard let provider = provider(item, label: label) else { continue }
            if !seen.insert(provider.id).inserted { problem("\(label).id", "duplicate provider id") }
            result.append(provider)
        }
        return result
    }

    mutating func provider(_ item: SynthesisJSON, label: String) -> TeacherProvider? {
        guard case .object(let members) = item else {
            problem(label, "must be an object")
            return nil
        }
        for member in members where !Self.providerFields.contains(member.key) {
            problem("\(label).\(member.key)", "unknown field")
        }
        let id = identifier(item["id"], path: "\(label).id")
        let displayName = text(item["displayName"], path: "\(label).displayName")
        var baseURL: String?
        switch item["baseURL"] {
        case nil, .some(.null): baseURL = nil
        case .some(.string(let url)) where url.hasPrefix("https://") || url.hasPrefix("http://"):
            baseURL = url
            if url.contains("?") || url.contains("#") { problem("\(label).baseURL", "must not contain ? or #") }
        default: problem("\(label).baseURL", "must be an http(s) URL, or null for a user-supplied base URL")
        }
        let keyRequired = flag(item["keyRequired"], path: "\(label).keyRequired")
        let chatPath = optionalPath(item["chatCompletionsPath"], path: "\(label).chatCompletionsPath") ?? "/chat/completions"
        let modelsPath = optionalPath(item["modelsPath"], path: "\(label).modelsPath") ?? "/models"
        let note = optionalText(item["note"], path: "\(label).note")
        var models: [TeacherModel] = []
        if let list = item["models"]?.arrayValue, !list.isEmpty {
            var seen: Set<String> = []
            for (index, entry) in list.enumerated() {
                let modelLabel = "\(label).models[\(index)]" + (entry["id"]?.stringValue.map { " \"\($0)\"" } ?? "")
                guard let model = model(entry, label: modelLabel) else { continue }
                if !seen.insert(model.id).inserted { problem("\(modelLabel).id", "duplicate model id") }
                models.append(model)
            }
        } else {
            problem("\(label).models", "must be a non-empty array (use id \"*\" to accept any model name)")
        }
        guard let id, let displayName, let keyRequired else { return nil }
        return TeacherProvider(
            id: id, displayName: displayName, baseURL: baseURL, keyRequired: keyRequired,
            chatCompletionsPath: chatPath, modelsPath: modelsPath, models: models, note: note)
    }

    mutating func model(_ entry: SynthesisJSON, label: String) -> TeacherModel? {
        guard case .object(let members) = entry else {
            problem(label, "must be an object")
            return nil
        }
        for member in members where !Self.modelFields.contains(member.key) {
            problem("\(label).\(member.key)", "unknown field")
        }
        let id = text(entry["id"], path: "\(label).id")
        let displayName = optionalText(entry["displayName"], path: "\(label).displayName")
        let context = positiveInt(entry["contextWindow"], path: "\(label).contextWindow")
        var maxOutput: Int?
        if let value = entry["maxOutputTokens"], !value.isNull {
            maxOutput = positiveInt(value, path: "\(label).maxOutputTokens")
        }
        let inputPrice = price(entry["inputPricePerMillionUSD"], path: "\(label).inputPricePerMillionUSD")
        let outputPrice = price(entry["outputPricePerMillionUSD"], path: "\(label).outputPricePerMillionUSD")
        let priceAsOf = date(entry["priceAsOf"], path: "\(label).priceAsOf")
        let capabilities = capabilities(entry["capabilities"], path: "\(label).capabilities")
        let note = optionalText(entry["note"], path: "\(label).note")
        var speed: (TeacherSpeed, String)?
        if let value = entry["typicalSpeed"], !value.isNull { speed = typicalSpeed(value, path: "\(label).typicalSpeed") }
        guard let id, let context, let inputPrice, let outputPrice, let priceAsOf, let capabilities else { return nil }
        return TeacherModel(
            id: id, displayName: displayName ?? id, contextWindow: context, maxOutputTokens: maxOutput,
            inputPricePerMillionUSD: inputPrice, outputPricePerMillionUSD: outputPrice, priceAsOf: priceAsOf,
            capabilities: capabilities, note: note, typicalSpeed: speed?.0, typicalSpeedAsOf: speed?.1)
    }

    /// `{"firstTokenMs": 900, "tokensPerSecond": 30, "asOf": "2026-11-30"}`
    mutating func typicalSpeed(_ value: SynthesisJSON, path: String) -> (TeacherSpeed, String)? {
        guard case .object(let members) = value else {
            problem(path, "must be an object with firstTokenMs, tokensPerSecond and asOf")
            return nil
        }
        for member in members where !Self.speedFields.contains(member.key) {
            problem("\(path).\(member.key)", "unknown field")
        }
        let firstToken = positiveInt(value["firstTokenMs"], path: "\(path).firstTokenMs")
        var tokensPerSecond: Double?
        if let number = value["tokensPerSecond"]?.doubleValue, number > 0, number.isFinite {
            tokensPerSecond = number
        } else {
            problem("\(path).tokensPerSecond", "must be a number above 0")
        }
        let asOf = date(value["asOf"], path: "\(path).asOf")
        guard let firstToken, let tokensPerSecond, let asOf else { return nil }
        return (TeacherSpeed(firstTokenMs: Int64(firstToken), tokensPerSecond: tokensPerSecond, source: "typical figures in the catalog, as of \(asOf)"), asOf)
    }

    mutating func capabilities(_ value: SynthesisJSON?, path: String) -> TeacherCapabilities? {
        guard case .object(let members)? = value else {
            problem(path, "must be an object with supportsN, supportsSeed and returnsReasoning")
            return nil
        }
        for member in members where !Self.capabilityFields.contains(member.key) {
            problem("\(path).\(member.key)", "unknown field")
        }
        let n = flag(value?["supportsN"], path: "\(path).supportsN")
        let seed = flag(value?["supportsSeed"], path: "\(path).supportsSeed")
        let reasoning = flag(value?["returnsReasoning"], path: "\(path).returnsReasoning")
        let jsonObject = value?["supportsJSONObject"] == nil ? false : flag(value?["supportsJSONObject"], path: "\(path).supportsJSONObject")
        let jsonSchema = value?["supportsJSONSchema"] == nil ? false : flag(value?["supportsJSONSchema"], path: "\(path).supportsJSONSchema")
        guard let n, let seed, let reasoning, let jsonObject, let jsonSchema else { return nil }
        return TeacherCapabilities(
            supportsN: n, supportsSeed: seed, returnsReasoning: reasoning, supportsJSONObject: jsonObject, supportsJSONSchema: jsonSchema)
    }

    mutating func text(_ value: SynthesisJSON?, path: String) -> String? {
        guard let string = value?.stringValue, !string.allSatisfy(\.isWhitespace) else {
            problem(path, value == nil ? "is required" : "must be a non-empty string")
            return nil
        }
        return string
    }

    mutating func optionalText(_ value: SynthesisJSON?, path: String) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let string = value.stringValue else {
            problem(path, "must be a string")
            return nil
        }
        return string
    }

    mutating func identifier(_ value: SynthesisJSON?, path: String) -> String? {
        guard let string = text(value, path: path) else { return nil }
        let allowed = string.unicodeScalars.allSatisfy {
            ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" || $0 == "_"
        }
        guard allowed else {
            problem(path, "must use only a-z, 0-9, '-' and '_' (it appears in URLs and the command line)")
            return nil
        }
        return string
    }

    mutating func optionalPath(_ value: SynthesisJSON?, path: String) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let string = value.stringValue, string.hasPrefix("/") else {
            problem(path, "must be a path starting with '/'")
            return nil
        }
        return string
    }

    mutating func flag(_ value: SynthesisJSON?, path: String) -> Bool? {
        guard let bool = value?.boolValue else {
            problem(path, value == nil ? "is required (true or false)" : "must be true or false")
            return nil
        }
        return bool
    }

    mutating func positiveInt(_ value: SynthesisJSON?, path: String) -> Int? {
        guard let int = value?.intValue, int > 0 else {
            problem(path, value == nil ? "is required (a whole number of tokens)" : "must be a whole number above 0")
            return nil
        }
        return int
    }

    mutating func price(_ value: SynthesisJSON?, path: String) -> Double? {
        guard let number = value?.doubleValue, number >= 0, number.isFinite else {
            problem(path, value == nil ? "is required (USD per million tokens)" : "must be a number of USD at or above 0")
            return nil
        }
        return number
    }

    mutating func date(_ value: SynthesisJSON?, path: String) -> String? {
        guard let string = value?.stringValue, Self.isCalendarDate(string) else {
            problem(path, value == nil ? "is required (YYYY-MM-DD)" : "must be a date written YYYY-MM-DD")
            return nil
        }
        return string
    }

    static func isCalendarDate(_ string: String) -> Bool {
        let parts = string.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), day >= 1
        else { return false }
        return day <= HTTPDate.daysInMonth(year: year, month: month)
    }
}

extension ProviderCatalog {
    /// The catalog in the file's own shape, for the JSON API and the dialog's data attributes.
    public var json: SynthesisJSON {
        .object([("version", 1), ("providers", .array(providers.map(\.json)))])
    }
}

extension TeacherProvider {
    public var json: SynthesisJSON {
        var members: [(key: String, value: SynthesisJSON)] = [
            ("id", .string(id)), ("displayName", .string(displayName)), ("baseURL", baseURL.map { .string($0) } ?? .null),
            ("keyRequired", .bool(keyRequired)), ("chatCompletionsPath", .string(chatCompletionsPath)),
            ("modelsPath", .string(modelsPath)), ("models", .array(models.map(\.json))),
        ]
        if let note { members.append(("note", .string(note))) }
        return .object(members)
    }
}

extension TeacherModel {
    public var json: SynthesisJSON {
        var members: [(key: String, value: SynthesisJSON)] = [
            ("id", .string(id)), ("displayName", .string(displayName)), ("contextWindow", .number(Double(contextWindow))),
        ]
        if let maxOutputTokens { members.append(("maxOutputTokens", .number(Double(maxOutputTokens)))) }
        members += [
            ("inputPricePerMillionUSD", .number(inputPricePerMillionUSD)),
            ("outputPricePerMillionUSD", .number(outputPricePerMillionUSD)), ("priceAsOf", .string(priceAsOf)),
            ("capabilities", .object([
                ("supportsN", .bool(capabilities.supportsN)), ("supportsSeed", .bool(capabilities.supportsSeed)),
                ("returnsReasoning", .bool(capabilities.returnsReasoning)),
            ] + (capabilities.supportsJSONObject ? [("supportsJSONObject", .bool(true))] : [])
              + (capabilities.supportsJSONSchema ? [("supportsJSONSchema", .bool(true))] : []))),
        ]
        if let note { members.append(("note", .string(note))) }
        if let typicalSpeed, let typicalSpeedAsOf {
            members.append(("typicalSpeed", .object([
                ("firstTokenMs", .number(Double(typicalSpeed.firstTokenMs))), ("tokensPerSecond", .number(typicalSpeed.tokensPerSecond)),
                ("asOf", .string(typicalSpeedAsOf)),
            ])))
        }
        return .object(members)
    }
}
