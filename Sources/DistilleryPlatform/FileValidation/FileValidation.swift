#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DistilleryCore

/// Failure to read a dataset file (validation problems are never thrown; they go in the summary).
public enum FileValidationError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case readFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open dataset file \(path): \(reason)"
        case let .readFailed(path, reason): "cannot read dataset file \(path): \(reason)"
        }
    }
}

/// Validates a JSONL file by streaming it through `StreamingValidator` with one fixed read buffer
/// (`bufferBytes`, 1 MiB by default); only a line straddling two reads is copied, up to `maxLineBytes`.
/// Reading ends early when the sink says it is stopped; the summary then covers only what was read.
public func validateJSONLFile<Sink: ValidationSink>(
    atPath path: String, options: ValidationOptions, sink: inout Sink, bufferBytes: Int = 1 << 20
) throws -> ValidationSummary {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw FileValidationError.cannotOpen(path: path, reason: errnoDescription()) }
    defer { close(descriptor) }

    let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferBytes, alignment: 16)
    defer { buffer.deallocate() }
    var validator = StreamingValidator(options: options)
    while !sink.isStopped {
        let got = read(descriptor, buffer, bufferBytes)
        if got < 0 {
            if errno == EINTR { continue }
            throw FileValidationError.readFailed(path: path, reason: errnoDescription())
        }
        if got == 0 { break }
        validator.consume(chunk: UnsafeRawBufferPointer(start: buffer, count: got), sink: &sink)
    }
    return validator.finish(sink: &sink)
}

/// Same, discarding per-line results (the summary still holds the first errors).
public func validateJSONLFile(atPath path: String, options: ValidationOptions) throws -> ValidationSummary {
    var sink = DiscardingSink()
    return try validateJSONLFile(atPath: path, options: options, sink: &sink)
}

private func errnoDescription() -> String {
    let code = errno
    return "\(String(cString: strerror(code))) (errno \(code))"
}
