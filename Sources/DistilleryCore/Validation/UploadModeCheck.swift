/// Recognises a file uploaded in the wrong mode (a chat file as seeds, or seeds as chat) from its first lines,
/// so the form says so once instead of one `missing_input` error per line.
public enum UploadModeCheck {
    /// How much of the file's start is read.
    public static let sampleBytes = 65_536
    /// At most this many non-blank lines are looked at.
    public static let sampleLines = 5

    /// Nil when the sample fits `mode` (or cannot tell); otherwise the sentence to show by the file field.
    /// Every complete, parseable line of the sample must look like the other mode.
    public static func mismatch(mode: DatasetMode, sample: [UInt8]) -> String? {
        var looksChat = 0
        var looksSeeds = 0
        var checked = 0
        var lines = sample.split(separator: 10, omittingEmptySubsequences: true)
        if sample.count >= sampleBytes, sample.last != 10 { lines = lines.dropLast() }  // the last line may be cut
        for line in lines where checked < sampleLines {
            let trimmed = Array(line).filter { $0 != 13 }
            guard !trimmed.allSatisfy({ $0 == 32 || $0 == 9 }) else { continue }
            checked += 1
            guard let json = try? SynthesisJSON.parse(trimmed), case .object = json else { return nil }
            let hasMessages = json["messages"] != nil
            let hasInput = json["input"] != nil
            if hasMessages && !hasInput { looksChat += 1 } else if hasInput && !hasMessages { looksSeeds += 1 } else { return nil }
        }
        guard checked > 0 else { return nil }
        switch mode {
        case .seeds where looksChat == checked:
            return "This looks like a chat-format file ({\"messages\": [...]} per line); pick Upload (chat format)."
        case .chat where looksSeeds == checked:
            return "This looks like a seeds file ({\"input\": \"...\"} per line); pick Seeds + skill prompt."
        default:
            return nil
        }
    }
}
