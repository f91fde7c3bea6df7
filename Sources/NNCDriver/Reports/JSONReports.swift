import Foundation
import NNCGraph
import NNCSpec

/// The `--format json` shapes of check and summary results, for tools and scripts.
public enum JSONReports {
    public struct DiagnosticJSON: Encodable {
        struct Label: Encodable {
            var line: Int
            var column: Int
            var severity: String
            var message: String
        }
        var severity: String
        var code: String
        var message: String
        var file: String?
        var line: Int
        var column: Int
        var labels: [Label]
        var notes: [String]
        var help: String?
    }

    struct ArithmeticJSON: Encodable {
        var input: Int, kernel: Int, stride: Int, dilation: Int, pad_low: Int, pad_high: Int
        var rounding: String, padding: String, output: Int, formula: String
    }

    struct LayerJSON: Encodable {
        var name: String
        var type: String
        var output_shape: [Int]?
        /// With symbolic sizes (`input: [T, 128]`): the shape as expressions, `["T", "128"]`.
        var symbolic_shape: [String]?
        var params: Int
        var trainable_params: Int
        var non_trainable_params: Int
        /// Absent when they depend on a symbolic size.
        var macs: Int?
        var flops: Int?
        var connected_to: [String]
        var arithmetic: [ArithmeticJSON]?
        var receptive_field: [Int]?
        var explanations: [String: String]
    }

    struct CheckJSON: Encodable {
        var file: String
        var model: String?
        var ok: Bool
        var errors: Int
        var warnings: Int
        var diagnostics: [DiagnosticJSON]
        /// Diagnostics past the printed limit (absent when none were left out).
        var diagnostics_omitted: Int?
        var layers: [LayerJSON]
    }

    struct SummaryJSON: Encodable {
        var model: String?
        var complete: Bool
        var convention: String
        var total_params: Int
        var trainable_params: Int
        var non_trainable_params: Int
        /// Absent (with the activation bytes) when they depend on a symbolic size.
        var macs: Int?
        var flops: Int?
        var parameter_bytes: Int
        var activation_bytes_per_sample: Int?
        var layers: [LayerJSON]
        var diagnostics: [DiagnosticJSON]
        var diagnostics_omitted: Int?
    }

    /// The first `DiagnosticRenderer.limit` diagnostics, their texts clipped as printed ones are.
    public static func diagnostics(_ list: [Diagnostic]) -> [DiagnosticJSON] {
        list.prefix(DiagnosticRenderer.limit).map { $0.clipped() }.map { d in
            DiagnosticJSON(
                severity: d.severity.rawValue, code: d.code.rawValue, message: d.message,
                file: d.location.file?.path, line: d.location.line, column: d.location.column,
                labels: d.labels.map {
                    .init(
                        line: $0.location.line, column: $0.location.column,
                        severity: $0.severity.rawValue, message: $0.message)
                },
                notes: d.notes, help: d.help)
        }
    }

    static func layers(_ graph: Graph?) -> [LayerJSON] {
        guard let graph else { return [] }
        return graph.nodes.map { node in
            var explanations: [String: String] = [:]
            for e in node.explanations {
                explanations[e.topic] = explanations[e.topic].map { $0 + "; " + e.text } ?? e.text
            }
            // Stand-in numbers of a symbolic model are left out: the expressions replace them.
            let symbolic = graph.symbolic?.dims[node.id.rawValue]
            let dependsOnSymbol = symbolic?.contains { if case .number = $0 { false } else { true } } ?? false
            let symbolicCost = graph.symbolic?.symbolicFlops.contains(node.id.rawValue) ?? false
            return LayerJSON(
                name: node.name, type: node.typeName, output_shape: graph.symbolic == nil ? node.shape?.dims : nil,
                symbolic_shape: symbolic?.map(\.description), params: node.paramCount,
                trainable_params: node.trainableParams, non_trainable_params: node.nonTrainableParams,
                macs: symbolicCost ? nil : node.macs, flops: symbolicCost ? nil : node.flops,
                connected_to: node.inputs.map { graph[$0].name },
                arithmetic: node.arithmetic.isEmpty || dependsOnSymbol
                    ? nil
                    : node.arithmetic.map {
                        ArithmeticJSON(
                            input: $0.input, kernel: $0.kernel, stride: $0.stride, dilation: $0.dilation,
                            pad_low: $0.padLow, pad_high: $0.padHigh, rounding: $0.rounding.rawValue,
                            padding: $0.paddingMode, output: $0.output, formula: $0.formula)
                    },
                receptive_field: node.arithmetic.isEmpty ? nil : node.receptiveField?.size,
                explanations: explanations)
        }
    }

    public static func check(_ result: CheckResult) -> String {
        encode(
            CheckJSON(
                file: result.file.path, model: result.spec?.name, ok: !result.hasErrors,
                errors: result.errors.count, warnings: result.warnings.count,
                diagnostics: diagnostics(result.diagnostics), diagnostics_omitted: omitted(result.diagnostics),
                layers: layers(result.graph)))
    }

    public static func summary(_ result: CheckResult, convention: Convention) -> String {
        let g = result.graph
        return encode(
            SummaryJSON(
                model: result.spec?.name, complete: !result.hasErrors, convention: convention.rawValue,
                total_params: g?.totalParams ?? 0, trainable_params: g?.trainableParams ?? 0,
                non_trainable_params: g?.nonTrainableParams ?? 0, macs: g?.symbolic != nil ? nil : g?.macs ?? 0,
                flops: g?.symbolic != nil ? nil : g?.flops ?? 0, parameter_bytes: g?.parameterBytes ?? 0,
                activation_bytes_per_sample: g?.symbolic != nil ? nil : g?.activationBytesPerSample ?? 0,
                layers: layers(g), diagnostics: diagnostics(result.diagnostics),
                diagnostics_omitted: omitted(result.diagnostics)))
    }

    static func omitted(_ list: [Diagnostic]) -> Int? {
        list.count > DiagnosticRenderer.limit ? list.count - DiagnosticRenderer.limit : nil
    }

    public static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
