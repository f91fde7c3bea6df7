import Foundation
import NNCData
import NNCDiagnostics
import NNCProtobuf
import NNCRuntime

/// `nnc import model.onnx`: an ONNX inference graph becomes an nnc YAML spec and a
/// safetensors weights file in nnc's layout (`ONNXImporter`), so `predict`, `eval` and
/// `train --weights` take it. The file is decoded with swift-protobuf's generated types
/// (NNCProtobuf). Every node that has no nnc form is an error naming the node's index, name
/// and op type in the file (E0630); an opset outside 11…21 (E0631), a tensor that is not
/// float32 (E0632) or a file that is not a one-input ONNX model (E0633) is refused whole.
public enum ONNXImport {
    /// The default-domain opsets read: 11 (Keras2onnx, older PyTorch) to 21.
    public static let opsets = 11...21

    public struct Result: Sendable {
        /// The spec's YAML text.
        public var yaml: String
        /// The weights in nnc's names and layouts, with the input preprocessing found in the graph.
        public var weights: SafeTensors
        public var diagnostics: [Diagnostic]
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    public static func convert(path: String) throws(DriverError) -> Result {
        let data = try ModelFile.read(path, largest: ModelFile.largestONNXSize)
        return convert(data, path: path)
    }

    static func convert(_ data: Data, path: String) -> Result {
        let file = SourceFile(path: path, text: "")
        let at = SourceLocation(file: file, line: 0, column: 0)
        func refused(_ code: DiagnosticCode, _ message: String, help: String) -> Result {
            Result(
                yaml: "", weights: SafeTensors(tensors: []),
                diagnostics: [Diagnostic.error(code, message, at: at, help: help)])
        }
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            return refused(
                .notAnONNXModel, "'\(path)' does not decode as an ONNX model (\(error))",
                help: "give a .onnx file written by torch.onnx.export, tf2onnx or nnc export --format onnx")
        }
        guard model.hasGraph, !model.graph.node.isEmpty else {
            return refused(
                .notAnONNXModel, "'\(path)' holds no ONNX graph with nodes",
                help: "give a .onnx file written by torch.onnx.export, tf2onnx or nnc export --format onnx")
        }
        let defaultDomain = model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        let version = Int(defaultDomain?.version ?? 0)
        guard opsets.contains(version) else {
            return refused(
                .onnxUnsupportedOpset,
                "'\(path)' uses opset \(version) of ONNX's default domain; nnc imports opsets \(opsets.lowerBound) to \(opsets.upperBound)",
                help: "convert the model with onnx.version_converter to opset 18")
        }
        var importer = ONNXImporter(graph: model.graph, file: file, opset: version)
        importer.run()
        return Result(yaml: importer.yaml(), weights: importer.weights(), diagnostics: importer.diagnostics)
    }
}

/// A constant tensor of the file (an initializer or a Constant node's value): float32
/// values, or int64 ones (shapes, axes, pads).
struct ONNXConstant {
    var shape: [Int]
    var floats: [Float]?
    var integers: [Int]?
    var count: Int { shape.reduce(1, *) }

    /// Decodes `t`; nil with `why` when it is neither float32 nor int64, or stored elsewhere.
    static func decode(_ t: Onnx_TensorProto) -> (ONNXConstant?, why: String) {
        let shape = t.dims.map { Int($0) }
        let count = shape.reduce(1, *)
        guard t.dataLocation != .external else { return (nil, "its data are in an external file") }
        switch Onnx_TensorProto.DataType(rawValue: Int(t.dataType)) {
        case .float:
            var values = t.floatData
            if t.hasRawData {
                let raw = t.rawData
                guard raw.count == count * 4 else { return (nil, "it holds \(raw.count) bytes for \(count) floats") }
                values = raw.withUnsafeBytes { buffer in
                    (0..<count).map {
                        Float(
                            bitPattern: UInt32(
                                littleEndian: buffer.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                    }
                }
            }
            guard values.count == count else { return (nil, "it holds \(values.count) values for \(shape)") }
            return (ONNXConstant(shape: shape, floats: values), "")
        case .int64:
            var values = t.int64Data.map { Int($0) }
            if t.hasRawData {
                let raw = t.rawData
                guard raw.count == count * 8 else { return (nil, "it holds \(raw.count) bytes for \(count) integers") }
                values = raw.withUnsafeBytes { buffer in
                    (0..<count).map {
                        Int(Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)))
                    }
                }
            }
            guard values.count == count else { return (nil, "it holds \(values.count) values for \(shape)") }
            return (ONNXConstant(shape: shape, integers: values), "")
        default:
            let name = Onnx_TensorProto.DataType(rawValue: Int(t.dataType)).map { "\($0)" } ?? "type \(t.dataType)"
            return (nil, "its element type is \(name), not float32")
        }
    }
}
