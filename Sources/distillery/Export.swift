import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a chat JSONL file in a trainer's format (README \"Exports\"); exit 1 if the file is invalid.")

    @Argument(help: "The chat JSONL file, checked with the same rules as an upload.")
    var file: String

    @Option(help: "One of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = ExportFormat.default.rawValue

    @Option(help: "The file to write.")
    var out: String

    func validate() throws {
        do {
            _ = try ExportFormat.parse(format)
        } catch {
            throw ValidationError("--format: \(error)")
        }
    }

    func run() throws {
        let exportFormat = try ExportFormat.parse(format)
        let options = ValidationOptions(mode: .chat, baseModel: BaseModelCatalog.defaultModel, collectRows: false)
        let summary: ValidationSummary
        do {
            summary = try validateJSONLFile(atPath: file, options: options)
        } catch {
            fail("cannot read \(file): \(error)", code: 2)
        }
        // Line errors block an export; the 100-example floor does not (a small test file is fine to convert).
        if summary.errorCount > 0 || summary.examples == 0 {
            FileHandle.standardError.write(Data((ValidationReportFormatter.text(summary) + "\n").utf8))
            fail("\(file) has \(summary.errorCount) invalid lines and \(summary.examples) valid rows; nothing was written", code: 1)
        }
        if exportFormat == .alpaca, let warning = summary.warnings.first(where: { $0.code == "roles_not_alternating" }) {
            fail("alpaca holds user/assistant pairs, but \(warning.count) rows do not alternate roles (lines \(warning.lines.map(String.init).joined(separator: ", "))); use openai or sharegpt",
                 code: 1)
        }
        guard let handle = FileHandle(forWritingAtPath: out) ?? createFile(out) else {
            fail("cannot write \(out)", code: 2)
        }
        defer { try? handle.close() }
        var writer = ExportFileWriter(handle: handle, format: exportFormat)
        do {
            try writer.write(exportFormat.header)
            _ = try validateJSONLFile(atPath: file, options: ValidationOptions(
                mode: .chat, baseModel: BaseModelCatalog.defaultModel, collectRows: true), sink: &writer)
            if let failure = writer.failure { throw failure }
            try writer.flush()
            try writer.write(exportFormat.footer)
        } catch {
            fail("cannot export \(file) to \(out): \(error)", code: 2)
        }
        print("Wrote \(writer.rows) rows as \(exportFormat.rawValue) to \(out)")
    }

    private func createFile(_ path: String) -> FileHandle? {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { return nil }
        return FileHandle(forWritingAtPath: path)
    }

    private func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("distillery: \(message)\n".utf8))
        Export.exit(withError: ExitCode(code))
    }
}

/// Receives each valid row from the validator and writes it in the chosen format, buffered.
private struct ExportFileWriter: ValidationSink {
    let handle: FileHandle
    let format: ExportFormat
    var rows = 0
    var buffer: [UInt8] = []
    var failure: Error?

    init(handle: FileHandle, format: ExportFormat) {
        self.handle = handle
        self.format = format
        try? handle.truncate(atOffset: 0)
    }

    var isStopped: Bool { failure != nil }

    mutating func accept(_ row: AcceptedRow) {
        do {
            let messages = try NormalizedChatRow.messages(row.normalizedJSON)
            try format.appendRow(messages, split: nil, isFirst: rows == 0, to: &buffer)
            rows += 1
            if buffer.count >= 1 << 20 { try flush() }
        } catch {
            failure = error
        }
    }

    mutating func reject(_ error: LineError) {}

    mutating func flush() throws {
        try write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func write(_ bytes: [UInt8]) throws {
        if !bytes.isEmpty { try handle.write(contentsOf: bytes) }
    }
}
