import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryTestSupport
import Foundation
import Testing

/// A synthesized child is split by its recipe's (or its run's) distribution when it is built, end to end against
/// the fake teacher; the training floor then counts its train split.
@Suite(.serialized)
struct SynthesisChildSplitTests {
    typealias S = SynthesisTests
    typealias R = RecipeRunTests

    static func childSplits(_ test: TestApp, job: [String: Any]) throws -> (child: Int64, splits: [String: Any], dataset: [String: Any]) {
        let child = try #require((job["childDatasetID"] as? NSNumber)?.int64Value)
        let detail = try test.json("/api/datasets/\(child)")
        return (child, try #require(detail["splits"] as? [String: Any]), try #require(detail["dataset"] as? [String: Any]))
    }

    @Test func aRecipesDistributionAndSeedSplitTheChildWhenItIsBuilt() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "2"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let recipe = #"""
            {"name": "Split 80/10/10", "teacher": {"provider": "openai-compatible", "model": "fake-teacher", "baseURL": "\#(teacher.baseURL)/v1"},
             "sampling": {"temperature": 0.3, "maxNewTokens": 300, "seed": 7}, "pacing": {"maxInFlight": 8, "requestTimeoutSeconds": 5},
             "datasetDistribution": {"train": 0.8, "validation": 0.1, "test": 0.1}}
            """#
        let recipeID = try R.createRecipe(test, recipe)
        let parent = try R.seedsDataset(test, count: 30, name: "seeds to split")
        let browser = BrowserSession(test)
        try browser.signIn()
        let dialog = try browser.get("/datasets/\(parent)/synthesize?recipe_id=\(recipeID)").text
        #expect(dialog.contains(#"name="split_train" min="0" max="1" step="any" value="0.8""#))
        #expect(dialog.contains(#"name="split_test" min="0" max="1" step="any" value="0.1""#))
        #expect(dialog.contains("30 seeds can make at most 30 rows, 24 of them in the train split; training needs at least 100 train rows."))
        let job = try S.waitForJob(test, try S.jobID(try R.startJSON(test, dataset: parent, ["recipe_id": recipeID, "api_key": S.teacherKey])))
        #expect(job["status"] as? String == "completed")
        #expect((job["runAgainFields"] as? [String: String])?["split_validation"] == "0.1")

        let (child, splits, dataset) = try Self.childSplits(test, job: job)
        #expect(splits["isSplit"] as? Bool == true)
        #expect(splits["settingsText"] as? String == "train 80%, validation 10%, test 10% · seed 7 · near duplicates at word-shingle Jaccard ≥ 0.8")
        #expect(splits["crossSplitPairs"] as? Int == 0)
        let parts = try #require(splits["parts"] as? [[String: Any]])
        #expect(parts.map { $0["quota"] as? Int } == [24, 3, 3])
        #expect(parts.map { $0["rows"] as? Int } == [24, 3, 3], "30 distinct seeds: no group bends the quotas")
        for (name, rows) in zip(["train", "validation", "test"], [24, 3, 3]) {
            let page = try test.json("/api/datasets/\(child)/rows?split=\(name)&per_page=100")
            #expect((page["items"] as? [[String: Any]])?.count == rows, "\(name)")
        }
        // 30 rows: the floor counts the train split's 24.
        let readiness = try #require(dataset["readiness"] as? [String: Any])
        #expect(readiness["summary"] as? String == "24 train rows; 76 more needed to train, minimum 100.")
        #expect(dataset["statusLabel"] as? String == "Not yet trainable")
    }

    @Test func aRunsOwnDistributionSplitsTheChildEvenAllTrainAndWithoutOneItIsNotSplit() throws {
        let teacher = try FakeTeacherProcess(["--api-key", S.teacherKey, "--latency-ms", "2"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try R.seedsDataset(test, count: 12, name: "seeds")

        let refused = try S.start(test, dataset: parent, teacher: teacher, extra: ["split_train": "0.7"])
        #expect(refused.status == 422)
        #expect(try R.fieldErrors(refused)["split_fractions"] == "train + validation + test must sum to 1; got 0.7")

        let allTrain = try S.waitForJob(
            test, try S.jobID(try S.start(
                test, dataset: parent, teacher: teacher, extra: ["split_train": "1", "split_validation": "0", "split_test": "0", "seed": "5"])))
        let (_, splits, _) = try Self.childSplits(test, job: allTrain)
        #expect(splits["isSplit"] as? Bool == true, "100/0/0 still records the split")
        #expect(splits["settingsText"] as? String == "train 100%, validation 0%, test 0% · seed 5 · near duplicates at word-shingle Jaccard ≥ 0.8")
        #expect((splits["parts"] as? [[String: Any]])?.map { $0["rows"] as? Int } == [12, 0, 0])

        let unsplit = try S.waitForJob(test, try S.jobID(try S.start(test, dataset: parent, teacher: teacher)))
        #expect(try Self.childSplits(test, job: unsplit).splits["isSplit"] as? Bool == false)
    }
}
