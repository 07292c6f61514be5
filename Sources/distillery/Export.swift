import ArgumentParser
import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a chat JSONL file in a trainer's format (README \"Exports\"); exit 1 if the file is invalid.",
        discussion: "With --split, or --format bundle, the file is first split like `distillery split` (near duplicates kept together) by the splitting options.")

    @Argument(help: "The chat JSONL file, checked with the same rules as an upload.")
    var file: String

    @Option(help: "One of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = ExportFormat.default.rawValue

    @Option(help: "Only this split's rows: train, validation or test.")
    var split: String?

    @Option(help: "The file to write.")
    var out: String

    @OptionGroup(title: "Splitting (with --split or --format bundle)")
    var splitting: SplitOptions

    func validate() throws {
        let exportFormat: ExportFormat
        do {
            exportFormat = try ExportFormat.parse(format)
        } catch {
            throw ValidationError("--format: \(error)")
        }
        do {
            _ = try ExportFormat.parseSplit(split)
        } catch {
            throw ValidationError("--split: \(error)")
        }
        if exportFormat == .bundle, split != nil {
            throw ValidationError("--split: the bundle holds every split in its own file; leave --split out")
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
        let onlySplit = try ExportFormat.parseSplit(split)
        guard exportFormat == .bundle || onlySplit != nil else {
            let rows = try writeFile(exportFormat, split: nil) { writer in
                _ = try validateJSONLFile(atPath: file, options: ValidationOptions(
                    mode: .chat, baseModel: BaseModelCatalog.defaultModel, collectRows: true), sink: &writer)
            }
            print("Wrote \(rows) rows as \(exportFormat.rawValue) to \(out)")
            return
        }
        var sink = CollectingSink()
        do {
            _ = try validateJSONLFile(atPath: file, options: ValidationOptions(
                mode: .chat, baseModel: BaseModelCatalog.defaultModel, collectRows: true), sink: &sink)
        } catch {
            fail("cannot read \(file): \(error)", code: 2)
        }
        let assignment = splitting.assign(sink.rows)
        let counts = assignment.counts
        let splitText = "train \(counts.train), validation \(counts.validation), test \(counts.test) rows; "
            + "\(assignment.crossSplitPairs) cross-split near-duplicate pairs"
        if let onlySplit {
            let rows = try writeFile(exportFormat, split: onlySplit) { writer in
                for (row, rowSplit) in zip(sink.rows, assignment.splitOfRow) where rowSplit == onlySplit { writer.accept(row) }
            }
            print("Wrote \(rows) \(onlySplit.rawValue) rows as \(exportFormat.rawValue) to \(out) (\(splitText))")
            return
        }
        writeBundle(rows: sink.rows, assignment: assignment)
        print("Wrote the trainer bundle to \(out) (\(splitText))")
    }

    /// Writes the format's header, the rows `feed` gives the writer, and its footer; returns the row count.
    private func writeFile(_ exportFormat: ExportFormat, split: DatasetSplit?, feed: (inout ExportFileWriter) throws -> Void) throws -> Int {
        guard let handle = FileHandle(forWritingAtPath: out) ?? createFile(out) else {
            fail("cannot write \(out)", code: 2)
        }
        defer { try? handle.close() }
        var writer = ExportFileWriter(handle: handle, format: exportFormat, split: split)
        do {
            try writer.write(exportFormat.header)
            try feed(&writer)
            if let failure = writer.failure { throw failure }
            try writer.flush()
            try writer.write(exportFormat.footer)
        } catch {
            fail("cannot export \(file) to \(out): \(error)", code: 2)
        }
        return writer.rows
    }

    private func writeBundle(rows: [AcceptedRow], assignment: SplitAssignment) {
        let outURL = URL(fileURLWithPath: out)
        try? FileManager.default.removeItem(at: outURL)
        do {
            try TrainerBundleArchive.write(
                to: out, spoolDirectory: outURL.deletingLastPathComponent().path,
                writeRows: { split, append in
                    var written = 0
                    for (row, rowSplit) in zip(rows, assignment.splitOfRow) where rowSplit == split {
                        var bytes: [UInt8] = []
                        try ExportFormat.bundle.appendRow(
                            try NormalizedChatRow.messages(row.normalizedJSON), split: nil, isFirst: false, to: &bytes)
                        try append(bytes)
                        written += 1
                    }
                    return written
                },
                bundle: { counts in
                    TrainerBundle(
                        name: URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent, datasetID: nil, counts: counts,
                        split: splitting.record(assignment), distilleryVersion: DistilleryVersion.current,
                        createdAt: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
                })
        } catch {
            fail("cannot write the bundle \(out): \(error)", code: 2)
        }
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
    /// The CSV `split` column: the split being written, empty for an unsplit export.
    let split: DatasetSplit?
    var rows = 0
    var buffer: [UInt8] = []
    var failure: Error?

    init(handle: FileHandle, format: ExportFormat, split: DatasetSplit?) {
        self.handle = handle
        self.format = format
        self.split = split
        try? handle.truncate(atOffset: 0)
    }

    var isStopped: Bool { failure != nil }

    mutating func accept(_ row: AcceptedRow) {
        do {
            let messages = try NormalizedChatRow.messages(row.normalizedJSON)
            try format.appendRow(messages, split: split?.rawValue, isFirst: rows == 0, to: &buffer)
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
