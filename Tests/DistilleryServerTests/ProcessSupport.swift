import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Runs the real `distillery` executable that `swift build` put beside the test bundle.
enum DistilleryBinary {
    static var path: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("distillery").path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/distillery").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    /// Runs to completion; returns exit status, stdout and stderr.
    static func run(_ arguments: [String], input: String? = nil, environment: [String: String]? = nil) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        let err = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        // Read before waiting, so a large report cannot fill the pipe and stall the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

/// An admin created with `distillery user add` in `directory`, and an API token for it.
func makeAdminWithToken(in directory: String) throws -> String {
    let added = try DistilleryBinary.run(["user", "add", "root", "--admin", "--data", directory], input: "a long enough password\n")
    guard added.status == 0 else { throw TestFailure("user add failed: \(added.err)") }
    let database = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
    defer { database.close() }
    guard let user = try UserStore(database: database).credentials(name: "root")?.user else { throw TestFailure("no user root") }
    let token = "dst_proc_" + RandomToken.generate()
    _ = try APITokenStore(database: database).create(userID: user.id, name: "process tests", tokenHash: SecretDigest.sha256Hex(token), prefix: "dst_proc", now: 1)
    return token
}

/// A `distillery serve` child process; `base` is read from the line it prints when ready.
final class ServerProcess {
    let process = Process()
    let base: String
    private let errors = Pipe()

    /// `logPath`: the server's log (stderr) goes to this file instead of a pipe nobody reads.
    init(dataDirectory: String, extraArguments: [String] = [], logPath: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: DistilleryBinary.path)
        process.arguments = ["serve", "--port", "0", "--data", dataDirectory] + extraArguments
        let output = Pipe()
        process.standardOutput = output
        if let logPath {
            guard FileManager.default.createFile(atPath: logPath, contents: nil), let log = FileHandle(forWritingAtPath: logPath) else {
                throw TestFailure("cannot create the server log \(logPath)")
            }
            process.standardError = log
        } else {
            process.standardError = errors
        }
        try process.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let range = text.range(of: "running at "), let end = text[range.upperBound...].firstIndex(of: "/", after: 7) {
                base = String(text[range.upperBound..<end])
                return
            }
        }
        process.terminate()
        throw TestFailure("distillery serve did not report its URL; stdout: \(String(decoding: buffer, as: UTF8.self))")
    }

    func kill(_ signal: Int32) {
        Foundation.kill(process.processIdentifier, signal)
    }

    func waitForExit(timeoutSeconds: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}

extension StringProtocol {
    /// The first `character` after skipping `offset` characters (the "/" ending "http://host:port/").
    func firstIndex(of character: Character, after offset: Int) -> Index? {
        guard let start = index(startIndex, offsetBy: offset, limitedBy: endIndex) else { return nil }
        return self[start...].firstIndex(of: character)
    }
}
