import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `nnc import model.json --weights model.weights.h5` on models Keras 3 wrote itself
/// (Tests/Fixtures/keras-weights/make.py: dense + batchnorm, a small conv, a bidirectional GRU
/// and an LSTM, an embedding with two MultiHeadAttention layers (one causal, one without
/// biases) and a layernorm, with weights away from their initial values): `nnc predict` on the imported spec
/// and weights gives Keras's own predictions within `tolerance`, and weights that do not fit
/// are refused by HDF5 path and shape. Skipped when libhdf5 cannot be loaded (Scripts/test.sh
/// installs it).
@Suite(.serialized, .enabled(if: hdf5Loads, "libhdf5 cannot be loaded: apt-get install -y libhdf5-103-1"))
struct KerasWeightsImportTests {
    static let tolerance = 1e-5

    static func fixture(_ name: String) -> String {
        Repo.root.appendingPathComponent("Tests/Fixtures/keras-weights/\(name)").path
    }

    @Test(arguments: ["dense_bn", "small_conv", "recurrent", "attention"])
    func importedWeightsPredictWhatKerasPredicts(_ name: String) throws {
        let s = try Scratch()
        let spec = s.path("\(name).yaml")
        let run = try Binary.run([
            "import", Self.fixture("\(name).json"), "--weights", Self.fixture("\(name).weights.h5"), "-o", spec,
        ])
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("weights written to \(s.path("\(name).safetensors"))"), "\(run.stderr)")
        let predict = try Binary.run([
            "predict", spec, "--weights", s.path("\(name).safetensors"), "--input", Self.fixture("\(name).input.npy"),
            "--format", "json",
        ])
        try #require(predict.status == 0, "\(predict.stderr)")
        let got = try ONNXRoundTripTests.outputs(Data(predict.stdout.utf8))
        let expected = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: Self.fixture("\(name).expected.json")))) as? [[Double]])
        try #require(got.count == expected.count && zip(got, expected).allSatisfy { $0.count == $1.count })
        let worst = zip(got, expected).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
        #expect(worst <= Self.tolerance, "\(name): nnc and Keras differ by \(worst)")
    }

    @Test(arguments: [
        (
            "small_conv.weights.h5",
            "dense_bn.json:26:7: error: 'layers/dense/vars/0' has shape [16, 2]; layer 'hidden' (Dense) expects kernel of shape [5, 8] [E0636]"
        ),
        (
            "dense_bn_fp16.weights.h5",
            "error: 'layers/dense/vars/0' in '\(fixture("dense_bn_fp16.weights.h5"))' holds 16-bit floats; nnc reads float32 or float64 [E0637]"
        ),
        (
            "dense_bn.json",
            "error: '\(fixture("dense_bn.json"))' cannot be read: not an HDF5 file, or it cannot be read [E0635]"
        ),
        // 2^30 values declared in a small file: refused before anything is allocated.
        (
            "dense_bn_huge.weights.h5",
            "error: 'layers/dense/vars/0' in '\(fixture("dense_bn_huge.weights.h5"))' cannot be read: it holds more than"
        ),
    ])
    func weightsThatDoNotFitAreRefused(_ weights: String, _ says: String) throws {
        let s = try Scratch()
        let run = try Binary.run(
            ["import", Self.fixture("dense_bn.json"), "--weights", Self.fixture(weights), "-o", s.path("model.yaml")],
            seconds: 60, memory: 2 << 30)
        #expect(run.status == 1 && !run.timedOut)
        #expect(run.stderr.contains(says), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.path("model.yaml")), "a refused import writes nothing")
        #expect(!FileManager.default.fileExists(atPath: s.path("model.safetensors")))
    }
}

/// Whether the libhdf5 the importer loads can be loaded here.
private let hdf5Loads: Bool = {
    #if canImport(Glibc)
        let names: [String] = [
            "libhdf5_serial.so.103", "libhdf5.so.103", "libhdf5_serial.so.200", "libhdf5.so.200", "libhdf5.so.310",
        ]
        return names.contains { name in dlopen(name, RTLD_NOW | RTLD_LOCAL) != nil }
    #else
        return true
    #endif
}()
