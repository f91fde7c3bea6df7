import NNCGraph
import NNCSpec

/// One output-size exercise: an input, a convolution or pooling layer, and the questions
/// a lecture asks about it. Answers come from `ConvArithmetic`, the checker's own formula.
public struct Puzzle: Sendable, Equatable {
    public enum Layer: String, Sendable { case conv1d, conv2d, maxpool2d, avgpool2d }

    public var layer: Layer
    /// Per-sample input: [H, W, C] for 2-D layers, [L, C] for conv1d.
    public var input: [Int]
    public var filters: Int
    public var kernel: Int
    public var stride: Int
    public var dilation: Int
    public var padding: Padding
    public var rounding: ConvArithmetic.Rounding
    /// Where the puzzle came from ("layer 'conv2d_1' of lenet5"), for puzzles drawn from a model.
    public var source: String?

    public init(layer: Layer, input: [Int], filters: Int, kernel: Int, stride: Int, dilation: Int, padding: Padding,
                rounding: ConvArithmetic.Rounding, source: String?) {
        self.layer = layer
        self.input = input
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padding = padding
        self.rounding = rounding
        self.source = source
    }

    public var isConvolution: Bool { layer == .conv1d || layer == .conv2d }
    var spatial: [Int] { Array(input.dropLast()) }
    var channels: Int { input.last! }

    /// Per spatial dimension, as the checker computes it.
    public var arithmetic: [ConvArithmetic] {
        spatial.enumerated().map { d, size in
            ConvArithmetic.make(input: size, kernel: kernel, stride: stride, dilation: dilation, padding: padding,
                                dimension: d, rounding: rounding)
        }
    }

    public var outputShape: [Int] { arithmetic.map(\.output) + [isConvolution ? filters : channels] }
    /// Weights of one filter plus its bias: k·k·C + 1.
    public var paramsPerFilter: Int { spatial.map { _ in kernel }.reduce(1, *) * channels + 1 }
    public var totalParams: Int { isConvolution ? paramsPerFilter * filters : 0 }

    static func dims(_ values: [Int]) -> String { values.map(String.init).joined(separator: "×") }

    /// The question, in the lecture's words.
    public var question: String {
        let what = spatial.count == 2 ? "An input of \(Self.dims(input)) (height × width × channels)"
            : "A sequence of \(input[0]) \(input[0].noun("step")) with \(input[1]) channel\(input[1] == 1 ? "" : "s")"
        var layerText: String
        if isConvolution {
            let k = spatial.count == 2 ? "\(kernel)×\(kernel)" : "\(kernel)"
            layerText = "\(filters) filter\(filters == 1 ? "" : "s") of \(k)"
        } else {
            let k = "\(kernel)×\(kernel)"
            layerText = "\(layer == .maxpool2d ? "max" : "average") pooling over \(k) windows"
        }
        layerText += ", stride \(stride)"
        switch padding {
        case .valid: layerText += ", no padding"
        case .same: layerText += ", 'same' padding"
        case .causal: layerText += ", causal padding"
        case .explicit(let pairs):
            let p = pairs[0]
            layerText += p.low == p.high ? ", padding \(p.low)" : ", padding \(p.low) before and \(p.high) after"
        }
        if dilation > 1 { layerText += ", dilation \(dilation)" }
        if rounding == .ceil { layerText += ", rounding up (ceil mode)" }
        var text = "\(source.map { "In \($0): " } ?? "")\(what), \(layerText). What is the output shape"
        text += isConvolution ? ", how many parameters does each filter have (with its bias), and how many does the layer have?" : "?"
        return text
    }

    /// The worked solution, one line per step.
    public var solution: [String] {
        let axes = spatial.count == 2 ? ["height", "width"] : ["length"]
        var lines = zip(axes, arithmetic).map { axis, a in "\(axis): \(a.formula)" }
        if let a = arithmetic.first, a.paddingMode == "same" {
            lines.append("'same' padding adds \(a.padLow) before and \(a.padHigh) after so the output is ⌈in/stride⌉")
        }
        lines.append(isConvolution ? "channels: \(filters) \(filters.noun("filter")) → \(filters)" : "channels: pooling keeps them → \(channels)")
        lines.append("output: \(Self.dims(outputShape))")
        if isConvolution {
            let window = spatial.map { _ in String(kernel) }.joined(separator: "·")
            lines.append("per filter: \(window)·\(channels) + 1 = \(paramsPerFilter)")
            lines.append("layer: \(paramsPerFilter) × \(filters) = \(totalParams)")
        }
        return lines
    }
}
