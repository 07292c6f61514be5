/// Limits and choices for one validation run. Defaults follow the documented rules (README "Validation rules").
public struct ValidationOptions: Sendable {
    /// Fewer valid chat examples than this cannot train a model (README "Validation rules").
    public static let defaultMinimumExamples = 100
    public var mode: DatasetMode
    public var baseModel: BaseModel
    /// Fewer valid chat examples than this is a dataset error.
    public var minimumExamples: Int
    /// Fewer valid chat examples than this (but at least the minimum) is a warning.
    public var recommendedExamples: Int
    /// Largest content (UTF-8 bytes after unescaping) of one message, completion or seed input.
    public var maxContentBytes: Int
    /// Longer physical lines are rejected with one error and skipped without being buffered.
    public var maxLineBytes: Int
    /// Deepest allowed nesting of objects/arrays; the top-level object is depth 1.
    public var maxNestingDepth: Int
    /// How many line errors the summary keeps (the sink still receives every one).
    public var keptErrorCount: Int
    /// How many line numbers each warning keeps.
    public var keptWarningLines: Int
    /// At most this many errors are reported for a single line, so a pathological line stays cheap.
    public var maxErrorsPerLine: Int
    /// When true, every accepted row is handed to the sink with its normalized JSON.
    public var collectRows: Bool

    public init(
        mode: DatasetMode,
        baseModel: BaseModel = BaseModelCatalog.defaultModel,
        minimumExamples: Int = ValidationOptions.defaultMinimumExamples,
        recommendedExamples: Int = 1000,
        maxContentBytes: Int = 65_536,
        maxLineBytes: Int = 16 << 20,
        maxNestingDepth: Int = 64,
        keptErrorCount: Int = 50,
        keptWarningLines: Int = 20,
        maxErrorsPerLine: Int = 10,
        collectRows: Bool = false
    ) {
        self.mode = mode
        self.baseModel = baseModel
        self.minimumExamples = minimumExamples
        self.recommendedExamples = recommendedExamples
        self.maxContentBytes = maxContentBytes
        self.maxLineBytes = maxLineBytes
        self.maxNestingDepth = maxNestingDepth
        self.keptErrorCount = keptErrorCount
        self.keptWarningLines = keptWarningLines
        self.maxErrorsPerLine = maxErrorsPerLine
        self.collectRows = collectRows
    }
}
