/// The text rules behind near-duplicate detection, in one place so the README can state them.
///
/// Normalization: lowercase (Unicode), every punctuation or symbol character becomes a space, then the
/// text is split on whitespace and the words are joined by single spaces. "Hello,  WORLD!" → "hello world".
/// Shingles: every run of `shingleSize` (3) consecutive words; a text of at most that many words is one shingle
/// (its whole text). Short texts such as failure phrases may ask for a smaller size (`FailureModeClustering` uses 1).
public enum NearDuplicateText {
    public static let shingleSize = 3

    public static func normalized(_ text: String) -> String {
        var folded = FoldedText(capacity: text.utf8.count)
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            for byte in text.utf8 { folded.appendASCII(byte) }
        } else {
            // Character by character: a character's first scalar decides (as `Character.isPunctuation`,
            // `isSymbol` and `isWhitespace` do), so a flag or an accented "!" is one separator. A scalar that
            // stands alone (`standsAlone`) followed by another such scalar is a whole Character by itself, so it is
            // folded without the cost of finding grapheme boundaries.
            let scalars = text.unicodeScalars
            var index = scalars.startIndex
            while index < scalars.endIndex {
                let scalar = scalars[index]
                let next = scalars.index(after: index)
                if Self.standsAlone(scalar), next == scalars.endIndex || Self.standsAlone(scalars[next]) {
                    folded.fold(scalar)
                    index = next
                } else {
                    folded.fold(text[index])
                    index = text.index(after: index)
                }
            }
        }
        return String(decoding: folded.bytes, as: UTF8.self)
    }

    /// The rule the fast path of `normalized` must match: every Character folded by its first scalar.
    static func normalizedByCharacter(_ text: String) -> String {
        var folded = FoldedText(capacity: text.utf8.count)
        for character in text { folded.fold(character) }
        return String(decoding: folded.bytes, as: UTF8.self)
    }

    /// A scalar that forms a Character of its own when the next scalar is one too: no combining mark, joiner,
    /// prepended or extending scalar, Hangul, regional indicator or emoji. CR LF is one Character, but both are
    /// whitespace, so folding them apart gives the same text.
    @inline(__always)
    private static func standsAlone(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x2FF, 0x400...0x482, 0x48A...0x52F, 0x3041...0x3096, 0x30A0...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF: true
        default: false
        }
    }

    public static func words(_ text: String) -> [Substring] {
        normalized(text).split(separator: " ")
    }

    /// The distinct shingle hashes of a normalized text, sorted ascending (the form `jaccard` expects): runs of `size`
    /// consecutive words, or the whole text's hash when it has at most `size` words.
    public static func shingleHashes(normalized text: String, size: Int = shingleSize) -> [UInt64] {
        // Word hashes straight from the UTF-8 bytes (the words are separated by single spaces); a shingle's
        // hash combines its words' hashes in order, so no string is built per word or shingle.
        var wordHashes: [UInt64] = []
        var hash = StableHash.fnvOffset
        var inWord = false
        for byte in text.utf8 {
            if byte == 0x20 {
                if inWord { wordHashes.append(StableHash.finish(hash)) }
                hash = StableHash.fnvOffset
                inWord = false
            } else {
                hash = StableHash.fnvStep(hash, byte)
                inWord = true
            }
        }
        if inWord { wordHashes.append(StableHash.finish(hash)) }
        guard wordHashes.count > size else { return [StableHash.of(text)] }
        var hashes: [UInt64] = []
        hashes.reserveCapacity(wordHashes.count - size + 1)
        for start in 0...(wordHashes.count - size) {
            var hash: UInt64 = 0
            for word in wordHashes[start..<(start + size)] { hash = StableHash.mix(hash &* 31 ^ word) }
            hashes.append(hash)
        }
        hashes.sort()
        var unique: [UInt64] = []
        unique.reserveCapacity(hashes.count)
        for hash in hashes where unique.last != hash { unique.append(hash) }
        return unique
    }

    /// Exact Jaccard similarity |A ∩ B| / |A ∪ B| of two sorted, distinct hash sets.
    public static func jaccard(_ lhs: ArraySlice<UInt64>, _ rhs: ArraySlice<UInt64>) -> Double {
        if lhs.isEmpty && rhs.isEmpty { return 1 }
        var left = lhs.startIndex, right = rhs.startIndex, shared = 0
        while left < lhs.endIndex && right < rhs.endIndex {
            if lhs[left] == rhs[right] {
                shared += 1; left += 1; right += 1
            } else if lhs[left] < rhs[right] {
                left += 1
            } else {
                right += 1
            }
        }
        return Double(shared) / Double(lhs.count + rhs.count - shared)
    }
}

/// A 64-bit hash that is the same on every machine and every run (Swift's `Hasher` is seeded per process):
/// FNV-1a over the UTF-8 bytes, finished with the SplitMix64 mixer, optionally keyed.
public enum StableHash {
    public static func of(_ text: some StringProtocol, key: UInt64 = 0) -> UInt64 {
        var hash = fnvOffset
        for byte in text.utf8 { hash = fnvStep(hash, byte) }
        return finish(hash, key: key)
    }

    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always)
    static func fnvStep(_ hash: UInt64, _ byte: UInt8) -> UInt64 { (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }

    @inline(__always)
    static func finish(_ hash: UInt64, key: UInt64 = 0) -> UInt64 { mix(hash ^ mix(key)) }

    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

extension NearDuplicateText {
    /// The user turns of a normalized chat row (`{"messages":[…]}`), joined by newlines: the text whose
    /// duplicates must not straddle splits.
    public static func userTurns(ofChatRow json: [UInt8]) -> String {
        guard let messages = try? SynthesisJSON.parse(json)["messages"], case .array(let items) = messages else { return "" }
        return items.compactMap { message -> String? in
            guard message["role"] == .string("user"), case .string(let content)? = message["content"] else { return nil }
            return content
        }.joined(separator: "\n")
    }
}

/// The normalized text as it is built: lowercase words joined by single spaces, every punctuation or symbol
/// character and every run of whitespace a separator.
private struct FoldedText {
    var bytes: [UInt8] = []
    private var separatorPending = false

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func separate() { separatorPending = !bytes.isEmpty }

    /// One Character: a separator when its first scalar separates, else its scalars lowercased.
    mutating func fold(_ character: Character) {
        let scalars = character.unicodeScalars
        if separates(scalars[scalars.startIndex]) {
            separate()
        } else {
            for scalar in scalars { appendLowercased(scalar) }
        }
    }

    /// A Character of one scalar.
    mutating func fold(_ scalar: Unicode.Scalar) {
        if separates(scalar) { separate() } else { appendLowercased(scalar) }
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if separatorPending {
            bytes.append(0x20)
            separatorPending = false
        }
        bytes.append(byte)
    }

    /// Every printable ASCII character that is not a letter, a digit or a space is Unicode punctuation or a
    /// symbol; tab to carriage return and space are whitespace; other control characters are kept.
    @inline(__always)
    mutating func appendASCII(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): append(byte + 32)
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): append(byte)
        case 0x09...0x0d, 0x20...0x7e: separate()
        default: append(byte)
        }
    }

    /// True when a character starting with `scalar` is punctuation, a symbol or whitespace.
    func separates(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let byte = UInt8(scalar.value)
            return (0x09...0x0d).contains(byte) || ((0x20...0x7e).contains(byte) && !byte.isASCIIAlphanumeric)
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return properties.isWhitespace
        }
    }

    mutating func appendLowercased(_ scalar: Unicode.Scalar) {
        if scalar.isASCII {
            let byte = UInt8(scalar.value)
            return append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
        }
        for byte in scalar.properties.lowercaseMapping.utf8 { append(byte) }
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
