import DistilleryCore
import Foundation
import Testing

/// The New dataset form checks the skill prompt and the file's mode in the browser before uploading
/// (`Resources/static/app.js`). This runs the real script under Node against a stand-in for the form and
/// compares its messages with the server's own checks, so the two cannot drift apart.
struct UploadChecksScriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let node = ["/usr/bin/node", "/usr/local/bin/node"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: node != nil, "needs Node.js to run app.js"))
    func theBrowserRefusesABlankSkillPromptAndAFileInTheWrongModeBeforeUploading() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.node))
        process.arguments = [
            Self.root.appendingPathComponent("Tests/BrowserScripts/upload_checks.js").path,
            Self.root.appendingPathComponent("Resources/static/app.js").path,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let cases = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: cases.map { ($0["name"] as? String ?? "", $0) })
        #expect(byName["blank_prompt"]?["submitted"] as? Bool == false)
        #expect(byName["blank_prompt"]?["skill_prompt"] as? String == validateSkillPrompt(" "))
        #expect(byName["chat_as_seeds"]?["submitted"] as? Bool == false)
        let chatLine = #"{"messages":[{"role":"user","content":"q"}]}"#
        #expect(byName["chat_as_seeds"]?["file"] as? String == UploadModeCheck.mismatch(mode: .seeds, sample: Array(chatLine.utf8)))
        #expect(byName["seeds_as_chat"]?["submitted"] as? Bool == false)
        #expect(byName["seeds_as_chat"]?["file"] as? String == UploadModeCheck.mismatch(mode: .chat, sample: Array(#"{"input":"x"}"#.utf8)))
        #expect(byName["seeds_ok"]?["submitted"] as? Bool == true)
        #expect(byName["chat_ok"]?["submitted"] as? Bool == true)
    }
}
