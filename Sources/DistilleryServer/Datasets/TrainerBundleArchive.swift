import DistilleryCore
import Foundation
import ZIPFoundation

/// Writes a trainer bundle `.zip` (README "Exports") without holding the rows in memory: each split's rows
/// go to a 0600 file in a private folder under `spoolDirectory`, then (stored) into the archive, itself a
/// 0600 file there; the folder is removed before returning and the caller sends and deletes the archive.
public enum TrainerBundleArchive {
    /// Writes one split's `openai` lines through `append` and returns how many rows it wrote.
    public typealias WriteRows = (_ split: DatasetSplit, _ append: ([UInt8]) throws -> Void) throws -> Int

    /// Builds the archive at `zipPath` (which must not exist). `bundle` gets the rows written per split.
    public static func write(
        to zipPath: String, spoolDirectory: String, writeRows: WriteRows, bundle: (SplitCounts) throws -> TrainerBundle
    ) throws {
        var template = Array((spoolDirectory + "/bundle-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BundleArchiveError("cannot create a folder in \(spoolDirectory): \(String(cString: strerror(errno)))")
        }
        let work = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: work) }

        var counts = SplitCounts()
        for split in DatasetSplit.allCases {
            let path = work + "/" + TrainerBundle.fileName(of: split)
            guard let sink = try? FileSink(path: path) else {
                throw BundleArchiveError("cannot create \(path): \(String(cString: strerror(errno)))")
            }
            defer { sink.close() }
            counts[split] = try writeRows(split) { try sink.write($0[...]) }
        }
        let contents = try bundle(counts)

        try createEmptyArchive(at: zipPath)
        do {
            let archive = try Archive(url: URL(fileURLWithPath: zipPath), accessMode: .update)
            for split in contents.splitFiles {
                let name = TrainerBundle.fileName(of: split)
                // Stored, not deflated: ZIPFoundation deflates at zlib's level 6 only, which took ~5.6 s of CPU for a
                // 52 MB dataset; stored, the bundle keeps to the 2 s export budget (README "Exports").
                try archive.addEntry(
                    with: name, fileURL: URL(fileURLWithPath: work + "/" + name), compressionMethod: .none, bufferSize: 1 << 20)
            }
            for file in contents.metadataFiles {
                let bytes = file.bytes
                try archive.addEntry(
                    with: file.name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate
                ) { position, size in
                    Data(bytes[Int(position)..<min(bytes.count, Int(position) + size)])
                }
            }
        } catch {
            unlink(zipPath)
            throw error
        }
    }

    /// An archive with no entry (its end-of-central-directory record alone), created owner-only.
    private static func createEmptyArchive(at path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BundleArchiveError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let record: [UInt8] = [0x50, 0x4B, 0x05, 0x06] + Array(repeating: 0, count: 18)
        guard record.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == record.count else {
            unlink(path)
            throw BundleArchiveError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}

public struct BundleArchiveError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
