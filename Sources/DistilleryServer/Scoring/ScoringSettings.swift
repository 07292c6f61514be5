import DistilleryCore
import Foundation

/// What a scoring job was created with, stored as JSON with it (and never changed): the judge endpoint as synthesis
/// keeps a teacher (no key), and the dimensions it grades.
struct ScoringSettings: Codable, Sendable, Equatable {
    var judge: SynthesisSettings
    var dimensions: [JudgeDimension]

    /// The verdict's default token limit: room for every dimension's reasoning and score.
    static func defaultMaxNewTokens(dimensions: Int) -> Int {
        max(512, dimensions * ScoringPipeline.tokensPerDimension + 100)
    }

    var pipelineConfiguration: ScoringPipeline.Configuration {
        ScoringPipeline.Configuration(
            model: judge.model, dimensions: dimensions,
            limits: LadderSpec(initial: judge.maxNewTokens, userCap: judge.maxTokensCap ?? judge.maxNewTokens, contextWindow: judge.contextWindow ?? 0))
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ json: String) throws -> ScoringSettings {
        try JSONDecoder().decode(ScoringSettings.self, from: Data(json.utf8))
    }

    static func dimensionsJSON(_ dimensions: [JudgeDimension]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(dimensions)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
