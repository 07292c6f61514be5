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
        var folded = ""
        folded.reserveCapacity(text.utf8.count)
        for character in text.lowercased() {
            folded.append(character.isPunctuation || character.isSymbol ? " " : character)
        }
        return folded.split(whereSeparator: \.isWhitespace)
    }

    /// The distinct shingle hashes of a normalized text, sorted ascending (the form `jaccard` expects).
    public static func shingleHashes(normalized text: String) -> [UInt64] {
        let words = text.split(separator: " ")
        guard words.count > shingleSize else { return [StableHash.of(text)] }
        var hashes: [UInt64] = []
        hashes.reserveCapacity(words.count - shingleSize + 1)
        for start in 0...(words.count - shingleSize) {
            hashes.append(StableHash.of(words[start..<(start + shingleSize)].joined(separator: " ")))
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
