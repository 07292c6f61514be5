import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Logging

/// What every handler and job runner may use. Built once by `DistilleryApp`.
public final class Services: Sendable {
    public let configuration: AppConfiguration
    public let database: Database
    public let jobs: JobQueue
    public let datasets: DatasetStore
    public let users: UserStore
    public let tokens: APITokenStore
    public let audit: AuditLogStore
    public let vault: Vault
    public let synthesis: SynthesisStore
    public let recipes: RecipeStore
    public let templates: TemplateStore
    public let generations: GenerationStore
    public let scoring: ScoringStore
    public let evaluations: EvaluationStore
    let transport: TeacherTransport
    let synthesisRegistry = SynthesisRegistry()
    let catalog: ProviderCatalog
    let authenticator: Authenticator
    let renderer: Renderer
    let logger: Logger
    let datasetListCache = ResponseCache()
    /// New API tokens waiting to be shown once after their creation's redirect.
    let newTokenNotes = OneTimeTokenNotes()
    /// Wakes idle workers when a job is queued; set once the pool exists.
    let wakeWorkers: @Sendable () -> Void
    /// Indexes settled datasets for the explorer's search; woken when a validation has stored a dataset's rows.
    let searchIndexer: SearchIndexer

    init(
        configuration: AppConfiguration, database: Database, vault: Vault, renderer: Renderer, logger: Logger,
        catalog: ProviderCatalog, transport: TeacherTransport, wakeWorkers: @escaping @Sendable () -> Void
    ) {
        self.synthesis = SynthesisStore(database: database)
        self.recipes = RecipeStore(database: database)
        self.templates = TemplateStore(database: database, clock: configuration.clock)
        self.generations = GenerationStore(database: database)
        self.scoring = ScoringStore(database: database)
        self.evaluations = EvaluationStore(database: database)
        self.catalog = catalog
        self.transport = transport
        self.configuration = configuration
        self.database = database
        self.jobs = JobQueue(database: database)
        let datasets = DatasetStore(database: database)
        self.datasets = datasets
        self.users = UserStore(database: database)
        self.tokens = APITokenStore(database: database)
        self.audit = AuditLogStore(database: database)
        self.vault = vault
        self.authenticator = Authenticator(database: database, configuration: configuration)
        self.renderer = renderer
        self.logger = logger
        self.wakeWorkers = wakeWorkers
        self.searchIndexer = SearchIndexer(store: datasets, logger: logger)
    }

    func now() -> Int64 {
        configuration.clock()
    }
}
