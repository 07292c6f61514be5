import DistilleryCore
import Foundation

/// A dataset upload split into its text fields and its JSONL file, which has been written to
/// `filePath` (in the data folder, so it can later be renamed into place without a copy).
struct DatasetUpload {
    var fields: [String: String] = [:]
    /// Fields that were longer than `maxFieldBytes` (their value is cut there).
    var oversizedFields: Set<String> = []
    var filePath: String
    var fileSize = 0
    var filename: String?
    var hasFile = false
}

/// Reads either upload shape the API accepts:
/// - `multipart/form-data` with text fields and one `file` part (the HTML form, `curl -F`);
/// - a raw JSONL body, with the fields as query parameters (`curl --data-binary @file`).
/// It streams: the multipart body is parsed in 256 KiB chunks from the spooled request file, so
/// memory does not grow with the upload.
enum DatasetUploadReader {
    static let maxFieldBytes = 65_536
    static let chunkSize = 256 * 1024

    static func read(_ request: HTTPRequest, writingFileTo destination: String) throws -> DatasetUpload {
        let contentType = request.headers["Content-Type"] ?? ""
        if let boundary = MultipartParser.boundary(fromContentType: contentType) {
            return try readMultipart(request.body, boundary: boundary, destination: destination)
        }
        if contentType.lowercased().hasPrefix("multipart/") {
            throw AppError.badRequest("multipart uploads must be multipart/form-data with a boundary parameter.")
        }
        if contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            throw AppError.unsupportedMediaType(
                "send the file as multipart/form-data (a `file` part) or as a raw JSONL body, not a URL-encoded form.")
        }
        var upload = DatasetUpload(filePath: destination)
        for item in request.queryItems where upload.fields[item.name] == nil {
            upload.fields[item.name] = item.value
        }
        switch request.body {
        case .empty:
            break
        case .bytes(let bytes):
            let output = try FileSink(path: destination)
            defer { output.close() }
            try output.write(bytes[...])
            upload.fileSize = bytes.count
            upload.hasFile = true
        case .file(let path, let size):
            try moveFile(from: path, to: destination)
            upload.fileSize = size
            upload.hasFile = true
        }
        return upload
    }

    private static func readMultipart(_ body: RequestBody, boundary: String, destination: String) throws -> DatasetUpload {
        var upload = DatasetUpload(filePath: destination)
        var parser = MultipartParser(boundary: boundary)
        let output = try FileSink(path: destination)
        defer { output.close() }
        var currentField: String?
        var currentValue: [UInt8] = []
        var inFilePart = false

        let handle: (MultipartParser.Event) throws -> Void = { event in
            switch event {
            case .partBegin(let headers):
                if headers.name == "file" && !upload.hasFile {
                    inFilePart = true
                    upload.hasFile = true
                    upload.filename = headers.filename
                } else {
                    currentField = headers.name
                    currentValue = []
                }
            case .partData(let bytes):
                if inFilePart {
                    try output.write(bytes)
                    upload.fileSize += bytes.count
                } else if let name = currentField {
                    let room = maxFieldBytes + 1 - currentValue.count
                    if room > 0 { currentValue.append(contentsOf: bytes.prefix(room)) }
                    if currentValue.count > maxFieldBytes { upload.oversizedFields.insert(name) }
                }
            case .partEnd:
                if !inFilePart, let name = currentField, upload.fields[name] == nil {
                    upload.fields[name] = String(decoding: currentValue.prefix(maxFieldBytes), as: UTF8.self)
                }
                inFilePart = false
                currentField = nil
            }
        }

        do {
            switch body {
            case .empty:
                break
            case .bytes(let bytes):
                try parser.feed(bytes, emit: handle)
            case .file(let path, _):
                guard let input = fopen(path, "rb") else {
                    throw AppError.badRequest("the upload could not be read back from the spool folder.")
                }
                defer { fclose(input) }
                var buffer = [UInt8](repeating: 0, count: chunkSize)
                while true {
                    let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, chunkSize, input) }
                    if count == 0 { break }
                    try parser.feed(buffer[0..<count], emit: handle)
                }
            }
            try parser.finish()
        } catch let error as MultipartParser.ParseError {
            throw AppError.badRequest("malformed multipart body: \(error.description).")
        }
        return upload
    }

    /// rename(2) when possible (the spool folder is inside the data folder), copy otherwise.
    static func moveFile(from source: String, to destination: String) throws {
        if rename(source, destination) == 0 { return }
        try FileManager.default.copyItem(atPath: source, toPath: destination)
        unlink(source)
    }
}

/// Buffered append-only file writer for uploads, created readable by the owner only (0600).
final class FileSink {
    private var file: UnsafeMutablePointer<FILE>?

    init(path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0, let file = fdopen(descriptor, "wb") else {
            let cause = errno
            if descriptor >= 0 { Glibc.close(descriptor) }
            throw AppError.badRequest("cannot create the upload file in the data folder (errno \(cause)).")
        }
        self.file = file
    }

    func write(_ bytes: ArraySlice<UInt8>) throws {
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else { throw FileWriteError(errno: errno) }
    }

    func close() {
        if let file { fclose(file) }
        file = nil
    }
}

/// Disk full or similar: not the client's fault, so it surfaces as a logged 500.
struct FileWriteError: Error, CustomStringConvertible {
    let errno: Int32
    var description: String { "writing an upload file failed: \(String(cString: strerror(errno)))" }
}
