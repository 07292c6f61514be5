import Foundation

/// Writes a realistic chat-format JSONL file: varied lengths, some non-ASCII (accents, CJK, emoji),
/// escapes, a few multi-turn and legacy-`completion` rows, and a few deliberately invalid lines.
/// Streams through a 1 MiB buffer so generation does not inflate the memory figures.
enum ChatFileGenerator {
    struct Result {
        var bytes = 0
        var lines = 0
        var invalidLines = 0
    }

    static let systemPrompts = [
        "You are a marketing copywriter for a SaaS analytics product.",
        "You are a customer-support agent. Be concise and reassuring.",
        "You are a senior code reviewer. Point out bugs first, style last.",
        "You translate English to formal Japanese.",
        "You are a helpful assistant that answers with \\\"short\\\" bullet lists.\\nNever exceed five bullets.",
    ]
    static let words = [
        "data", "dashboard", "export", "speed", "customer", "the", "a", "of", "report", "query", "latency",
        "pipeline", "insight", "team", "quarterly", "revenue", "filter", "smart", "download", "timeout",
        "analytics", "metric", "cohort", "retention", "funnel", "segment", "why", "how", "should", "could",
        "café", "naïve", "résumé", "déjà", "Zürich", "señor",
    ]
    static let nonLatin = ["明日までに", "レポートを", "お送りいただけますでしょうか", "数据", "分析", "速度", "😀", "🚀", "✅", "Привет", "ありがとう"]

    /// `answerScale` stretches every assistant answer (1: the validation benchmark's rows, about 1.9 KB each); the file
    /// ends at `targetBytes` or after `maxLines` lines, whichever comes first.
    static func write(path: String, targetBytes: Int, answerScale: Double = 1, maxLines: Int = .max) throws -> Result {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw PythonReference.Failure(description: "cannot create \(path)")
        }
        defer { try? handle.close() }
        var random = SplitMix64(seed: 0x5EED)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20 + 1 << 16)
        var result = Result()
        var row: [UInt8] = []
        while result.bytes < targetBytes && result.lines < maxLines {
            row.removeAll(keepingCapacity: true)
            let lineNumber = result.lines + 1
            if lineNumber % 997 == 0 {
                appendInvalidRow(&row, kind: lineNumber / 997 % 3, random: &random)
                result.invalidLines += 1
            } else {
                appendValidRow(&row, random: &random, answerScale: answerScale)
            }
            row.append(0x0A)
            buffer.append(contentsOf: row)
            result.bytes += row.count
            result.lines += 1
            if buffer.count >= 1 << 20 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: buffer)
        return result
    }

    private static func appendValidRow(_ row: inout [UInt8], random: inout SplitMix64, answerScale: Double) {
        let shape = random.next() % 100
        let system = systemPrompts[Int(random.next() % UInt64(systemPrompts.count))]
        append(&row, "{\"messages\":[{\"role\":\"system\",\"content\":\"\(system)\"}")
        let turns = shape < 5 ? 2 : 1
        for turn in 0..<turns {
            append(&row, ",{\"role\":\"user\",\"content\":\"")
            appendText(&row, words: 8 + Int(random.next() % 60), random: &random)
            append(&row, "\"}")
            if shape >= 95 && turn == turns - 1 { break }  // legacy completion follows
            append(&row, ",{\"role\":\"assistant\",\"content\":\"")
            appendText(&row, words: Int(Double(30 + Int(random.next() % 300)) * answerScale), random: &random)
            append(&row, "\"}")
        }
        append(&row, "]")
        if shape >= 95 {
            append(&row, ",\"completion\":\"")
            appendText(&row, words: Int(Double(30 + Int(random.next() % 300)) * answerScale), random: &random)
            append(&row, "\"")
        }
        append(&row, "}")
    }

    private static func appendInvalidRow(_ row: inout [UInt8], kind: Int, random: inout SplitMix64) {
        switch kind {
        case 0:  // trailing comma
            append(&row, "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"},]}")
        case 1:  // no assistant turn
            append(&row, "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"")
            appendText(&row, words: 20, random: &random)
            append(&row, "\"}]}")
        default:  // empty content
            append(&row, "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"\"},{\"role\":\"assistant\",\"content\":\"ok\"}]}")
        }
    }

    private static func appendText(_ row: inout [UInt8], words count: Int, random: inout SplitMix64) {
        let flavour = random.next() % 20
        for index in 0..<count {
            if index > 0 {
                let separator = random.next() % 40
                append(&row, separator == 0 ? "\\n\\n" : separator == 1 ? ", " : separator == 2 ? ". " : " ")
            }
            if flavour == 0 && random.next() % 3 == 0 {
                append(&row, nonLatin[Int(random.next() % UInt64(nonLatin.count))])
            } else if random.next() % 200 == 0 {
                append(&row, "\\\"quoted\\\" \\u00e9t\\u00e9 \\ud83d\\ude00")
            } else {
                append(&row, words[Int(random.next() % UInt64(words.count))])
            }
        }
        append(&row, " #\(random.next() % 1_000_000_007)")  // keeps user contents unique
    }

    private static func append(_ row: inout [UInt8], _ text: String) {
        row.append(contentsOf: text.utf8)
    }
}

/// Small deterministic generator so every run writes the same file.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
