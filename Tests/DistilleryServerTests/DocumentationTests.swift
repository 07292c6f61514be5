import DistilleryResources
import DistilleryServer
import Foundation
import Testing

/// Every template and static file on disk is embedded, and every setting is documented
/// (Datasette's test_docs.py habit).
struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func files(in folder: String) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path))
    }

    @Test func everyTemplateFileIsDeclared() throws {
        let onDisk = try Self.files(in: "Resources/templates")
        #expect(Set(onDisk.map { String($0.dropLast(".mustache".count)) }) == Set(EmbeddedResources.templates.keys))
    }

    @Test func everyStaticFileIsDeclared() throws {
        #expect(try Self.files(in: "Resources/static") == Set(EmbeddedResources.staticFiles.keys))
    }

    @Test func everySettingIsInTheReadme() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        for setting in AppConfiguration.documentedSettings {
            #expect(readme.contains("| `\(setting)` |"), "README settings table lacks \(setting)")
        }
        let serve = try String(contentsOf: Self.root.appendingPathComponent("Sources/distillery/Serve.swift"), encoding: .utf8)
        let declared = serve.components(separatedBy: "customLong(\"").dropFirst().map { "--" + $0.prefix { $0 != "\"" } }
        let plain = ["--host", "--port", "--workers"]
        #expect(Set(declared + plain) == Set(AppConfiguration.documentedSettings))
    }

    @Test func readmeGivesTheTwoCommandsAndCIRunsTheTestOne() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("```sh\nmake run\n```"))
        #expect(readme.contains("```sh\nmake test\n```"))
        let ci = try String(contentsOf: Self.root.appendingPathComponent(".ci/run"), encoding: .utf8)
        #expect(ci.contains("\nmake test\n"))
    }
}
