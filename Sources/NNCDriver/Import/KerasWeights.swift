import CNNCHDF5
import Foundation
import NNCDiagnostics
import NNCGraph
import NNCRuntime
import NNCSpec

/// `nnc import model.json --weights model.weights.h5`: the variables Keras 3's
/// `model.save_weights` wrote, as safetensors in nnc's names, for the spec `KerasImport` made
/// from the same JSON. Keras names a layer's group by its class in snake case, numbered in
/// model order (`layers/dense`, `layers/dense_1`, …; the config's layer names are not used) and
/// stores its variables as `vars/0, 1, …` (`cell/vars` in a recurrent layer,
/// `forward_layer/cell/vars` then `backward_layer/cell/vars` in a bidirectional one,
/// `query_dense/vars` … `output_dense/vars` in a MultiHeadAttention) in the
/// order and shapes of nnc's parameter tensors, which follow Keras's (HWIO kernels, gates
/// i f c o and z r h, GRU's two bias rows). The file is read with the system's libhdf5, loaded
/// at run time (CNNCHDF5). Errors: no libhdf5 (E0634), not HDF5 (E0635), a layer's variables
/// missing, extra or of another shape (E0636, at the layer in the JSON), a type other than
/// float32 or float64 (E0637).
public enum KerasWeights {
    public struct Result: Sendable {
        public var weights: SafeTensors
        public var diagnostics: [Diagnostic]
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// Reads `path` for `graph`, the checked spec imported from `json`.
    public static func read(h5 path: String, json: SourceFile, graph: Graph) -> Result {
        var diagnostics = Diagnostics()
        let fileLocation = SourceLocation(file: SourceFile(path: path, text: ""), line: 0, column: 0)
        var error = [CChar](repeating: 0, count: 256)
        var file: Int64 = 0
        let opened = nnc_hdf5_open(path, &file, &error, error.count)
        guard opened == 0 else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if opened == 1 {
                diagnostics.error(
                    .hdf5Unavailable, "'\(path)' cannot be read: \(reason)", at: fileLocation,
                    help:
                        "install it (Debian and Ubuntu: apt-get install -y libhdf5-103-1), or import without --weights")
            } else {
                diagnostics.error(
                    .notAKerasWeightsFile, "'\(path)' cannot be read: \(reason)", at: fileLocation,
                    help: "give the file Keras's model.save_weights(\"model.weights.h5\") wrote")
            }
            return Result(weights: SafeTensors(tensors: []), diagnostics: diagnostics.all)
        }
        defer { nnc_hdf5_close(file) }
        var reader = Reader(file: file, path: path)
        var tensors: [SafeTensors.Tensor] = []
        let root = YAMLReader.read(json, into: &diagnostics)
        var used: [String: Int] = [:]
        for layer in root?["config"]?["layers"]?.items ?? [] {
            guard let className = layer["class_name"]?.scalarText, className != "InputLayer",
                let name = layer["config"]?["name"]?.scalarText
            else { continue }
            var group = snakeCase(className)
            if let count = used[group] {
                used[group] = count + 1
                group += "_\(count + 1)"
            } else {
                used[group] = 0
            }
            let expected = graph.nodes.first { $0.name == name }?.parameters ?? []
            let variables = reader.variables(of: "layers/\(group)", into: &diagnostics)
            for (k, parameter) in expected.enumerated() {
                guard k < variables.count else {
                    let next = "layers/\(group)/\(reader.lastFolder)/\(k)"
                    diagnostics.error(
                        .kerasWeightsMismatch,
                        "layer '\(name)' (\(className)) holds \(expected.count) variables; '\(path)' has \(variables.count) (no '\(next)' of shape \(parameter.shape) for \(parameter.name))",
                        at: layer.location, help: "give the weights saved from the model this JSON describes")
                    break
                }
                let variable = variables[k]
                guard let values = variable.values else { continue }
                guard variable.shape == parameter.shape else {
                    diagnostics.error(
                        .kerasWeightsMismatch,
                        "'\(variable.path)' has shape \(variable.shape); layer '\(name)' (\(className)) expects \(parameter.name) of shape \(parameter.shape)",
                        at: layer.location, help: "give the weights saved from the model this JSON describes")
                    continue
                }
                tensors.append(
                    SafeTensors.Tensor(name: "\(name).\(parameter.name)", shape: parameter.shape, values: values))
            }
            if variables.count > expected.count {
                diagnostics.error(
                    .kerasWeightsMismatch,
                    "layer '\(name)' (\(className)) holds \(expected.count) variables; '\(path)' has \(variables.count) under 'layers/\(group)'",
                    at: layer.location, help: "give the weights saved from the model this JSON describes")
            }
        }
        let metadata = ["nnc.source": "keras import of \((path as NSString).lastPathComponent)"]
        return Result(weights: SafeTensors(tensors: tensors, metadata: metadata), diagnostics: diagnostics.all)
    }

    /// Keras's `naming.to_snake_case`: `BatchNormalization` → `batch_normalization`, `Conv2D` → `conv2d`.
    static func snakeCase(_ className: String) -> String {
        var name = className.filter { $0.isLetter || $0.isNumber || $0 == "_" }
        for (pattern, template) in [("(.)([A-Z][a-z]+)", "$1_$2"), ("([a-z])([A-Z])", "$1_$2")] {
            let expression = try! NSRegularExpression(pattern: pattern)
            name = expression.stringByReplacingMatches(
                in: name, range: NSRange(name.startIndex..., in: name), withTemplate: template)
        }
        return name.lowercased()
    }

    /// One variable read from the file: its path, shape and values (nil when refused).
    struct Variable {
        var path: String
        var shape: [Int]
        var values: [Float]?
    }

    struct Reader {
        let file: Int64
        let path: String
        /// The folder the last `variables(of:)` read from (for naming a missing variable).
        var lastFolder = "vars"

        /// A layer group's variables: its own, then its cell's, then a bidirectional wrapper's
        /// forward and backward cells', then a MultiHeadAttention's four projections (nnc's order).
        mutating func variables(of group: String, into diagnostics: inout Diagnostics) -> [Variable] {
            var all: [Variable] = []
            lastFolder = "vars"
            let folders = [
                "vars", "cell/vars", "forward_layer/cell/vars", "backward_layer/cell/vars", "query_dense/vars",
                "key_dense/vars", "value_dense/vars", "output_dense/vars",
            ]
            for folder in folders {
                var k = 0
                while let variable = read("\(group)/\(folder)/\(k)", into: &diagnostics) {
                    all.append(variable)
                    lastFolder = folder
                    k += 1
                }
            }
            return all
        }

        /// The dataset at `dataset`, or nil when there is none.
        func read(_ dataset: String, into diagnostics: inout Diagnostics) -> Variable? {
            var rank: Int32 = 0
            var dims = [UInt64](repeating: 0, count: 8)
            var bytes: Int32 = 0
            var values: UnsafeMutablePointer<Double>?
            var error = [CChar](repeating: 0, count: 256)
            // Each value is read as a double and kept as a float: 12 bytes, within a quarter of
            // the memory this process can take, as for data files.
            let largest = UInt64(max(1, MemoryBudget.availableBytes() / 4 / 12))
            let status = nnc_hdf5_read(file, dataset, largest, &rank, &dims, &bytes, &values, &error, error.count)
            defer { free(values) }
            let at = SourceLocation(file: SourceFile(path: path, text: ""), line: 0, column: 0)
            switch status {
            case -1:
                return nil
            case 0:
                let shape = dims.prefix(Int(rank)).map { Int($0) }
                let count = shape.reduce(1, *)
                let floats = (0..<count).map { Float(values![$0]) }
                return Variable(path: dataset, shape: shape, values: floats)
            case 3:
                let type = bytes == 0 ? "not a floating-point type" : "\(bytes * 8)-bit floats"
                diagnostics.error(
                    .kerasWeightsType, "'\(dataset)' in '\(path)' holds \(type); nnc reads float32 or float64",
                    at: at, help: "save the weights under Keras's float32 dtype policy")
                return Variable(path: dataset, shape: [], values: nil)
            default:
                let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                diagnostics.error(
                    .notAKerasWeightsFile, "'\(dataset)' in '\(path)' cannot be read: \(reason)", at: at,
                    help: "save the weights again with model.save_weights")
                return Variable(path: dataset, shape: [], values: nil)
            }
        }
    }
}
