import DistilleryCore

/// Errors the command line prints as a sentence, with the fields that were wrong.
public protocol AppErrorDescribing {
    var userMessage: String { get }
}

extension AppError: AppErrorDescribing {
    public var userMessage: String {
        let details = fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        return details.isEmpty ? message : message + " (" + details.joined(separator: "; ") + ")"
    }
}
