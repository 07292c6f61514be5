import DistilleryCore
import Testing

struct RowCategoryTests {
    @Test(arguments: [
        (nil, nil), ("", nil), ("not json", nil), ("{}", nil), (#"{"category":"billing"}"#, "billing"),
        (#"{"category":""}"#, nil), (#"{"category":3}"#, nil),
        (#"{"generation":{"stratum":"topic=outages, tone=formal","values":{"topic":"outages"}}}"#, "topic=outages, tone=formal"),
        (#"{"category":"billing","generation":{"stratum":"topic=outages"}}"#, "billing"),
        (#"{"generation":{"stratum":""}}"#, nil), (#"{"synthesis":{"model":"qwen"}}"#, nil),
    ] as [(String?, String?)])
    func theCategoryIsTheMetadataCategoryElseTheGenerationStratum(metadata: String?, expected: String?) {
        #expect(RowCategory.of(metadata: metadata) == expected)
    }
}
