/// A problem with the dimensions a scoring job was asked for, at a path the form or the JSON names:
/// `custom line 3` (the form's textarea), `custom[1].rubric` or `dimensions[0]` (JSON).
public struct JudgeDimensionsError: Error, Equatable, Sendable {
    public let path: String
    public let message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
}

/// Reads the dimensions a judge grades: built-ins by id and a team's own, from the form's textarea or from JSON.
///
/// The textarea holds one custom dimension a line:
///
///     id | title | 1-5 or pass/fail | description [| rubric text]
///
/// e.g. `cites_policy | Cites the policy | pass/fail | The answer names the refund policy it applies`. Blank lines
/// and lines starting with `#` are skipped; a `|` cannot appear inside a field (use JSON for that). In JSON a custom
/// dimension is an object `{"id", "title", "rubric": "scale" | "pass_fail", "description", "rubric_text"?}` (the
/// rubric may also be written `1-5` or `pass/fail`, as in the textarea).
public enum JudgeDimensionsReader {
    public static let titleLimit = 80
    public static let descriptionLimit = 1_000
    public static let rubricTextLimit = 2_000

    /// The custom dimensions of the form's textarea; errors name the line (`custom line N`).
    public static func read(lines text: String) throws(JudgeDimensionsError) -> [JudgeDimension] {
        var dimensions: [JudgeDimension] = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let path = "custom line \(offset + 1)"
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
            guard fields.count == 4 || fields.count == 5 else {
                throw JudgeDimensionsError(
                    path: path, "Write id | title | 1-5 or pass/fail | description [| rubric text]; this line has \(fields.count) field(s).")
            }
            dimensions.append(try dimension(
                id: fields[0], title: fields[1], rubric: fields[2], description: fields[3], rubricText: fields.count == 5 ? fields[4] : "",
                path: path, fieldPath: { _ in path }))
        }
        return dimensions
    }

    /// The custom dimensions of a JSON array; errors name the JSON path (`custom[1].rubric`).
    public static func read(json: SynthesisJSON, path: String = "custom") throws(JudgeDimensionsError) -> [JudgeDimension] {
        guard let items = json.arrayValue else { throw JudgeDimensionsError(path: path, "Must be an array of dimension objects.") }
        var dimensions: [JudgeDimension] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            let fields = try CustomFields(item, path: itemPath, known: ["id", "title", "rubric", "description", "rubric_text"])
            dimensions.append(try dimension(
                id: try fields.text("id"), title: try fields.text("title"), rubric: try fields.text("rubric"),
                description: try fields.text("description"), rubricText: try fields.text("rubric_text", required: false), path: itemPath,
                fieldPath: { "\(itemPath).\($0)" }))
        }
        return dimensions
    }

    /// An evaluation's `dimensions`: built-in ids and custom objects `{"id", "title"?, "description", "rubric_text"?}`
    /// (the title defaults to the id) in the order given, each graded pass/fail; the same limits as `select`.
    public static func read(passFailList json: SynthesisJSON, path: String = "dimensions") throws(JudgeDimensionsError) -> [JudgeDimension] {
        guard let items = json.arrayValue else { throw JudgeDimensionsError(path: path, "Must be a list of dimension ids or objects.") }
        var dimensions: [JudgeDimension] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            if let id = item.stringValue {
                dimensions.append(try builtIn(id, path: itemPath))
                continue
            }
            let fields = try CustomFields(item, path: itemPath, known: ["id", "title", "description", "rubric_text"])
            let id = try fields.text("id")
            let title = try fields.text("title", required: false)
            dimensions.append(try dimension(
                id: id, title: title.isEmpty ? id : title, rubric: "pass/fail", description: try fields.text("description"),
                rubricText: try fields.text("rubric_text", required: false), path: itemPath, fieldPath: { "\(itemPath).\($0)" }))
        }
        return try checked(dimensions, path: path)
    }

    /// A custom dimension's JSON object, its fields read as trimmed strings; errors name the JSON path.
    private struct CustomFields {
        let item: SynthesisJSON
        let path: String

        init(_ item: SynthesisJSON, path: String, known: Set<String>) throws(JudgeDimensionsError) {
            guard case .object(let members) = item else {
                throw JudgeDimensionsError(path: path, "Must be an object {\(known.sorted().map { "\"\($0)\"" }.joined(separator: ", "))}.")
            }
            if let unknown = members.first(where: { !known.contains($0.key) }) {
                throw JudgeDimensionsError(path: "\(path).\(unknown.key)", "Unknown field; the fields are: \(known.sorted().joined(separator: ", ")).")
            }
            self.item = item
            self.path = path
        }

        func text(_ name: String, required: Bool = true) throws(JudgeDimensionsError) -> String {
            guard let value = item[name], !value.isNull else {
                if required { throw JudgeDimensionsError(path: "\(path).\(name)", "Required.") }
                return ""
            }
            guard let string = value.stringValue else { throw JudgeDimensionsError(path: "\(path).\(name)", "Must be a string.") }
            return string.trimmingWhitespace()
        }
    }

    /// The job's dimensions: the built-ins named (in their given order), then the custom ones; at least one, at most
    /// `JudgeDimension.perJobLimit`, no id twice.
    public static func select(builtIns ids: [String], custom: [JudgeDimension], builtInsPath: String = "dimensions")
        throws(JudgeDimensionsError) -> [JudgeDimension]
    {
        var chosen: [JudgeDimension] = []
        for (index, id) in ids.enumerated() {
            chosen.append(try builtIn(id, path: "\(builtInsPath)[\(index)]"))
        }
        return try checked(chosen + custom, path: builtInsPath)
    }

    private static func builtIn(_ id: String, path: String) throws(JudgeDimensionsError) -> JudgeDimension {
        guard let dimension = JudgeDimension.builtIns.first(where: { $0.id == id }) else {
            throw JudgeDimensionsError(
                path: path, "Unknown dimension \"\(id.prefix(40))\": not a built-in dimension (\(JudgeDimension.builtIns.map(\.id).joined(separator: ", "))).")
        }
        return dimension
    }

    /// At least one, at most `JudgeDimension.perJobLimit`, no id twice.
    private static func checked(_ chosen: [JudgeDimension], path: String) throws(JudgeDimensionsError) -> [JudgeDimension] {
        var seen: Set<String> = []
        for dimension in chosen where !seen.insert(dimension.id).inserted {
            throw JudgeDimensionsError(path: path, "The dimension \"\(dimension.id)\" is chosen twice.")
        }
        guard !chosen.isEmpty else { throw JudgeDimensionsError(path: path, "Choose at least one dimension.") }
        guard chosen.count <= JudgeDimension.perJobLimit else {
            throw JudgeDimensionsError(
                path: path, "At most \(JudgeDimension.perJobLimit) dimensions in one job (one judge call grades them all); \(chosen.count) were chosen.")
        }
        return chosen
    }

    /// `1-5`, `1–5` or `scale`; `pass/fail` or `pass_fail`.
    public static func rubric(_ text: String) -> JudgeRubric? {
        switch String(text.lowercased().filter { $0 != " " }) {
        case "1-5", "1–5", "scale": return .scale
        case "pass/fail", "pass_fail", "passfail": return .passFail
        default: return nil
        }
    }

    private static func dimension(
        id: String, title: String, rubric rubricText: String, description: String, rubricText text: String, path: String,
        fieldPath: (String) -> String
    ) throws(JudgeDimensionsError) -> JudgeDimension {
        guard JudgeDimension.isValidID(id) else {
            throw JudgeDimensionsError(
                path: fieldPath("id"), "The id \"\(id.prefix(40))\" must be 1–\(JudgeDimension.idLimit) of a-z, 0-9 and _, starting with a letter.")
        }
        guard !title.isEmpty, title.count <= titleLimit else {
            throw JudgeDimensionsError(path: fieldPath("title"), "The title must be 1–\(titleLimit) characters.")
        }
        guard let rubric = rubric(rubricText) else {
            throw JudgeDimensionsError(path: fieldPath("rubric"), "The rubric must be 1-5 or pass/fail; got \"\(rubricText.prefix(40))\".")
        }
        guard !description.isEmpty, description.count <= descriptionLimit else {
            throw JudgeDimensionsError(path: fieldPath("description"), "The description (what the judge decides) must be 1–\(descriptionLimit) characters.")
        }
        guard text.count <= rubricTextLimit else {
            throw JudgeDimensionsError(path: fieldPath("rubric_text"), "The rubric text must be at most \(rubricTextLimit) characters.")
        }
        return JudgeDimension(id: id, title: title, description: description, rubricText: text, rubric: rubric)
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
