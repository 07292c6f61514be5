/// The text rules behind near-duplicate detection, in one place so the README can state them.
///
/// Normalization: lowercase (Unicode), every punctuation or symbol character becomes a space, then the
/// text is split on whitespace and the words are joined by single spaces. "Hello,  WORLD!" → "hello world".
/// Shingles: every run of `shingleSize` (3) consecutive words; a text of fewer words is one shingle.
public enum NearDuplicateText {
    public static let shingleSize = 3

    public static func normalized(_ text: String) -> String {
        words(text).joined(separator: " ")
    }

    public static func words(_ text: String) -> [Substring] {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return asciiFolded(text).split(whereSeparator: \.isWhitespace) }
        var folded = ""
        folded.reserveCapacity(text.utf8.count)
        for character in text.lowercased() {
            folded.append(character.isPunctuation || character.isSymbol ? " " : character)
        }
        return folded.split(whereSeparator: \.isWhitespace)
    }

    /// The same folding for ASCII text, byte by byte (every printable ASCII character that is not a letter,
    /// a digit or a space is Unicode punctuation or a symbol), which is several times faster.
    static func asciiFolded(_ text: String) -> String {
        String(unsafeUninitializedCapacity: text.utf8.count) { buffer in
            var count = 0
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): buffer[count] = byte + 32
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): buffer[count] = byte
                case 0x21...0x7e: buffer[count] = UInt8(ascii: " ")
                default: buffer[count] = byte
                }
                count += 1
            }
            return count
        }
    }

    /// The distinct shingle hashes of a normalized text, sorted ascending (the form `jaccard` expects).
    public static func shingleHashes(normalized text: String) -> [UInt64] {
        let words = text.split(separator: " ")
        guard words.count > shingleSize else { return [StableHash.of(text)] }
        // A shingle's hash combines its words' hashes in order (no joined string per shingle).
        let wordHashes = words.map { StableHash.of($0) }
        var hashes: [UInt64] = []
        hashes.reserveCapacity(words.count - shingleSize + 1)
        for start in 0...(words.count - shingleSize) {
            var hash: UInt64 = 0
            for word in wordHashes[start..<(start + shingleSize)] { hash = StableHash.mix(hash &* 31 ^ word) }
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
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return mix(hash ^ mix(key))
    }

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
