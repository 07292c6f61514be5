/// The writing systems the language-mismatch check tells apart, by Unicode block.
enum Script: String, Sendable, CaseIterable {
    case latin = "Latin", cjk = "CJK", cyrillic = "Cyrillic", greek = "Greek", arabic = "Arabic", hebrew = "Hebrew"
    case devanagari = "Devanagari", thai = "Thai"

    init?(of scalar: Unicode.Scalar) {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF: self = .latin
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF: self = .cjk
        case 0x400...0x52F: self = .cyrillic
        case 0x370...0x3FF: self = .greek
        case 0x600...0x6FF: self = .arabic
        case 0x590...0x5FF: self = .hebrew
        case 0x900...0x97F: self = .devanagari
        case 0xE00...0xE7F: self = .thai
        default: return nil
        }
    }

    /// Its place in `allCases`.
    var index: Int {
        switch self {
        case .latin: 0
        case .cjk: 1
        case .cyrillic: 2
        case .greek: 3
        case .arabic: 4
        case .hebrew: 5
        case .devanagari: 6
        case .thai: 7
        }
    }
}

/// The script most of a text's letters are written in. A CJK character weighs three letters (it carries about
/// a word); a text whose letters weigh under `minimumWeight`, or whose top script has under `minimumShare` of
/// the weight, has no majority and is not compared.
struct ScriptProfile {
    static let minimumWeight = 16
    static let minimumShare = 0.6
    static let cjkWeight = 3

    let majority: Script?

    init(_ text: String) {
        // One counter per script, indexed by its place in `allCases`: a dictionary would hash every letter.
        var weights = [Int](repeating: 0, count: Script.allCases.count)
        for scalar in text.unicodeScalars {
            guard let script = Script(of: scalar) else { continue }
            weights[script.index] += script == .cjk ? Self.cjkWeight : 1
        }
        let total = weights.reduce(0, +)
        // Ties cannot pass the share test (two scripts at the top hold at most half the weight each), so the first is as good.
        guard total >= Self.minimumWeight, let top = weights.indices.max(by: { weights[$0] < weights[$1] }),
              Double(weights[top]) >= Self.minimumShare * Double(total) else {
            majority = nil
            return
        }
        majority = Script.allCases[top]
    }
}
