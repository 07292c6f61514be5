import Testing
@testable import DistilleryCore

// `CanonicalContains.contains` must answer exactly as `String.contains` (Characters under canonical equivalence), only
// faster: each case states the expected answer and checks both, so a divergence of the fast path fails here.
@Test(arguments: [
    (" i m sorry but i cannot ", " i m sorry but ", true),
    (" i m sorry butter ", " i m sorry but ", false),
    (" café naïve résumé ", " naïve ", true),
    (" cafe\u{301} nai\u{308}ve ", " naïve ", true),  // decomposed text, precomposed key: canonically equal
    (" café naïve ", " nai\u{308}ve ", true),  // precomposed text, decomposed key
    (" i m sorry but\u{301} ", " i m sorry but ", false),  // the mark joins the last letter, so the words differ
    (" 作为一个ai语言模型 ", "作为一个ai语言模型", true),
    ("我无法协助你", "我无法协助", true),
    ("我无法协\u{F900}", "我无法协\u{8C48}", true),  // a CJK compatibility ideograph is its unified one
    ("\u{212A}elvin", "Kelvin", true),  // KELVIN SIGN is canonically "K"
    ("明日までにレポートを", "レポート", true),
    ("レホ\u{309A}ート", "レポート", true),  // ポ decomposed
    (" привет мир ", " мир ", true),
    (" data 😀 export ", " 😀 export ", true),
    ("", "a", false),
] as [(String, String, Bool)])
func canonicalContainsAnswersAsStringContains(text: String, key: String, expected: Bool) {
    #expect(text.contains(key) == expected)
    #expect(CanonicalContains.contains(text, key) == expected)
}

@Test(arguments: [
    ("plain ascii", true), ("café 数据 Привет レポート 😀", true), ("cafe\u{301}", false), ("\u{212A}", false),
    ("\u{F900}", false), ("한국어", false), ("\u{3099}", false),
] as [(String, Bool)])
func onlyTextsWhoseScalarsAreTheirOwnCanonicalFormArePlain(text: String, plain: Bool) {
    #expect(CanonicalContains.isCanonicallyPlain(text) == plain)
}

@Test(arguments: [
    ("abcabd", "abd", true), ("abcabd", "abc", true), ("aaab", "aab", true), ("abababac", "ababac", true),
    ("hello world", "world", true), ("hello world", "hello", true), ("hello world", "word", false), ("ab", "abc", false),
    (" i m sorry bu ", " i m sorry but ", false), ("café", "é", true), ("caf", "é", false), ("x", "", true),
] as [(String, String, Bool)])
func bytesContainFindsTheKeysBytesAnywhere(text: String, key: String, expected: Bool) {
    #expect(CanonicalContains.bytesContain(text, key) == expected)
}

@Test(arguments: [
    ("plain words", true), ("café naïve 数据 привет レポート", true), ("cafe\u{301}", false), ("data 😀", false),
    ("한국어", false), ("\u{0600}x", false),
] as [(String, Bool)])
func onlyTextsWhoseScalarsStandAloneAsCharactersAreGraphemeSimple(text: String, simple: Bool) {
    #expect(CanonicalContains.isGraphemeSimple(text) == simple)
}

// The fast path of `NearDuplicateText.normalized` (one scalar at a time where each is a Character of its own) must
// give what folding Character by Character gives, around every kind of grapheme that spans several scalars.
@Test(arguments: [
    "Café, NAÏVE résumé — déjà vu!", "cafe\u{301} nai\u{308}ve", "e\u{301}\u{301}x", "a,\u{301}b", "x\r\ny", "x\r\n\u{301}y",
    "\n\u{301}start", "\u{301}lead", "数据分析，速度！", "明日までにレポートを", "ガ vs カ\u{3099}", "Привет, мир", "data 😀 export",
    "👍🏽 ok", "👨\u{200D}👩\u{200D}👧 family", "😀\u{200D}© end", "🇫🇷 flag", "한국어 텍스트", "\u{0600}1 prepend", "İstanbul ΣΑΣ",
    "tab\there\u{0085}next", "", "   ", "K\u{212A}elvin",
])
func theScalarFastPathNormalizesAsCharacterByCharacterDoes(text: String) {
    #expect(NearDuplicateText.normalized(text) == NearDuplicateText.normalizedByCharacter(text))
}
