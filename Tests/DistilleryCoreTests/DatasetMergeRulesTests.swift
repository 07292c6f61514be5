import DistilleryCore
import Testing

struct DatasetMergeRulesTests {
    static func record(
        id: Int64 = 3, mode: DatasetMode = .chat, status: DatasetStatus = .valid, rows: Int = 120, parentID: Int64? = nil
    ) -> DatasetRecord {
        DatasetRecord(
            id: id, name: "d", mode: mode, baseModel: "m", skillPrompt: nil, status: status, byteSize: 1, lineCount: rows,
            rowCount: rows, summary: nil, parentID: parentID, createdAt: 0, updatedAt: 0)
    }

    @Test(arguments: [
        ([3, 7] as [Int64], "merged", [:] as [String: String]),
        ([3, 7, 9], "merged", [:]),
        ([], "merged", ["dataset_ids": "Select at least 2 datasets to merge; got 0."]),
        ([3], "merged", ["dataset_ids": "Select at least 2 datasets to merge; got 1."]),
        ([3, 7, 3], "merged", ["dataset_ids": "Dataset 3 is selected more than once; each dataset can be merged once."]),
        ([3, 7], "", ["name": "Give the merged dataset a name."]),
        ([3, 7], String(repeating: "é", count: 201), ["name": "The name is 201 characters; the limit is 200."]),
        ([3, 7], String(repeating: "é", count: 200), [:]),
        ([7], "", ["dataset_ids": "Select at least 2 datasets to merge; got 1.", "name": "Give the merged dataset a name."]),
    ])
    func requestProblems(ids: [Int64], name: String, expected: [String: String]) {
        #expect(DatasetMergeRules.requestProblems(ids: ids, name: name) == expected)
    }

    @Test(arguments: [
        (record(), nil as String?),
        (record(status: .validWithWarnings), nil),
        (record(status: .readyForTraining), nil),
        // A synthesized child under the 100-row floor is `invalid`, yet its rows merge.
        (record(status: .invalid, rows: 20, parentID: 1), nil),
        (record(status: .invalid, rows: 0), "Dataset 3 has no valid rows to merge."),
        (record(status: .validating, rows: 0), "Dataset 3 is still validating; merge it once its validation has finished."),
        (record(id: 8, mode: .seeds, status: .validSeeds),
            "Dataset 8 is a seeds dataset; only chat datasets can be merged (synthesize it first)."),
    ])
    func ineligibility(record: DatasetRecord, expected: String?) {
        #expect(DatasetMergeRules.ineligibility(record) == expected)
    }

    @Test func theListNamesEveryParentInMergeOrderOrTheSynthesisParent() {
        var merged = Self.record(id: 10)
        merged.mergeParentIDs = [7, 3]
        merged.mergeDuplicatesDropped = 1
        let item = DatasetListItem(merged)
        #expect(item.parents == [7, 3])
        #expect(item.parentLinks == [DatasetParentLink(id: 7, isFirst: true), DatasetParentLink(id: 3, isFirst: false)])
        #expect(item.duplicatesDroppedText == "1 exact duplicate row dropped")
        let child = DatasetListItem(Self.record(id: 11, status: .invalid, rows: 20, parentID: 4))
        #expect(child.parents == [4])
        #expect(child.duplicatesDroppedText == nil)
        #expect(DatasetListView(records: [Self.record(id: 1), Self.record(id: 2, mode: .seeds, status: .validSeeds)]).offersMerge == false)
        #expect(DatasetListView(records: [Self.record(id: 1), Self.record(id: 2)]).offersMerge)
    }
}
