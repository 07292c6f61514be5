/// Renders a summary as plain text for the `distillery validate` command line.
public enum ValidationReportFormatter {
    public static func text(_ summary: ValidationSummary) -> String {
        var out: [String] = []
        out.append("Status: \(summary.status.rawValue) (\(summary.mode.rawValue) mode)")
        out.append("Lines: \(summary.lines) (blank \(summary.blankLines), invalid \(summary.invalidLines))")
        let noun = summary.mode == .chat ? "Examples" : "Seeds"
        out.append("\(noun): \(summary.examples), messages: \(summary.messages)")
        out.append("Estimated tokens: \(summary.estimatedTokens) total, \(summary.maxExampleTokens) in the longest row "
                   + "(estimate; base model \(summary.baseModelID), context window \(summary.contextWindow))")
        for error in summary.datasetErrors {
            out.append("Dataset error [\(error.code)]: \(error.message)")
        }
        if !summary.warnings.isEmpty {
            out.append("Warnings:")
            for warning in summary.warnings {
                var line = "  [\(warning.code)] \(warning.message)"
                if !warning.lines.isEmpty {
                    line += " — lines \(warning.lines.map(String.init).joined(separator: ", "))\(warning.count > warning.lines.count ? ", …" : "")"
                }
                out.append(line)
            }
        }
        if summary.errorCount > 0 {
            let shown = summary.errors.count < summary.errorCount ? " (first \(summary.errors.count) shown)" : ""
            out.append("Errors: \(summary.errorCount)\(shown)")
            for error in summary.errors {
                let field = error.field.isEmpty ? "" : " \(error.field)"
                out.append("  line \(error.line)\(field) [\(error.code)]: \(error.message)")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
