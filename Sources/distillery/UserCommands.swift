import ArgumentParser
import DistilleryServer
import Foundation

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage accounts from the shell.", subcommands: [AddUser.self, ResetPassword.self])
}

struct DataOption: ParsableArguments {
    @Option(name: .customLong("data"), help: "The data folder the server uses.")
    var dataDirectory = "./distillery-data"

    var configuration: AppConfiguration {
        var configuration = AppConfiguration()
        configuration.dataDirectory = dataDirectory
        return configuration
    }
}

struct AddUser: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create a user; the password is read from the terminal (or the first line of stdin).")

    @Argument(help: "The user name.")
    var name: String

    @Flag(help: "Make the user an admin.")
    var admin = false

    @OptionGroup var data: DataOption

    func run() throws {
        let password = try PasswordPrompt.read(confirm: true)
        do {
            let user = try ShellAdministration.addUser(name: name, password: password, admin: admin, configuration: data.configuration)
            print("Created \(user.role.rawValue) \(user.name).")
        } catch {
            FileHandle.standardError.write(Data("distillery: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct ResetPassword: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-password", abstract: "Set a new password for a user and sign them out everywhere.")

    @Argument(help: "The user name.")
    var name: String

    @OptionGroup var data: DataOption

    func run() throws {
        let password = try PasswordPrompt.read(confirm: true)
        do {
            try ShellAdministration.resetPassword(name: name, password: password, configuration: data.configuration)
            print("Password changed for \(name); their sessions have ended.")
        } catch {
            FileHandle.standardError.write(Data("distillery: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Reads a password without echo on a terminal, or as the first line of piped stdin (scripts).
enum PasswordPrompt {
    static func read(confirm: Bool) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = Swift.readLine(strippingNewline: true) else {
                throw ValidationError("no password on standard input")
            }
            return line
        }
        let first = try prompt("Password: ")
        if confirm, try prompt("Repeat it: ") != first { throw ValidationError("the passwords differ") }
        return first
    }

    private static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = Swift.readLine(strippingNewline: true) else { throw ValidationError("no password entered") }
        return line
    }
}
