/// Validation that ended without judging the file: the dataset is `invalid`, but the file may be
/// fine, so the user is offered "Validate again" instead of "fix the file".
extension DatasetError {
    /// The server crashed (kill -9, power loss, out of memory) during every run the job was allowed.
    public static let validationInterruptedCode = "validation_interrupted"
    /// The validation stopped on a server error (the server log has it), not on the file's content.
    public static let validationServerErrorCode = "validation_server_error"

    /// True when the error says nothing about the file, so running the validation again can pass.
    public var isRetryableValidationFailure: Bool {
        code == Self.validationInterruptedCode || code == Self.validationServerErrorCode
    }
}

extension DatasetRecord {
    /// The validation failure that the file is not to blame for, if that is why the dataset is invalid.
    public var retryableValidationFailure: DatasetError? {
        guard status == .invalid else { return nil }
        return summary?.datasetErrors.first { $0.isRetryableValidationFailure }
    }

    /// "Validate again" applies to an uploaded file whose validation failed for a reason other than
    /// its content, while no job uses it. A synthesized child is validated by its job, not here.
    public var canValidateAgain: Bool {
        parentID == nil && activeJobs == 0 && retryableValidationFailure != nil
    }
}
