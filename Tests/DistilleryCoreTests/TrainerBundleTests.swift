import Testing
@testable import DistilleryCore

/// The trainer bundle's pure rules: which split files exist, the LLaMA-Factory entry names, the configs
/// that name the files, and the `split` parameter.
struct TrainerBundleTests {
    static func bundle(name: String = "Support replies", _ counts: SplitCounts) -> TrainerBundle {
        TrainerBundle(name: name, datasetID: 3, counts: counts, split: nil, distilleryVersion: "1.2.3", createdAt: 0)
    }

    @Test(arguments: [
        (SplitCounts(train: 24, validation: 3, test: 3), [DatasetSplit.train, .validation, .test]),
        (SplitCounts(train: 10, validation: 0, test: 2), [.train, .test]),
        (SplitCounts(train: 0, validation: 4, test: 0), [.validation]),
        (SplitCounts(train: 0, validation: 0, test: 0), [.train]),
    ])
    func onlyNonEmptySplitsGetAFile(counts: SplitCounts, files: [DatasetSplit]) {
        let bundle = Self.bundle(counts)
        #expect(bundle.splitFiles == files)
        let fileNames = files.map { "\($0.rawValue).jsonl" }
        // Every config names exactly the files there are.
        #expect(bundle.datasetInfo.objectKeys.count == files.count)
        #expect(files.map { bundle.datasetInfo["support_replies_\($0.rawValue)"]?["file_name"]?.stringValue } == fileNames)
        let yamlPaths = bundle.axolotlYAML.split(separator: "\n").filter { $0.hasPrefix("  - path: ") }.map { String($0.dropFirst(10)) }
        #expect(yamlPaths == fileNames)
        let cardPaths = bundle.datasetCard.split(separator: "\n").filter { $0.hasPrefix("    path: ") }.map { String($0.dropFirst(10)) }
        #expect(cardPaths == fileNames)
        #expect(bundle.metadataFiles.map(\.name) == ["dataset_info.json", "axolotl.yaml", "README.md", "provenance.json"])
    }

    @Test(arguments: [
        ("Export me", "export_me"), ("Support-Replies v2 (final)", "support_replies_v2_final"), ("日本 data!", "data"),
        ("!!!", "dataset"), ("", "dataset"),
    ])
    func llamaFactoryEntriesAreNamedAfterTheDataset(name: String, prefix: String) {
        #expect(Self.bundle(name: name, SplitCounts(train: 1, validation: 0, test: 0)).entryPrefix == prefix)
    }

    @Test func theCardMapsEachSplitToItsFileAndTheTestSplitIsEvaluatedNotTrained() {
        let bundle = Self.bundle(SplitCounts(train: 10, validation: 0, test: 2))
        #expect(bundle.datasetCard.hasPrefix("""
            ---
            configs:
            - config_name: default
              data_files:
              - split: train
                path: train.jsonl
              - split: test
                path: test.jsonl
            ---

            # Support replies
            """))
        let yaml = bundle.axolotlYAML
        let trainPart = yaml.components(separatedBy: "test_datasets:\n")
        #expect(trainPart.count == 2)
        #expect(trainPart[0].contains("path: train.jsonl") && !trainPart[0].contains("path: test.jsonl"))
        #expect(trainPart[1].contains("path: test.jsonl") && trainPart[1].contains("split: train"))
        #expect(yaml.components(separatedBy: "roles_to_train:\n      - assistant").count == 3)
    }

    @Test(arguments: [
        (String?.none, DatasetSplit?.none, String?.none), ("", nil, nil), ("train", .train, nil), ("test", .test, nil),
        ("holdout", nil, #"split must be one of train, validation, test; found "holdout""#),
        ("Train", nil, #"split must be one of train, validation, test; found "Train""#),
    ])
    func theSplitParameter(value: String?, split: DatasetSplit?, message: String?) {
        do {
            #expect(try ExportFormat.parseSplit(value) == split)
            #expect(message == nil)
        } catch {
            #expect(error.description == message)
        }
    }
}

extension SynthesisJSON {
    fileprivate var objectKeys: [String] {
        if case .object(let members) = self { return members.map(\.key) }
        return []
    }
}
