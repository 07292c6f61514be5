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
    static func run(_ arguments: [String], timeoutSeconds: Double = 60) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting, so a large report cannot fill the pipe and stall the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

/// A `distillery serve` child process; `base` is read from the line it prints when ready.
final class ServerProcess {
    let process = Process()
    let base: String
    private let errors = Pipe()

    init(dataDirectory: String, extraArguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: DistilleryBinary.path)
        process.arguments = ["serve", "--port", "0", "--data", dataDirectory] + extraArguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
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
