/// A row's category, for the balance check, the explorer's `?category=` and an evaluation's breakdown: the metadata's
/// own `category` when it is a string, else the stratum generation recorded (`{"generation": {"stratum":
/// "topic=billing"}}`), else none. The explorer's SQL (`COALESCE(json_extract(meta, '$.category'),
/// json_extract(meta, '$.generation.stratum'))`) applies the same rule.
public enum RowCategory {
    public static func of(metadata: String?) -> String? {
        guard let metadata, let object = try? SynthesisJSON.parse(metadata) else { return nil }
        if let category = object["category"]?.stringValue, !category.isEmpty { return category }
        if let stratum = object["generation"]?["stratum"]?.stringValue, !stratum.isEmpty { return stratum }
        return nil
    }
}
