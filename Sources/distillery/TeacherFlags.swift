import ArgumentParser
import DistilleryPlatform
import Foundation

/// The teacher's flags, shared by `distillery synth` and `distillery generate`.
struct TeacherFlags: ParsableArguments {
    @Option(help: "Teacher provider id (deepseek, qwen, glm, kimi, openai-compatible); required without --recipe.")
    var provider: String?

    @Option(help: "Model id (for openai-compatible: the name the server expects); required without --recipe.")
    var model: String?

    @Option(name: .customLong("base-url"), help: "Base URL for openai-compatible servers, e.g. http://127.0.0.1:8081/v1.")
    var baseURL: String?

    @Option(name: .customLong("api-key-env"), help: "Name of the environment variable holding the API key.")
    var apiKeyEnvironment: String?

    @Option(
        name: .customLong("structured-output"),
        help: "How a custom server takes a JSON schema: none, json_schema, or json_object_schema (llama-cpp-python).")
    var structuredOutput: String?

    @Option(help: "Sampling temperature (default: the recipe's; generate: then the template's; else 0.7).")
    var temperature: Double?

    @Option(name: .customLong("max-new-tokens"), help: "Maximum tokens per answer (default: the recipe's; generate: then the template's max_tokens; else 1024).")
    var maxNewTokens: Int?

    @Option(name: .customLong("max-tokens-cap"), help: "A truncated answer is retried with its limit doubled, up to this (default: 4 × max new tokens; never past the model's context window).")
    var maxTokensCap: Int?

    @Option(help: "Sampling seed (where the provider supports it).")
    var seed: Int?

    @Option(name: .customLong("requests-per-minute"), help: "Pace requests to this rate (your provider's limit).")
    var requestsPerMinute: Int?

    @Option(name: .customLong("tokens-per-minute"), help: "Pace tokens to this rate.")
    var tokensPerMinute: Int?

    @Option(name: .customLong("max-in-flight"), help: "Requests in flight at once (default: 16).")
    var maxInFlight: Int?

    @Option(name: .customLong("timeout"), help: "Seconds before a teacher request counts as hung (default: 120).")
    var timeout: Double?

    /// The flags given, as the services' field names (with a recipe, the rest are the recipe's).
    var fields: [String: String] {
        var fields: [String: String] = [:]
        fields["provider"] = provider
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

    /// The key named by --api-key-env, copied from the environment block straight into sodium memory (never a Swift
    /// String); nil without the flag.
    func openKey() throws -> SecureBytes? { try Self.openKey(named: apiKeyEnvironment) }

    /// The key in the environment variable `variable` (when given), straight into sodium memory; exit 2 when it is unset.
    static func openKey(named variable: String?) throws -> SecureBytes? {
        guard let variable else { return nil }
        guard let raw = getenv(variable), strlen(raw) > 0 else {
            FileHandle.standardError.write(Data("distillery: the environment variable \(variable) is not set\n".utf8))
            throw ExitCode(2)
        }
        return try SecureBytes(copying: UnsafeRawBufferPointer(start: raw, count: strlen(raw)))
    }

    /// The recipe file's bytes; without a recipe, --provider and --model are required.
    func recipeBytes(_ path: String?) throws -> [UInt8]? {
        guard let path else {
            if provider == nil || model == nil {
                FileHandle.standardError.write(Data("distillery: pass --provider and --model, or --recipe FILE\n".utf8))
                throw ExitCode(2)
            }
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("distillery: cannot read the recipe \(path)\n".utf8))
            throw ExitCode(2)
        }
        return Array(data)
    }
}
