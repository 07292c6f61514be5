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

    @Test func everyTemplateFileHasACaseAndEveryCaseItsFile() throws {
        let onDisk = try Self.files(in: "Resources/templates")
        #expect(onDisk.allSatisfy { $0.hasSuffix(".mustache") }, "only templates belong in Resources/templates: \(onDisk.sorted())")
        let fileNames = Set(onDisk.map { String($0.dropLast(".mustache".count)) })
        let caseNames = Set(Template.allCases.map(\.rawValue))
        #expect(fileNames.subtracting(caseNames).isEmpty, "template files without a Template case")
        #expect(caseNames.subtracting(fileNames).isEmpty, "Template cases without a file")
        // Each case embeds its own file, not a neighbour's.
        for template in Template.allCases where fileNames.contains(template.rawValue) {
            let file = Self.root.appendingPathComponent("Resources/templates/\(template.rawValue).mustache")
            #expect(template.source == Array(try Data(contentsOf: file)), "\(template) embeds another file")
        }
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
