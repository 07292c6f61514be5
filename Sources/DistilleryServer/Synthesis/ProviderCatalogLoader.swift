import DistilleryCore
import DistilleryResources
import Foundation

/// The teacher catalog: the built-in one, or `providers.json` in the data folder when an admin
/// put one there (same format; start-up refuses a broken one, naming each problem).
enum ProviderCatalogLoader {
    static func load(configuration: AppConfiguration) throws -> ProviderCatalog {
        let overridePath = configuration.providerCatalogOverridePath
        if FileManager.default.fileExists(atPath: overridePath) {
            let bytes = Array((try? Data(contentsOf: URL(fileURLWithPath: overridePath))) ?? Data())
            do {
                return try ProviderCatalog(jsonBytes: bytes)
            } catch {
                throw StartupError(description: "the teacher catalog \(overridePath) is not valid: \(error)")
            }
        }
        return try builtIn()
    }

    static func builtIn() throws -> ProviderCatalog {
        guard let bytes = EmbeddedResources.data["providers"] else {
            throw StartupError(description: "the built-in teacher catalog is missing from the binary")
        }
        return try ProviderCatalog(jsonBytes: bytes)
    }
}
