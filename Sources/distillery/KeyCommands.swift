import ArgumentParser
import DistilleryServer
import Foundation

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the master key that encrypts teacher API keys.", subcommands: [RotateKeys.self])
}

struct RotateKeys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Generate a new master key and re-seal every stored teacher key under it, in one transaction.")

    @OptionGroup var data: DataOption

    func run() throws {
        do {
            let result = try MasterKeySetup.rotate(configuration: data.configuration)
            if let newKey = result.newKeyForEnvironment {
                print("Re-sealed \(result.resealedKeys) keys. Set \(MasterKeySetup.environmentVariable) to this new key before the next start:")
                print(newKey)
            } else {
                print("Re-sealed \(result.resealedKeys) keys; the new master key is in \(result.keyFilePath ?? "the key file").")
            }
        } catch {
            FileHandle.standardError.write(Data("distillery: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
