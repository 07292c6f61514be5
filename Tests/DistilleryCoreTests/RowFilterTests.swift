import DistilleryCore
import Testing

private func filter(_ query: [String: String]) throws(AppError) -> RowFilter {
    try RowFilter(parameter: { query[$0] })
}

struct RowFilterTests {
    @Test(arguments: [
        ([:], RowFilter()),
        (["q": "refund policy"], RowFilter(query: "refund policy")),
        (["q": "  ", "split": "", "flag": "", "min_score": ""], RowFilter()),
        (["split": "validation"], RowFilter(split: .validation)),
        (["flag": "refusals"], RowFilter(flag: "refusals")),
        (["flag": "any"], RowFilter(flag: "any")),
        (["flag": "none"], RowFilter(flag: "none")),
        (["min_score": "1"], RowFilter(minScore: 1)),
        (["min_score": "5"], RowFilter(minScore: 5)),
        (["category": "topic=billing"], RowFilter(category: "topic=billing")),
        (["min_length": "0", "max_length": "0"], RowFilter(minLength: 0, maxLength: 0)),
        (["min_length": "20", "max_length": "400"], RowFilter(minLength: 20, maxLength: 400)),
        (["review": "edited"], RowFilter(review: .edited)),
        (["review": "unreviewed"], RowFilter(review: .unreviewed)),
        (["representatives": "1"], RowFilter(representativesOnly: true)),
        (["representatives": "true"], RowFilter(representativesOnly: true)),
        (["representatives": "0"], RowFilter()),
        (["split": "train", "flag": "none", "min_score": "4", "representatives": "1"],
         RowFilter(split: .train, flag: "none", minScore: 4, representativesOnly: true)),
    ] as [([String: String], RowFilter)])
    func validParametersMakeTheFilter(query: [String: String], expected: RowFilter) throws {
        #expect(try filter(query) == expected)
    }

    @Test(arguments: [
        (["q": String(repeating: "a", count: 201)], "q must be at most 200 characters; got 201."),
        (["split": "dev"], "split must be train, validation or test; got \"dev\"."),
        (["flag": "spam"], "flag must be any, none or a check (\(QualityCheck.allCases.map(\.rawValue).joined(separator: ", "))); got \"spam\"."),
        (["min_score": "0"], "min_score must be a whole number from 1 to 5; got \"0\"."),
        (["min_score": "6"], "min_score must be a whole number from 1 to 5; got \"6\"."),
        (["min_score": "4.5"], "min_score must be a whole number from 1 to 5; got \"4.5\"."),
        (["category": String(repeating: "c", count: 201)], "category must be at most 200 characters; got 201."),
        (["min_length": "-1"], "min_length must be a whole number from 0 to 10000000; got \"-1\"."),
        (["max_length": "ten"], "max_length must be a whole number from 0 to 10000000; got \"ten\"."),
        (["max_length": "10000001"], "max_length must be a whole number from 0 to 10000000; got \"10000001\"."),
        (["min_length": "50", "max_length": "10"], "max_length must be at least min_length (50); got 10."),
        (["review": "approved"], "review must be one of accepted, rejected, edited, unreviewed; got \"approved\"."),
        (["representatives": "yes"], "representatives must be 1 or 0; got \"yes\"."),
    ] as [([String: String], String)])
    func eachBadParameterIsABadRequestNamingItAndItsLimit(query: [String: String], message: String) {
        #expect(throws: AppError.badRequest(message)) { try filter(query) }
    }

    @Test func parametersRoundTripInAFixedOrder() throws {
        let query = [
            "representatives": "1", "review": "accepted", "max_length": "900", "min_length": "10", "category": "billing",
            "min_score": "4", "flag": "none", "split": "test", "q": "“退款” refund",
        ]
        let parsed = try filter(query)
        #expect(parsed.parameters.map(\.name) == [
            "q", "split", "flag", "min_score", "category", "min_length", "max_length", "review", "representatives",
        ])
        let again = try filter(Dictionary(uniqueKeysWithValues: parsed.parameters.map { ($0.name, $0.value) }))
        #expect(again == parsed)
        #expect(!parsed.isEmpty)
        #expect(RowFilter().isEmpty && RowFilter().parameters.isEmpty)
    }

    @Test(arguments: [
        (RowFilter(), "all rows"),
        (RowFilter(flag: "none", minScore: 4, representativesOnly: true), "no flags · score ≥ 4 · representatives only"),
        (RowFilter(query: "refund", split: .train, flag: "refusals", category: "billing"),
         "matching “refund” · train split · flagged: refusals · category billing"),
        (RowFilter(flag: "any", minLength: 10), "flagged · answer ≥ 10 characters"),
        (RowFilter(maxLength: 300, review: .accepted), "answer ≤ 300 characters · accepted"),
        (RowFilter(minLength: 10, maxLength: 300, review: .unreviewed), "answer 10–300 characters · unreviewed"),
    ] as [(RowFilter, String)])
    func theSummarySaysTheFilterInWords(filter: RowFilter, expected: String) {
        #expect(filter.summary == expected)
    }
}

struct RowSearchQueryTests {
    @Test(arguments: [
        ("refund", ["refund"], "\"refund\"", [String]()),
        ("  refund   policy ", ["refund", "policy"], "\"refund\" AND \"policy\"", []),
        ("\"refund policy\" now", ["refund policy", "now"], "\"refund policy\" AND \"now\"", []),
        ("我想退款 退款", ["我想退款", "退款"], "\"我想退款\"", ["退款"]),
        ("Refund refund REFUND", ["Refund"], "\"Refund\"", []),
        ("a OR b", ["a", "OR", "b"], nil, ["a", "or", "b"]),
        ("NEAR(refund policy) col:x* ^start", ["NEAR(refund", "policy)", "col:x*", "^start"],
         "\"NEAR(refund\" AND \"policy)\" AND \"col:x*\" AND \"^start\"", []),
        ("half \"quoted", ["half", "quoted"], "\"half\" AND \"quoted\"", []),
        ("\"\"", [], nil, []),
        ("", [], nil, []),
    ] as [(String, [String], String?, [String])])
    func typedTextBecomesLiteralTerms(text: String, terms: [String], expression: String?, scanned: [String]) {
        let query = RowSearchQuery(text)
        #expect(query.terms == terms)
        #expect(query.indexedExpression == expression)
        #expect(query.scannedTerms == scanned)
        #expect(query.isEmpty == terms.isEmpty)
    }
}
