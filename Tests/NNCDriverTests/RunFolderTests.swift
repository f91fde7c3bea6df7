import Foundation
import Testing

/// A run folder named in place of the model file, from another working directory than the
/// one the run was trained in.
@Suite(.serialized) struct RunFolderTests {
    /// Trained as `nnc train project/iris.yaml` (a relative spec path whose data path is
    /// relative to the spec) and evaluated from elsewhere: the spec path resolves from the
    /// folder the run was trained in, so its data are found and the figures agree.
    @Test func aRunFolderWorksFromAnotherWorkingDirectory() throws {
        let s = try Scratch()
        try FileManager.default.createDirectory(atPath: s.path("project/data"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Repo.models.appendingPathComponent("data/iris.csv").path, toPath: s.path("project/data/iris.csv"))
        let yaml = TrainingTests.iris.replacingOccurrences(of: "DATA/iris.csv", with: "data/iris.csv")
        _ = try s.write("project/iris.yaml", yaml)
        let train = try Binary.run(["train", "project/iris.yaml", "--out", "project/run", "--quiet"], in: s.url)
        #expect(train.status == 0, "\(train.stderr)")
        let here = try Binary.run(["eval", "project/run", "--split", "validation", "--format", "json"], in: s.url)
        #expect(here.status == 0, "\(here.stderr)")
        let elsewhere = try Binary.run(
            ["eval", s.path("project/run"), "--split", "validation", "--format", "json"], in: Repo.root)
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
        func figures(_ json: String) throws -> [Double?] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            return ["accuracy", "loss", "samples"].map { object[$0] as? Double }
        }
        #expect(try figures(elsewhere.stdout) == figures(here.stdout))
        #expect(try figures(here.stdout).allSatisfy { $0 != nil })
        let resumed = try Binary.run(
            ["train", "--resume", s.path("project/run"), "--epochs", "5", "--quiet"], in: Repo.root)
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }
}
