import ArgumentParser
import DistilleryCore

struct Distillery: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn the prompts your users send into a fine-tuning dataset.",
        version: DistilleryVersion.current,
        subcommands: [Serve.self, Validate.self, Split.self, Export.self, Synth.self, Generate.self, Eval.self, UserCommand.self, KeysCommand.self],
        defaultSubcommand: Serve.self)
}
