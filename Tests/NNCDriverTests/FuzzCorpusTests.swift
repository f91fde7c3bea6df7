import Foundation
import NNCFuzz
import Testing

/// The fuzz corpus (Tests/Fuzz/corpus/<target>) replayed through the fuzz targets: the
/// seeds, and every input a fuzzer found that once crashed, hung or blew up memory (named
/// `crash-*`, `timeout-*` or `oom-*` after what it did). A regression ends this test process.
@Suite(.serialized) struct FuzzCorpusTests {
    static let corpus = Repo.root.appendingPathComponent("Tests/Fuzz/corpus")

    static func inputs(_ target: FuzzTarget) -> [String] {
        let folder = corpus.appendingPathComponent(target.rawValue).path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.sorted().map { folder + "/" + $0 }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusReplaysWithoutACrash(_ target: FuzzTarget) throws {
        let inputs = Self.inputs(target)
        #expect(!inputs.isEmpty, "no corpus for \(target.rawValue)")
        for path in inputs {
            target.run(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        }
    }

    /// The data target's seeds are the corpus's valid files: each one must still be read.
    @Test func dataSeedsAreInTheCorpus() throws {
        for (name, bytes) in FuzzTarget.dataSeeds() {
            let stored = try Data(contentsOf: Self.corpus.appendingPathComponent("data/" + name))
            #expect(
                Array(stored) == bytes,
                "Tests/Fuzz/corpus/data/\(name) differs from the data target's seed: nnc-fuzz data --write-seeds Tests/Fuzz/corpus/data"
            )
        }
    }
}

extension FuzzCorpusTests {
    /// The valid seeds get past every check, so the fuzzers start from inputs that reach the
    /// deepest code (a seed refused at its first byte would fuzz only the refusal).
    @Test func validSeedsGoTheWholeWay() {
        for (name, bytes) in FuzzTarget.dataSeeds() {
            #expect(
                FuzzTarget.data.run(bytes),
                "data seed \(name) is refused (NNC_FUZZ_TRACE=1 nnc-fuzz data Tests/Fuzz/corpus/data/\(name))")
        }
        for name in ["weights", "checkpoint"] {
            let path = Self.corpus.appendingPathComponent("weights/" + name).path
            #expect(
                FuzzTarget.weights.run(Array(FileManager.default.contents(atPath: path) ?? Data())),
                "weights seed \(name) is refused")
        }
    }
}
