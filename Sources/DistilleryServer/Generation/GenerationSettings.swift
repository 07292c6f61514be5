import DistilleryCore
import Foundation

/// What a generation task was created with, stored as JSON with it (and never changed): the teacher endpoint as
/// synthesis keeps it, and the generation's own settings.
struct GenerationSettings: Codable, Sendable, Equatable {
    var teacher: SynthesisSettings
    var itemsPerCall: Int
    /// A stratum may ask for at most this many times its quota in items.
    var attemptCapFactor: Double
    /// Word-shingle Jaccard at or above which an item is a near duplicate of one accepted before.
    var duplicateThreshold: Double
    /// `{random_id}` and the teacher's sampling seed derive from it.
    var seed: Int
    /// The variables as the API takes them (`GenerationVariablesReader.json`), for the report and Run again.
    var variablesJSON: String
    var combinationsJSON: String?
    /// Prompts tasks: the output seeds dataset's skill prompt.
    var skillPrompt: String?
    /// Set for seed expansion: its variations are filtered (`SeedExpansion.itemFilter`) and compared with the seeds.
    var expansion: SeedExpansionSettings?

    static let attemptCapRange = 1.0...20.0
    static let itemsPerCallRange = 1...50

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ json: String) throws -> GenerationSettings {
        try JSONDecoder().decode(GenerationSettings.self, from: Data(json.utf8))
    }
}
