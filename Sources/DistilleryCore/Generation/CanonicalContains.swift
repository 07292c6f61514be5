/// `String.contains(_:)` compares Characters under canonical equivalence, walking both texts grapheme by grapheme: the
/// data checks' hot spot when it runs a few dozen times per answer. `contains` gives the same answer faster. When both
/// texts hold only canonically plain scalars (`isCanonicallyPlain`), a Character match implies a match of the UTF-8
/// bytes, so no byte match means no match. Otherwise, and to confirm a byte match (a grapheme may straddle its ends),
/// it asks `String.contains` itself.
enum CanonicalContains {
    static func contains(_ text: String, _ key: String, textIsPlain: Bool, keyIsPlain: Bool) -> Bool {
        if textIsPlain && keyIsPlain && !bytesContain(text, key) { return false }
        return text.contains(key)
    }

    static func contains(_ text: String, _ key: String) -> Bool {
        contains(text, key, textIsPlain: isCanonicallyPlain(text), keyIsPlain: isCanonicallyPlain(key))
    }

    /// True when every scalar of `text` lies in a range whose characters are their own canonical form, have combining
    /// class 0 and compose with nothing that is also plain (ASCII, Latin-1, Latin Extended-A and -B, Cyrillic letters,
    /// CJK ideographs, kana, CJK symbols, full-width forms, emoji). Two such texts are canonically equivalent only when
    /// their scalars are equal. Combining marks, Hangul, the singletons (U+212A KELVIN SIGN, the CJK compatibility
    /// ideographs…) and anything else are not plain.
    static func isCanonicallyPlain(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 } || text.unicodeScalars.allSatisfy(isPlain)
    }

    private static func isPlain(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x2FF,  // ASCII, Latin-1, Latin Extended-A and -B, IPA, spacing modifiers
            0x400...0x482, 0x48A...0x52F,  // Cyrillic letters (not the combining titlo marks)
            0x3000...0x3029, 0x3030...0x303F,  // CJK symbols and punctuation (not the combining tone marks)
            0x3041...0x3096, 0x30A0...0x30FF,  // hiragana and katakana (not the combining voicing marks)
            0x3400...0x4DBF, 0x4E00...0x9FFF,  // CJK unified ideographs
            0xFF01...0xFFEF,  // half-width and full-width forms
            0x1F300...0x1FAFF:  // emoji
            true
        default: false
        }
    }

    /// True when every scalar of `text` is one that always forms a Character of its own (no combining mark, joiner,
    /// prepended or extending scalar, Hangul or emoji can follow or precede it in one grapheme): ASCII, Latin-1 and
    /// Latin Extended, Cyrillic letters, CJK ideographs and kana. CR LF is one Character, but both are whitespace.
    static func isGraphemeSimple(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 } || text.unicodeScalars.allSatisfy { scalar in
            switch scalar.value {
            case 0x00...0x2FF, 0x400...0x482, 0x48A...0x52F, 0x3041...0x3096, 0x30A0...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF: true
            default: false
            }
        }
    }

    /// Whether `key`'s UTF-8 bytes occur in `text`'s (Boyer-Moore-Horspool: a window whose last byte does not occur
    /// early in the key moves on by the key's length).
    static func bytesContain(_ text: String, _ key: String) -> Bool {
        var text = text, key = key
        return text.withUTF8 { haystack in
            key.withUTF8 { needle in
                let length = needle.count
                guard length > 0 else { return true }
                guard length <= haystack.count else { return false }
                var shift = [Int](repeating: length, count: 256)
                for offset in 0..<(length - 1) { shift[Int(needle[offset])] = length - 1 - offset }
                var end = length - 1
                while end < haystack.count {
                    var matched = 0
                    while matched < length && haystack[end - matched] == needle[length - 1 - matched] { matched += 1 }
                    if matched == length { return true }
                    end += shift[Int(haystack[end])]
                }
                return false
            }
        }
    }
}
