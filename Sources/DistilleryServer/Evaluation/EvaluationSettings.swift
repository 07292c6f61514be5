import DistilleryCore
import DistilleryPlatform
import Foundation

/// What an evaluation run was started with, stored as JSON with the run so a resumed run uses the same endpoints,
/// limits and prices: the student's endpoint and sampling (a recipe's, or the run's own), and the judge's endpoint.
/// Both are a teacher's settings (`SynthesisSettings`): the same catalog checks, pacing, caps and prices apply.
public struct EvaluationSettings: Codable, Sendable, Equatable {
    public var student: SynthesisSettings
    /// The judge's `maxNewTokens` is its verdicts' limit (reasoning per dimension before each decision).
    public var judge: SynthesisSettings

    public init(student: SynthesisSettings, judge: SynthesisSettings) {
        self.student = student
        self.judge = judge
    }

    func pipeline(dimensions: [JudgeDimension]) -> EvaluationPipeline {
        EvaluationPipeline(EvaluationPipeline.Configuration(
            studentModel: student.model, judgeModel: judge.model, dimensions: dimensions,
            studentSampling: SamplingSettings(temperature: student.temperature, seed: student.seed, topP: student.topP),
            studentLimits: LadderSpec(
                initial: student.maxNewTokens, userCap: student.maxTokensCap ?? student.maxNewTokens, contextWindow: student.contextWindow ?? 0),
            judgeLimits: LadderSpec(
                initial: judge.maxNewTokens, userCap: judge.maxTokensCap ?? judge.maxNewTokens, contextWindow: judge.contextWindow ?? 0)))
    }

    /// Endpoint 0 the student, 1 the judge: each paced and capped on its own, even on the same server.
    var engineEndpoints: [EngineEndpoint] { Array(student.engineEndpoints.prefix(1)) + Array(judge.engineEndpoints.prefix(1)) }

    func connections(studentKey: SecureBytes?, judgeKey: SecureBytes?) -> [EndpointConnection] {
        Array(student.connections(keys: [studentKey]).prefix(1)) + Array(judge.connections(keys: [judgeKey]).prefix(1))
    }

    /// The endpoints' names in `job_endpoint_usage`.
    static func endpointName(_ index: Int) -> String { index == EvaluationPipeline.studentEndpoint ? "student" : "judge" }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ json: String) throws -> EvaluationSettings {
        try JSONDecoder().decode(EvaluationSettings.self, from: Data(json.utf8))
    }
}
