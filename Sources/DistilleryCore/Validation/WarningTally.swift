/// Accumulates one warning code over the file: how often, the first few lines, one example detail.
struct WarningTally {
    var count = 0
    var lines: [Int] = []
    var relatedLines: [Int] = []
    var example: String?

    mutating func note(line: Int, keep: Int, related: Int? = nil) {
        count += 1
        if lines.count < keep {
            lines.append(line)
            if let related { relatedLines.append(related) }
        }
    }

    func warning(code: String, message: String) -> ValidationWarning? {
        count == 0 ? nil : ValidationWarning(code: code, message: message, count: count, lines: lines, relatedLines: relatedLines)
    }
}

/// Online mean and variance (Welford), so length variance needs no per-example storage.
struct RunningStatistics {
    private(set) var count = 0
    private(set) var mean = 0.0
    private var sumOfSquaredDeviations = 0.0

    mutating func add(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        sumOfSquaredDeviations += delta * (value - mean)
    }

    /// Population standard deviation / mean; 0 when undefined.
    var coefficientOfVariation: Double {
        guard count > 0, mean > 0 else { return 0 }
        return (sumOfSquaredDeviations / Double(count)).squareRoot() / mean
    }
}
