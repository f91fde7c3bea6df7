import Foundation
import Testing

/// `nnc import` on Keras models written by Keras 3 itself (Tests/Fixtures/keras/make.py): the
/// specs it writes check, and nnc counts the parameters Keras counted; what nnc cannot
/// express is refused at its line in the JSON file.
@Suite struct ImportTests {
    static let folder = Repo.root.appendingPathComponent("Tests/Fixtures/keras")

    static func kerasCounts() throws -> [String: Int] {
        let data = try Data(contentsOf: folder.appendingPathComponent("counts.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["counts"] as? [String: Int])
    }

    @Test(arguments: ["lenet5", "functional_cnn", "text_rnn"])
    func importedSpecsCountWhatKerasCounts(_ name: String) throws {
        let s = try Scratch()
        let json = Self.folder.appendingPathComponent("\(name).json").path
        let run = try Binary.run(["import", json, "-o", s.path("model.yaml")])
        #expect(run.status == 0, "\(run.stderr)")
        let check = try Binary.run(["summary", s.path("model.yaml"), "--format", "json"])
        #expect(check.status == 0, "\(check.stdout)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let expected = try #require(try Self.kerasCounts()[name])
        #expect(report["total_params"] as? Int == expected, "\(check.stdout.prefix(400))")
    }

    @Test func layersAndSettingsNNCCannotExpressAreRefusedWhereTheyStand() throws {
        let s = try Scratch()
        let json = Self.folder.appendingPathComponent("unsupported.json").path
        let run = try Binary.run(["import", json, "-o", s.path("model.yaml")])
        #expect(run.status == 1)
        for expected in [
            "unsupported.json:49:33: warning: layer 'dense_6' (Dense) uses the initializer TruncatedNormal",
            "unsupported.json:79:7: error: layer 'lambda' (Lambda) cannot be imported: nnc has no layer for Keras's Lambda [E0620]",
            "unsupported.json:125:24: error: layer 're_lu' (ReLU) sets max_value: 6.0",
            "error: layer 'dense_7' (Dense) cannot be imported: nnc has no activation 'gelu' [E0620]",
        ] {
            #expect(run.stderr.contains(expected), "\(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: s.path("model.yaml")), "a refused import writes nothing")
    }

    @Test func aFileThatIsNotAKerasModelIsNamed() throws {
        let s = try Scratch()
        let path = try s.write("weights.json", #"{"dense": {"kernel": [1, 2]}}"#)
        let run = try Binary.run(["import", path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("this file has no class_name [E0622]"), "\(run.stderr)")
        let broken = try s.write("broken.json", #"{"class_name": "Sequential", "config": {"layers": ["#)
        #expect(try Binary.run(["import", broken]).stderr.contains("[E0101]"))
    }
}
