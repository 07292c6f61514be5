/// The shapes a chat dataset can be downloaded in (README "Exports").
public enum ExportFormat: String, CaseIterable, Sendable {
    case openai, json, csv, sharegpt, alpaca
    /// A `.zip` for trainers (`TrainerBundle`): its split files hold `openai` rows.
    case bundle

    public static let `default` = ExportFormat.openai

    /// Ends the download's filename: `name-3.jsonl`, `name-3-sharegpt.jsonl`, …
    public var filenameSuffix: String {
        switch self {
        case .openai: ".jsonl"
        case .json: ".json"
        case .csv: ".csv"
        case .sharegpt: "-sharegpt.jsonl"
        case .alpaca: "-alpaca.jsonl"
        case .bundle: "-bundle.zip"
        }
    }

    public var contentType: String {
        switch self {
        case .openai, .sharegpt, .alpaca: "application/jsonl; charset=utf-8"
        case .json: "application/json; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        case .bundle: "application/zip"
        }
    }

    /// What the Export menu says about each format.
    public var label: String {
        switch self {
        case .openai: "OpenAI messages (JSONL)"
        case .json: "JSON array"
        case .csv: "CSV"
        case .sharegpt: "ShareGPT (JSONL)"
        case .alpaca: "Alpaca (JSONL)"
        case .bundle: "Trainer bundle (.zip)"
        }
    }

    /// Bytes before the first row (the CSV header, the JSON array's opening bracket).
    public var header: [UInt8] {
        switch self {
        case .json: Array("[".utf8)
        case .csv: Array("split,system,user,assistant,messages\r\n".utf8)
        case .openai, .sharegpt, .alpaca, .bundle: []
        }
    }

    /// Bytes after the last row.
    public var footer: [UInt8] {
        self == .json ? Array("\n]\n".utf8) : []
    }

    /// Parses a `format` query value or CLI flag; nil means absent (the default applies).
    public static func parse(_ value: String?) throws(ExportError) -> ExportFormat {
        guard let value, !value.isEmpty else { return .default }
        guard let format = ExportFormat(rawValue: value) else {
            throw .unknownFormat(value)
        }
        return format
    }

    /// Parses a `split` query value or CLI flag; nil means absent (every row).
    public static func parseSplit(_ value: String?) throws(ExportError) -> DatasetSplit? {
        guard let value, !value.isEmpty else { return nil }
        guard let split = DatasetSplit(rawValue: value) else { throw .unknownSplit(value) }
        return split
    }

    /// Appends one row in this format. `isFirst` places the JSON array's separators; `split` fills the
    /// CSV `split` column (nil until the dataset is split: the cell is then empty).
    public func appendRow(_ messages: [ExportMessage], split: String?, isFirst: Bool, to out: inout [UInt8]) throws(ExportError) {
        switch self {
        case .openai, .bundle:
            ExportLineWriter.appendOpenAI(messages, to: &out)
            out.append(0x0A)
        case .json:
            out.append(contentsOf: isFirst ? Array("\n".utf8) : Array(",\n".utf8))
            ExportLineWriter.appendOpenAI(messages, to: &out)
        case .csv:
            ExportLineWriter.appendCSV(messages, split: split, to: &out)
        case .sharegpt:
            ExportLineWriter.appendShareGPT(messages, to: &out)
            out.append(0x0A)
        case .alpaca:
            try ExportLineWriter.appendAlpaca(messages, to: &out)
            out.append(0x0A)
        }
    }
}

public enum ExportError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownFormat(String)
    case unknownSplit(String)
    /// The stored row is not the normalized `{"messages":[{"role","content"}…]}` shape.
    case malformedRow(String)
    /// Alpaca holds user/assistant pairs only.
    case notAlternating

    public var description: String {
        switch self {
        case .unknownFormat(let value):
            "format must be one of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")); found \"\(value)\""
        case .unknownSplit(let value):
            "split must be one of \(DatasetSplit.allCases.map(\.rawValue).joined(separator: ", ")); found \"\(value)\""
        case .malformedRow(let reason):
            "the row is not a normalized chat row: \(reason)"
        case .notAlternating:
            "alpaca needs each conversation as an optional system message then user, assistant, user, assistant, …"
        }
    }
}
