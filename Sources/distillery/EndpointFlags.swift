import ArgumentParser
import DistilleryPlatform
import Foundation

/// Whose flags an `EndpointFlags` group holds: every flag's name starts with the role's prefix (`--judge-model`).
protocol EndpointRole {
    /// "" for the teacher (`--model`), "student-", "judge-".
    static var flagPrefix: String { get }
    /// What the defaults come from before the built-in ones, in the help: "the recipe's" (nil: the built-in ones only).
    static var settingsSource: String? { get }
    /// The provider when --provider is not given (nil: the recipe's, or none).
    static var defaultProvider: String? { get }
    /// When the provider (without a default) and the model must be given, in the help: "required without --recipe".
    static var requirement: String { get }
    /// Why --temperature and --seed do not apply to the role (nil: they do); they are then hidden and refused.
    static var fixedSampling: String? { get }
}

/// The teacher of `distillery synth` and `distillery generate`: `--provider`, `--model`, …
enum TeacherRole: EndpointRole {
    static let flagPrefix = ""
    static let settingsSource: String? = "the recipe's; generate: then the template's"
    static let defaultProvider: String? = nil
    static let requirement = "required without --recipe"
    static let fixedSampling: String? = nil
}

/// The model `distillery eval` grades: `--student-model`, …
enum StudentRole: EndpointRole {
    static let flagPrefix = "student-"
    static let settingsSource: String? = "the recipe's"
    static let defaultProvider: String? = "openai-compatible"
    static let requirement = "required"
    static let fixedSampling: String? = nil
}

/// The model that grades the student in `distillery eval`: `--judge-provider`, …
enum JudgeRole: EndpointRole {
    static let flagPrefix = "judge-"
    static let settingsSource: String? = nil
    static let defaultProvider: String? = nil
    static let requirement = "required"
    static let fixedSampling: String? = "the judge always samples at temperature 0, so that its verdicts are stable"
}

typealias TeacherFlags = EndpointFlags<TeacherRole>
typealias StudentFlags = EndpointFlags<StudentRole>
typealias JudgeFlags = EndpointFlags<JudgeRole>

/// One model endpoint's flags (provider, model, sampling, pacing), named for its role: the same group serves the
/// teacher of `synth` and `generate` and the student and judge of `eval`.
struct EndpointFlags<Role: EndpointRole>: ParsableArguments {
    @Option(
        name: .customLong(Role.flagPrefix + "provider"),
        help: "Provider id (deepseek, qwen, glm, kimi, openai-compatible); \(Role.defaultProvider.map { "default: \($0)" } ?? Role.requirement).")
    var provider: String?

    @Option(name: .customLong(Role.flagPrefix + "model"), help: "Model id (for openai-compatible: the name the server expects); \(Role.requirement).")
    var model: String?

    @Option(name: .customLong(Role.flagPrefix + "base-url"), help: "Base URL for openai-compatible servers, e.g. http://127.0.0.1:8081/v1.")
    var baseURL: String?

    @Option(name: .customLong(Role.flagPrefix + "api-key-env"), help: "Name of the environment variable holding the API key.")
    var apiKeyEnvironment: String?

    @Option(
        name: .customLong(Role.flagPrefix + "structured-output"),
        help: "How a custom server takes a JSON schema: none, json_schema, or json_object_schema (llama-cpp-python).")
    var structuredOutput: String?

    @Option(name: .customLong(Role.flagPrefix + "temperature"), help: Self.samplingHelp("Sampling temperature (default: \(Self.defaults("0.7")))."))
    var temperature: Double?

    @Option(name: .customLong(Role.flagPrefix + "max-new-tokens"), help: "Maximum tokens per answer (default: \(Self.defaults("1024"))).")
    var maxNewTokens: Int?

    @Option(
        name: .customLong(Role.flagPrefix + "max-tokens-cap"),
        help: "A truncated answer is retried with its limit doubled, up to this (default: 4 × max new tokens; never past the model's context window).")
    var maxTokensCap: Int?

    @Option(name: .customLong(Role.flagPrefix + "seed"), help: Self.samplingHelp("Sampling seed (where the provider supports it)."))
    var seed: Int?

    @Option(name: .customLong(Role.flagPrefix + "requests-per-minute"), help: "Pace requests to this rate (your provider's limit).")
    var requestsPerMinute: Int?

    @Option(name: .customLong(Role.flagPrefix + "tokens-per-minute"), help: "Pace tokens to this rate.")
    var tokensPerMinute: Int?

    @Option(name: .customLong(Role.flagPrefix + "max-in-flight"), help: "Requests in flight at once (default: 16).")
    var maxInFlight: Int?

    @Option(name: .customLong(Role.flagPrefix + "timeout"), help: "Seconds before a request counts as hung (default: 120).")
    var timeout: Double?

    private static func defaults(_ builtIn: String) -> String {
        Role.settingsSource.map { "\($0); else \(builtIn)" } ?? builtIn
    }

    private static func samplingHelp(_ text: String) -> ArgumentHelp {
        ArgumentHelp(text, visibility: Role.fixedSampling == nil ? .default : .private)
    }

    func validate() throws {
        if let fixedSampling = Role.fixedSampling, temperature != nil || seed != nil {
            throw ValidationError("--\(Role.flagPrefix)temperature and --\(Role.flagPrefix)seed do not apply: \(fixedSampling).")
        }
    }

    /// The flags given, as the services' field names (with a recipe, the rest are the recipe's).
    var fields: [String: String] {
        var fields: [String: String] = [:]
        fields["provider"] = provider ?? Role.defaultProvider
        fields["model"] = model
        fields["custom_model"] = model
        fields["temperature"] = temperature.map { String($0) }
        fields["max_new_tokens"] = maxNewTokens.map(String.init)
        fields["max_in_flight"] = maxInFlight.map(String.init)
        fields["request_timeout_seconds"] = timeout.map { String($0) }
        fields["base_url"] = baseURL
        fields["supports_structured_output"] = structuredOutput
        fields["seed"] = seed.map(String.init)
        fields["max_tokens_cap"] = maxTokensCap.map(String.init)
        fields["requests_per_minute"] = requestsPerMinute.map(String.init)
        fields["tokens_per_minute"] = tokensPerMinute.map(String.init)
        return fields
    }

    /// The key in the environment variable named by the api-key-env flag, copied from the environment block straight
    /// into sodium memory (never a Swift String); nil without the flag, exit 2 when the variable is unset.
    func openKey() throws -> SecureBytes? {
        guard let variable = apiKeyEnvironment else { return nil }
        guard let raw = getenv(variable), strlen(raw) > 0 else {
            FileHandle.standardError.write(Data("distillery: the environment variable \(variable) is not set\n".utf8))
            throw ExitCode(2)
        }
        return try SecureBytes(copying: UnsafeRawBufferPointer(start: raw, count: strlen(raw)))
    }

    /// Refuses a run without the provider (unless the role has a default) or the model, naming the flags missing.
    func requireProviderAndModel(_ advice: String = "") throws {
        let missing = [(provider ?? Role.defaultProvider) == nil ? "provider" : nil, model == nil ? "model" : nil].compactMap { $0 }
        guard !missing.isEmpty else { return }
        let flags = missing.map { "--\(Role.flagPrefix)\($0)" }.joined(separator: " and ")
        FileHandle.standardError.write(Data("distillery: pass \(flags)\(advice)\n".utf8))
        throw ExitCode(2)
    }

    /// The recipe file's bytes; without a recipe, the provider and the model are required.
    func recipeBytes(_ path: String?) throws -> [UInt8]? {
        guard let path else {
            try requireProviderAndModel(", or --recipe FILE")
            return nil
        }
        return try Self.readRecipe(path)
    }

    static func readRecipe(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("distillery: cannot read the recipe \(path)\n".utf8))
            throw ExitCode(2)
        }
        return Array(data)
    }
}
