import DistilleryCore
import Testing

/// Every pair of statuses, with the verdict written out: a move missing from a table is a failure,
/// so a status added later must be placed in the life cycle on purpose.
@Suite struct JobStatusTransitionTests {
    static let legal: [(JobStatus, JobStatus)] = [
        (.queued, .running), (.queued, .failed), (.queued, .cancelled),
        (.running, .queued), (.running, .running), (.running, .completed), (.running, .failed), (.running, .cancelled),
        (.completed, .queued), (.failed, .queued), (.cancelled, .queued),
    ]

    @Test func theVocabularyIsSharedByTheQueueAndEveryKindOfJob() {
        #expect(JobStatus.allCases.map(\.rawValue) == ["queued", "running", "completed", "failed", "cancelled"])
        #expect(JobStatus.allCases.filter(\.isActive) == [.queued, .running])
    }

    @Test(arguments: JobStatus.allCases) func everyLegalMoveIsAllowedAndEveryOtherRefused(from: JobStatus) throws {
        for to in JobStatus.allCases {
            let isLegal = Self.legal.contains { $0 == (from, to) }
            #expect(from.canMove(to: to) == isLegal, "\(from) → \(to)")
            if isLegal {
                #expect(try from.move(to: to, job: 12) == to)
            } else {
                #expect(throws: StatusTransitionError(subject: "Job J-12", from: from.rawValue, to: to.rawValue)) {
                    try from.move(to: to, job: 12)
                }
            }
        }
    }

    @Test func aRefusedMoveSaysWhichJobAndWhichMove() {
        let error = StatusTransitionError(subject: "Job J-12", from: "completed", to: "failed")
        #expect(error.message == "Job J-12 cannot go from completed to failed.")
        #expect(StatusTransitionError(subject: "Dataset #3", from: nil, to: "synthesizing").message
            == "Dataset #3 does not exist, so it cannot become synthesizing.")
    }

    @Test func predecessorsAreTheLegalMovesReadBackwards() {
        #expect(JobStatus.predecessors(of: .running) == [.queued, .running])
        #expect(JobStatus.predecessors(of: .completed) == [.running])
        #expect(JobStatus.predecessors(of: .failed) == [.queued, .running])
        #expect(JobStatus.predecessors(of: .cancelled) == [.queued, .running])
        #expect(JobStatus.predecessors(of: .queued) == [.running, .completed, .failed, .cancelled])
    }
}

@Suite struct DatasetStatusTransitionTests {
    static let legal: [(DatasetStatus, DatasetStatus)] = [
        (.validating, .validating), (.validating, .valid), (.validating, .validWithWarnings), (.validating, .invalid),
        (.validating, .validSeeds), (.validating, .readyForTraining),
        (.invalid, .validating), (.readyForTraining, .validating),
        (.validSeeds, .synthesizing), (.synthesizing, .synthesizing), (.synthesizing, .validSeeds),
    ]

    @Test(arguments: DatasetStatus.allCases) func everyLegalMoveIsAllowedAndEveryOtherRefused(from: DatasetStatus) throws {
        for to in DatasetStatus.allCases {
            let isLegal = Self.legal.contains { $0 == (from, to) }
            #expect(from.canMove(to: to) == isLegal, "\(from) → \(to)")
            if isLegal {
                #expect(try from.move(to: to, dataset: 7) == to)
            } else {
                #expect(throws: StatusTransitionError(subject: "Dataset #7", from: from.rawValue, to: to.rawValue)) {
                    try from.move(to: to, dataset: 7)
                }
            }
        }
    }

    @Test func predecessorsAreTheLegalMovesReadBackwards() {
        #expect(DatasetStatus.predecessors(of: .validating) == [.validating, .invalid, .readyForTraining])
        #expect(DatasetStatus.predecessors(of: .synthesizing) == [.validSeeds, .synthesizing])
        #expect(DatasetStatus.predecessors(of: .validSeeds) == [.validating, .synthesizing])
        #expect(DatasetStatus.predecessors(of: .readyForTraining) == [.validating])
    }
}
