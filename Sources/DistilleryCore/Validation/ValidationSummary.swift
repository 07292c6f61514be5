/// One problem on one line. `field` is a path such as `messages[2].content`, `messages`, `completion`,
/// or "" when the whole line is at fault (syntax, size).
public struct LineError: Codable, Sendable, Equatable {
    /// 1-based physical line number.
    public let line: Int
    public let field: String
    /// Stable machine code, e.g. `invalid_json`, `empty_content` (README lists them all).
    public let code: String
    /// Plain-English reason.
    public let message: String

    public init(line: Int, field: String, code: String, message: String) {
        self.line = line
        self.field = field
        self.code = code
        self.message = message
    }
}

/// A problem that does not stop training; aggregated per code over the whole file.
public struct ValidationWarning: Codable, Sendable, Equatable {
    public let code: String
    public let message: String
    /// How many lines (or rows) the warning applies to.
    public let count: Int
    /// Up to `keptWarningLines` line numbers where it occurred.
    public let lines: [Int]
    /// For duplicates: the earlier line each entry of `lines` repeats (same index); empty otherwise.
    public let relatedLines: [Int]

    public init(code: String, message: String, count: Int, lines: [Int], relatedLines: [Int] = []) {
        self.code = code
        self.message = message
        self.count = count
        self.lines = lines
        self.relatedLines = relatedLines
    }
}

/// A problem with the file as a whole (for example too few examples).
public struct DatasetError: Codable, Sendable, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// Counts of valid examples by estimated token length in fixed, log-scale (powers of two) buckets.
public struct TokenHistogram: Codable, Sendable, Equatable {
    /// Exclusive upper bound of each bucket; the last bucket has no bound and is `nil`-free by using `Int.max`.
    public let upperBounds: [Int]
    public var counts: [Int]

    /// Buckets: [0,32), [32,64), … [65536,131072), [131072, ∞).
    public static let standardUpperBounds: [Int] = (5...17).map { 1 << $0 } + [Int.max]

    public init() {
        upperBounds = Self.standardUpperBounds
        counts = Array(repeating: 0, count: upperBounds.count)
    }

    public mutating func add(_ tokens: Int) {
        counts[Self.bucketIndex(for: tokens)] += 1
    }

    /// Index of the bucket holding `tokens`, found from the bit length instead of a search.
    public static func bucketIndex(for tokens: Int) -> Int {
        if tokens < 32 { return 0 }
        let bitLength = Int.bitWidth - tokens.leadingZeroBitCount  // 32 -> 6
        return min(bitLength - 5, standardUpperBounds.count - 1)
    }
}

/// What the validator found; stored as JSON with the dataset and rendered on its detail page.
public struct ValidationSummary: Codable, Sendable, Equatable {
    public var mode: DatasetMode
    public var status: DatasetStatus
    public var baseModelID: String
    public var contextWindow: Int
    /// Physical lines, blank ones included.
    public var lines: Int
    /// Valid rows (chat examples or seeds).
    public var examples: Int
    public var invalidLines: Int
    public var blankLines: Int
    /// Messages in valid examples, a legacy `completion` counted as one.
    public var messages: Int
    /// Sum of estimated tokens over valid examples — an estimate, see README.
    public var estimatedTokens: Int
    public var maxExampleTokens: Int
    public var meanExampleTokens: Double
    /// Population standard deviation / mean of per-example estimated tokens.
    public var lengthCoefficientOfVariation: Double
    public var warnings: [ValidationWarning]
    /// The first `keptErrorCount` line errors.
    public var errors: [LineError]
    /// All line errors, including those not kept in `errors`.
    public var errorCount: Int
    public var datasetErrors: [DatasetError]
    public var histogram: TokenHistogram
    /// Always true: token figures come from the estimator, not a real tokenizer.
    public var tokensAreEstimates: Bool
}
