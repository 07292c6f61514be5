/// What a person typed in the explorer's search box, as terms that must all occur in a row's messages.
///
/// Words are split on whitespace; a "double-quoted phrase" is one term. Every term is matched as a literal
/// substring (case-insensitive for ASCII letters; the trigram index also folds other letters' case, a scan does not),
/// so FTS5 syntax a user types (`AND`, `NEAR(`, `*`, `:`, `^`, a
/// stray quote) is searched for as text and can never be a query syntax error.
public struct RowSearchQuery: Sendable, Equatable {
    /// The trigram index matches terms of at least this many characters; shorter ones are matched by a scan
    /// of the dataset's indexed text instead.
    public static let minimumIndexedTermLength = 3

    public let terms: [String]

    public init(_ text: String) {
        var terms: [String] = []
        var current = ""
        var inQuotes = false
        func flush() {
            if !current.isEmpty { terms.append(current) }
            current = ""
        }
        for character in text {
            if character == "\"" {
                flush()
                inQuotes.toggle()
            } else if character.isWhitespace && !inQuotes {
                flush()
            } else {
                current.append(character)
            }
        }
        flush()
        var seen = Set<String>()
        self.terms = terms.filter { seen.insert(Self.asciiLowercased($0)).inserted }
    }

    public var isEmpty: Bool { terms.isEmpty }

    /// The FTS5 MATCH expression for the terms the index can match, each an FTS5 string (terms never hold a
    /// double quote, the only character special inside one), joined by AND; nil when every term is too short.
    public var indexedExpression: String? {
        let indexed = terms.filter { $0.count >= Self.minimumIndexedTermLength }
        guard !indexed.isEmpty else { return nil }
        return indexed.map { "\"" + $0 + "\"" }.joined(separator: " AND ")
    }

    /// The terms too short for the trigram index, ASCII-lowercased as SQLite's `lower()` lowercases the text they
    /// are looked for in.
    public var scannedTerms: [String] {
        terms.filter { $0.count < Self.minimumIndexedTermLength }.map(Self.asciiLowercased)
    }

    /// Every term ASCII-lowercased, for a search that scans a dataset's text before its index is built.
    public var lowercasedTerms: [String] { terms.map(Self.asciiLowercased) }

    private static func asciiLowercased(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
        }))
    }
}
