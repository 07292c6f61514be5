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
