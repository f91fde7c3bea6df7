import NNCGraph
import NNCSpec

/// One output-size exercise: an input, a convolution or pooling layer, and the questions
/// a lecture asks about it. Answers come from `ConvArithmetic`, the checker's own formula.
/// Kernel, stride, dilation and padding may differ per spatial axis (a 5×3 kernel, padding
/// 2 on the height and 1 on the width), and the question states every axis it answers.
public struct Puzzle: Sendable, Equatable {
    public enum Layer: String, Sendable {
        case conv1d, conv2d, maxpool1d, maxpool2d, avgpool1d, avgpool2d

        /// The puzzle of a model's window layer; nil for the ops without a window.
        init?(_ kind: Op.Kind) {
            switch kind {
            case .conv1d: self = .conv1d
            case .conv2d: self = .conv2d
            case .maxpool1d: self = .maxpool1d
            case .maxpool2d: self = .maxpool2d
            case .avgpool1d: self = .avgpool1d
            case .avgpool2d: self = .avgpool2d
            case .input, .dense, .depthwiseConv2d, .separableConv2d, .conv2dTranspose, .globalAvgpool, .globalMaxpool1d,
                .globalMaxpool2d,
                .flatten,
                .reshape, .dropout,
                .batchnorm, .layernorm, .activation,
                .softmax, .embedding, .simpleRNN, .lstm, .gru, .bidirectional, .add, .subtract, .multiply, .average,
                .maximum, .concat, .multiHeadAttention, .positionEmbedding,
                .sinusoidalPositionEmbedding, .zeroPadding2d, .cropping2d, .upsampling2d, .alphaDropout, .prelu,
                .groupnorm, .l2pool2d, .treeLSTM:
                return nil
            }
        }
    }

    public var layer: Layer
    /// Per-sample input: [H, W, C] for 2-D layers, [L, C] for 1-D ones.
    public var input: [Int]
    public var filters: Int
    /// Per spatial axis (height, width; or length).
    public var kernels: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    public var padding: Padding
    public var rounding: ConvArithmetic.Rounding
    /// Where the puzzle came from ("layer 'conv2d_1' of lenet5"), for puzzles drawn from a model.
    public var source: String?
    /// Channel groups of a convolution (each filter sees C/groups channels).
    public var groups: Int
    /// Whether each filter has a bias.
    public var bias: Bool

    /// A puzzle whose window is the same along every axis.
    public init(
        layer: Layer, input: [Int], filters: Int, kernel: Int, stride: Int, dilation: Int, padding: Padding,
        rounding: ConvArithmetic.Rounding, source: String?, groups: Int = 1, bias: Bool = true
    ) {
        let rank = max(input.count - 1, 1)
        self.init(
            layer: layer, input: input, filters: filters, kernels: Array(repeating: kernel, count: rank),
            strides: Array(repeating: stride, count: rank), dilations: Array(repeating: dilation, count: rank),
            padding: padding, rounding: rounding, source: source, groups: groups, bias: bias)
    }

    public init(
        layer: Layer, input: [Int], filters: Int, kernels: [Int], strides: [Int], dilations: [Int], padding: Padding,
        rounding: ConvArithmetic.Rounding, source: String?, groups: Int = 1, bias: Bool = true
    ) {
        self.layer = layer
        self.input = input
        self.filters = filters
        self.kernels = kernels
        self.strides = strides
        self.dilations = dilations
        self.padding = padding
        self.rounding = rounding
        self.source = source
        self.groups = groups
        self.bias = bias
    }

    /// The first axis's window (the whole window's when it is square).
    public var kernel: Int { kernels[0] }
    public var stride: Int { strides[0] }
    public var dilation: Int { dilations[0] }

    public var isConvolution: Bool { layer == .conv1d || layer == .conv2d }
    var spatial: [Int] { Array(input.dropLast()) }
    var channels: Int { input.last! }
    var axes: [String] { spatial.count == 2 ? ["height", "width"] : ["length"] }

    /// Per spatial dimension, as the checker computes it.
    public var arithmetic: [ConvArithmetic] {
        spatial.enumerated().map { d, size in
            ConvArithmetic.make(
                input: size, kernel: kernels[d], stride: strides[d], dilation: dilations[d], padding: padding,
                dimension: d, rounding: rounding)
        }
    }

    public var outputShape: [Int] { arithmetic.map(\.output) + [isConvolution ? filters : channels] }
    /// Input channels each filter sees.
    var channelsPerFilter: Int { channels / max(groups, 1) }
    /// Weights of one filter plus its bias: k_h·k_w·C/groups (+ 1).
    public var paramsPerFilter: Int { kernels.reduce(1, *) * channelsPerFilter + (bias ? 1 : 0) }
    public var totalParams: Int { isConvolution ? paramsPerFilter * filters : 0 }

    static func dims(_ values: [Int]) -> String { values.map(String.init).joined(separator: "×") }

    /// `3×3`, or `5×3` for a rectangular window; `3` in 1-D.
    var window: String { spatial.count == 2 ? Self.dims(kernels) : "\(kernel)" }

    /// The question, in the lecture's words.
    public var question: String {
        let what =
            spatial.count == 2
            ? "An input of \(Self.dims(input)) (height × width × channels)"
            : "A sequence of \(input[0]) \(input[0].noun("step")) with \(input[1]) channel\(input[1] == 1 ? "" : "s")"
        var layerText: String
        if isConvolution {
            layerText = "\(filters) filter\(filters == 1 ? "" : "s") of \(window)"
            if groups > 1 { layerText += " in \(groups) groups" }
            if !bias { layerText += " without bias" }
        } else {
            let kind = layer == .maxpool1d || layer == .maxpool2d ? "max" : "average"
            layerText = "\(kind) pooling over \(window) windows"
        }
        layerText += ", stride \(Self.dims(Set(strides).count == 1 ? [stride] : strides))"
        layerText += paddingText
        if dilations.contains(where: { $0 > 1 }) {
            layerText += ", dilation \(Self.dims(Set(dilations).count == 1 ? [dilation] : dilations))"
        }
        if rounding == .ceil { layerText += ", rounding up (ceil mode)" }
        var text = "\(source.map { "In \($0): " } ?? "")\(what), \(layerText). What is the output shape"
        text +=
            isConvolution
            ? ", how many parameters does each filter have (\(bias ? "with its bias" : "it has no bias")), and how many does the layer have?"
            : "?"
        return text
    }

    /// The padding as the question states it: once when every axis has the same, else per axis.
    var paddingText: String {
        switch padding {
        case .valid: return ", no padding"
        case .same: return ", 'same' padding"
        case .causal: return ", causal padding"
        case .explicit:
            func amount(_ a: ConvArithmetic) -> String {
                a.padLow == a.padHigh ? "\(a.padLow)" : "\(a.padLow) before and \(a.padHigh) after"
            }
            let pads = arithmetic
            if pads.allSatisfy({ $0.padLow == pads[0].padLow && $0.padHigh == pads[0].padHigh }) {
                return ", padding \(amount(pads[0]))"
            }
            return ", padding " + zip(axes, pads).map { "\(amount($1)) on the \($0)" }.joined(separator: " and ")
        }
    }

    /// The worked solution, one line per step.
    public var solution: [String] {
        var lines = zip(axes, arithmetic).map { axis, a in "\(axis): \(a.formula)" }
        let same = arithmetic.filter { $0.paddingMode == "same" }
        if let a = same.first {
            let pads =
                same.allSatisfy({ $0.padLow == a.padLow && $0.padHigh == a.padHigh })
                ? "\(a.padLow) before and \(a.padHigh) after"
                : zip(axes, same).map { "\($1.padLow) before and \($1.padHigh) after on the \($0)" }.joined(
                    separator: ", ")
            lines.append("'same' padding adds \(pads) so the output is ⌈in/stride⌉")
        }
        lines.append(
            isConvolution
                ? "channels: \(filters) \(filters.noun("filter")) → \(filters)"
                : "channels: pooling keeps them → \(channels)")
        lines.append("output: \(Self.dims(outputShape))")
        if isConvolution {
            let taps = kernels.map(String.init).joined(separator: "·")
            let perGroup = groups > 1 ? "\(channels)/\(groups)" : "\(channels)"
            lines.append("per filter: \(taps)·\(perGroup)\(bias ? " + 1" : "") = \(paramsPerFilter)")
            lines.append("layer: \(paramsPerFilter) × \(filters) = \(totalParams)")
        }
        return lines
    }
}
