import Foundation
import NNCData
import NNCGraph
import NNCSpec

/// `nnc check` on a model's data: every split's files are read as far as their headers
/// (IDX dimensions, NPY shape and dtype, a CSV's first record; small files whole, so their
/// labels are checked too) and compared with the model's input, output and loss. Problems
/// point at the spec's data line and name the file. Files that do not exist are left to
/// the W0202 warning; the data is read in full, and compared again, when training starts.
public enum DataCheck {
    public static func diagnostics(_ spec: ModelSpec, graph: Graph) -> [Diagnostic] {
        let data = graph.training.data
        let contract = DataLoading.contract(spec, graph: graph)
        let mode = DataLoading.labelMode(graph.training.loss)
        var found: [Diagnostic] = []
        for (name, split) in [("train", data.train), ("validation", data.validation), ("test", data.test)] {
            guard let split else { continue }
            let source = DataLoading.source(split.source, spec, graph: graph, split: name, seed: 0, vocabulary: nil)
            guard files(of: source).allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { continue }
            do throws(DataError) {
                var summary = try DataReader.summary(source, labels: contract.targets == .none ? .none : mode)
                if let ids = contract.vocabulary, case .real = summary.inputKind {
                    // Real values meet an embedding as token ids; their range is checked when read.
                    summary.inputKind = .tokens(vocabulary: ids)
                }
                found += contract.problems(
                    with: summary, inputsAt: split.inputsLocation, labelsAt: split.labelsLocation)
            } catch {
                found.append(relocated(error.diagnostic, source: source, split: split))
            }
        }
        return found
    }

    /// The files a source reads.
    static func files(of source: DatasetSource) -> [String] {
        switch source {
        case .idx(let images, let labels), .npy(let images, let labels): [images, labels]
        case .csv(let options): [options.path]
        case .tokens(let path, _), .text(let path, _), .trees(let path, _): [path]
        case .generated: []
        case .imageFolder(let options): [options.path]
        case .cifar(let options): [options.path]
        }
    }

    static func labelFile(_ source: DatasetSource) -> String? {
        if case .idx(_, let labels) = source { return labels }
        if case .npy(_, let labels) = source { return labels }
        return nil
    }

    /// A reading error of a binary file (located at the file alone) moved to the line of
    /// `split` naming the file; errors with a line in a text file keep it.
    static func relocated(_ diagnostic: Diagnostic, source: DatasetSource, split: DataConfiguration.Split) -> Diagnostic
    {
        guard !diagnostic.location.isKnown else { return diagnostic }
        var moved = diagnostic
        let isLabels = diagnostic.location.file?.path == labelFile(source)
        moved.location = isLabels ? split.labelsLocation : split.inputsLocation
        return moved
    }
}
