extension StreamingValidator {
    /// Coefficient of variation above which lengths are called extreme (needs `lengthVarianceMinimumExamples`).
    public static let lengthVarianceThreshold = 1.0
    public static let lengthVarianceMinimumExamples = 10

    func makeSummary() -> ValidationSummary {
        var datasetErrors: [DatasetError] = []
        var warnings: [ValidationWarning] = []
        let isChat = options.mode == .chat

        if isChat && examples < options.minimumExamples {
            datasetErrors.append(DatasetError(
                code: "too_few_examples",
                message: "\(examples) valid examples; at least \(options.minimumExamples) are required to train"))
        }
        if !isChat && examples < 1 {
            datasetErrors.append(DatasetError(code: "no_seeds", message: "the file contains no valid seeds; at least 1 is required"))
        }

        func add(_ tally: WarningTally, _ code: String, _ message: @autoclosure () -> String) {
            if tally.count > 0 { warnings.append(tally.warning(code: code, message: message())!) }
        }
        add(byteOrderMark, "byte_order_mark", "the file starts with a UTF-8 byte-order mark; it was ignored")
        add(crlfLines, "crlf_line_endings", "\(crlfLines.count) lines end with CRLF; the carriage returns were ignored")
        add(blankLineTally, "blank_lines", "\(blankLineTally.count) blank lines were skipped")
        add(unknownKeys, "unknown_key",
            "\(unknownKeys.count) rows have keys the validator does not use (e.g. \"\(unknownKeys.example ?? "?")\"); they are dropped on import")
        add(whitespaceContent, "whitespace_content", "\(whitespaceContent.count) examples have a message whose content is only whitespace")
        add(nonAlternatingRoles, "roles_not_alternating",
            "\(nonAlternatingRoles.count) examples do not follow system, user, assistant, user, … order")
        let pairs = zip(duplicates.lines, duplicates.relatedLines).prefix(5).map { "line \($0) repeats line \($1)" }
        add(duplicates, isChat ? "duplicate_user_content" : "duplicate_input",
            "\(duplicates.count) rows repeat the \(isChat ? "user content" : "input") of an earlier row (\(pairs.joined(separator: ", "))\(duplicates.count > pairs.count ? ", …" : "")); likely a data-preparation bug")

        let variation = lengthStatistics.coefficientOfVariation
        if isChat && examples >= Self.lengthVarianceMinimumExamples && variation > Self.lengthVarianceThreshold {
            warnings.append(ValidationWarning(
                code: "length_variance",
                message: "example lengths vary extremely (coefficient of variation \(Self.format(variation)) > \(Self.format(Self.lengthVarianceThreshold)); mean \(Int(lengthStatistics.mean.rounded())) estimated tokens, longest \(maxExampleTokens)); possible schema drift",
                count: examples, lines: []))
        }
        if isChat && examples >= options.minimumExamples && examples < options.recommendedExamples {
            warnings.append(ValidationWarning(
                code: "few_examples",
                message: "\(examples) examples; \(options.recommendedExamples)+ are recommended, so the trained adapter's quality will be limited",
                count: examples, lines: []))
        }

        let status: DatasetStatus
        if errorCount > 0 || !datasetErrors.isEmpty {
            status = .invalid
        } else if isChat {
            status = warnings.isEmpty ? .valid : .validWithWarnings
        } else {
            status = .validSeeds
        }

        return ValidationSummary(
            mode: options.mode, status: status,
            baseModelID: options.baseModel.id, contextWindow: options.baseModel.contextWindow,
            lines: physicalLines, examples: examples, invalidLines: invalidLines, blankLines: blankLines,
            messages: messageCount, estimatedTokens: estimatedTokens, maxExampleTokens: maxExampleTokens,
            meanExampleTokens: lengthStatistics.mean, lengthCoefficientOfVariation: variation,
            warnings: warnings, errors: keptErrors, errorCount: errorCount, datasetErrors: datasetErrors,
            histogram: histogram, tokensAreEstimates: true)
    }

    static func format(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
