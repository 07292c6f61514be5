import DistilleryCore
import DistilleryStorage
import Logging

/// What every handler and job runner may use. Built once by `DistilleryApp`.
public final class Services: Sendable {
    public let configuration: AppConfiguration
    public let database: Database
    public let jobs: JobQueue
    public let datasets: DatasetStore
    let renderer: Renderer
    let logger: Logger
    /// Wakes idle workers when a job is queued; set once the pool exists.
    let wakeWorkers: @Sendable () -> Void

    init(
        configuration: AppConfiguration, database: Database, renderer: Renderer, logger: Logger,
        wakeWorkers: @escaping @Sendable () -> Void
    ) {
        self.configuration = configuration
        self.database = database
        self.jobs = JobQueue(database: database)
        self.datasets = DatasetStore(database: database)
        self.renderer = renderer
        self.logger = logger
        self.wakeWorkers = wakeWorkers
    }
}
