@testable import DistilleryCore

/// Small builders so each test reads as "this line -> these errors".
enum Chat {
    static func message(_ role: String, _ content: String) -> String {
        #"{"role":"\#(role)","content":"\#(content)"}"#
    }

    static func line(_ messages: String..., extra: String = "") -> String {
        #"{"messages":[\#(messages.joined(separator: ","))]\#(extra)}"#
    }

    /// A valid three-message line with a distinct user message.
    static func valid(_ index: Int = 0, assistant: String = "A") -> String {
        line(message("system", "S"), message("user", "question \(index)"), message("assistant", assistant))
    }

    static func file(_ lines: [String]) -> [UInt8] {
        Array(lines.joined(separator: "\n").utf8) + [0x0A]
    }
}

struct Outcome {
    var summary: ValidationSummary
    var sink: CollectingSink
    var errors: [LineError] { sink.errors }
    /// (field, code) pairs, the shape most tables compare.
    var fieldCodes: [FieldCode] { sink.errors.map { FieldCode($0.field, $0.code) } }
}

struct FieldCode: Equatable, Sendable, CustomStringConvertible {
    let field: String
    let code: String
    init(_ field: String, _ code: String) { self.field = field; self.code = code }
    var description: String { "\(field.isEmpty ? "<line>" : field):\(code)" }
}

func run(_ bytes: [UInt8], options: ValidationOptions = ValidationOptions(mode: .chat, collectRows: true)) -> Outcome {
    var sink = CollectingSink()
    let summary = StreamingValidator.validate(bytes, options: options, sink: &sink)
    return Outcome(summary: summary, sink: sink)
}

func run(lines: [String], mode: DatasetMode = .chat, options: ValidationOptions? = nil) -> Outcome {
    run(Chat.file(lines), options: options ?? ValidationOptions(mode: mode, collectRows: true))
}

/// Errors of a single chat line.
func chatErrors(_ line: String, options: ValidationOptions = ValidationOptions(mode: .chat)) -> [FieldCode] {
    run(Chat.file([line]), options: options).fieldCodes
}

func chatErrors(bytes: [UInt8]) -> [LineError] {
    run(bytes + [0x0A], options: ValidationOptions(mode: .chat)).errors
}

/// Wraps raw bytes as the content of a user message in an otherwise valid line.
func lineWithUserContent(_ raw: [UInt8]) -> [UInt8] {
    Array(#"{"messages":[{"role":"system","content":"S"},{"role":"user","content":""#.utf8) + raw
        + Array(#""},{"role":"assistant","content":"A"}]}"#.utf8)
}
