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

    /// A file the README or a script points to (`scripts/…`, `Tests/…`, `Resources/…`) exists.
    @Test func everyFileTheReadmeOrAScriptNamesExists() throws {
        let scripts = try Self.files(in: "scripts").map { "scripts/" + $0 }
        let pathPattern = try Regex(#"(?:scripts|Tests|Resources|Sources|bench)/[A-Za-z0-9_./-]*[A-Za-z0-9_]"#)
        for source in ["README.md", "Makefile", ".ci/run"] + scripts {
            let text = try String(contentsOf: Self.root.appendingPathComponent(source), encoding: .utf8)
            for match in text.matches(of: pathPattern) {
                let path = String(text[match.range])
                #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(path).path), "\(source) names \(path), which does not exist")
            }
        }
    }

    @Test func readmeGivesTheTwoCommandsAndCIRunsTheTestOne() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("```sh\nmake run\n```"))
        #expect(readme.contains("```sh\nmake test\n```"))
        let ci = try String(contentsOf: Self.root.appendingPathComponent(".ci/run"), encoding: .utf8)
        #expect(ci.contains("\nmake test\n"))
    }
}
