import DistilleryCore
import Testing

/// When "Validate again" is offered: only for an upload whose validation ended without judging the
/// file, and only while no job uses it.
@Suite struct ValidationRetryTests {
    struct Case: CustomStringConvertible, Sendable {
        let status: DatasetStatus
        let errorCode: String?
        var parentID: Int64? = nil
        var activeJobs = 0
        let offered: Bool
        var description: String { "\(status.rawValue) \(errorCode ?? "-") parent \(parentID.map(String.init) ?? "-") jobs \(activeJobs)" }
    }

    static let cases: [Case] = [
        Case(status: .invalid, errorCode: "validation_interrupted", offered: true),
        Case(status: .invalid, errorCode: "validation_server_error", offered: true),
        Case(status: .invalid, errorCode: "file_unreadable", offered: false),
        Case(status: .invalid, errorCode: "too_few_examples", offered: false),
        Case(status: .invalid, errorCode: nil, offered: false),
        Case(status: .invalid, errorCode: "validation_interrupted", activeJobs: 1, offered: false),
        Case(status: .invalid, errorCode: "validation_interrupted", parentID: 7, offered: false),
        Case(status: .validating, errorCode: "validation_interrupted", offered: false),
        Case(status: .valid, errorCode: nil, offered: false),
        Case(status: .readyForTraining, errorCode: nil, parentID: 7, offered: false),
    ]

    @Test(arguments: cases)
    func validateAgainIsOfferedOnlyWhenTheFileIsNotToBlame(_ example: Case) {
        var validator = StreamingValidator(options: ValidationOptions(mode: .chat))
        var summary = validator.finish()
        summary.status = example.status
        summary.datasetErrors = example.errorCode.map { [DatasetError(code: $0, message: "m")] } ?? []
        let record = DatasetRecord(
            id: 1, name: "d", mode: .chat, baseModel: "b", skillPrompt: nil, status: example.status, byteSize: 0, lineCount: 0,
            rowCount: 0, summary: summary, parentID: example.parentID, createdAt: 0, updatedAt: 0, activeJobs: example.activeJobs)
        #expect(record.canValidateAgain == example.offered)
        let explanation = DatasetDetailView(record: record, preview: [], children: [], viewer: nil).statusExplanation
        if example.offered {
            #expect(explanation == "m", "the page says what happened, not \"fix the file\"")
        }
    }
}

