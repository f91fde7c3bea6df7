import Foundation
import NNCRuntime

/// Conv, MaxPool and AveragePool of channels-first data as nnc's convolutions and pools.
/// Padding is read back into nnc's words where they fit (valid, same as Keras splits it,
/// causal, a pool's ceil rounding), else as explicit per-side pads.
extension ONNXImporter {
    /// The per-axis pads [lo, hi] of the current node over `input` sizes: `pads`, or auto_pad.
    private func pads(input: [Int], kernel: [Int], stride: [Int], dilation: [Int]) -> [(Int, Int)]? {
        let n = input.count
        switch string("auto_pad") ?? "NOTSET" {
        case "NOTSET":
            let p = ints("pads") ?? Array(repeating: 0, count: 2 * n)
            guard p.count == 2 * n else { return nil }
            return (0..<n).map { (p[$0], p[n + $0]) }
        case "VALID":
            return Array(repeating: (0, 0), count: n)
        case let mode:
            return (0..<n).map { k in
                let (lo, hi) = Self.same(input[k], kernel[k], stride[k], dilation[k])
                return mode == "SAME_LOWER" ? (hi, lo) : (lo, hi)
            }
        }
    }

    /// Keras's same padding: the output ⌈in / stride⌉, the extra cell after.
    static func same(_ input: Int, _ kernel: Int, _ stride: Int, _ dilation: Int) -> (Int, Int) {
        let out = (input + stride - 1) / stride
        let total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - input, 0)
        return (total / 2, total - total / 2)
    }

    /// One int when every axis agrees, else a list.
    static func spatial(_ values: [Int]) -> String {
        Set(values).count == 1 ? "\(values[0])" : "[\(values.map(String.init).joined(separator: ", "))]"
    }

    /// Conv: conv1d, conv2d (grouped), or depthwise_conv2d when each channel is its own group.
    mutating func convolution() {
        guard let x = value(0) else { return }
        guard x.layout == .channelsFirst, x.rank == 3 || x.rank == 4 else {
            refuse("nnc reads a Conv of a channels-first 1-D or 2-D tensor (here \(x.layout), rank \(x.rank))")
            return
        }
        guard let w = constant(1), let weights = w.floats, w.shape.count == x.rank else {
            refuse("its weight must be a constant float32 tensor of rank \(x.rank)")
            return
        }
        let n = x.rank - 2
        let channels = x.shape[1]
        let filters = w.shape[0]
        let groups = int("group", 1)
        let kernel = ints("kernel_shape") ?? Array(w.shape.dropFirst(2))
        let stride = ints("strides") ?? Array(repeating: 1, count: n)
        let dilation = ints("dilations") ?? Array(repeating: 1, count: n)
        let spatialIn = Array(x.shape.dropFirst(2))
        guard channels % groups == 0, w.shape[1] * groups == channels, kernel == Array(w.shape.dropFirst(2)),
            let padding = pads(input: spatialIn, kernel: kernel, stride: stride, dilation: dilation)
        else {
            refuse("its weight \(w.shape) does not fit \(channels) input channels in \(groups) groups")
            return
        }
        let kind: String
        var settings: [String]
        var kernelShape = kernel + [channels / groups, filters]
        if groups > 1, groups == channels, n == 2 {
            kind = "depthwise_conv2d"
            settings = []
            if filters != channels { settings.append("depth_multiplier: \(filters / channels)") }
            kernelShape = kernel + [channels, filters / channels]
        } else {
            kind = "conv\(n)d"
            settings = ["filters: \(filters)"]
        }
        settings.insert("kernel: \(Self.spatial(kernel))", at: kind == "depthwise_conv2d" ? 0 : 1)
        if stride.contains(where: { $0 != 1 }) { settings.append("stride: \(Self.spatial(stride))") }
        if let text = paddingText(padding, spatialIn, kernel, stride, dilation, causal: n == 1) {
            settings.append("padding: \(text)")
        }
        if dilation.contains(where: { $0 != 1 }) { settings.append("dilation: \(Self.spatial(dilation))") }
        if groups > 1, kind != "depthwise_conv2d" { settings.append("groups: \(groups)") }
        let perm = Array(2..<(n + 2)) + [1, 0]
        let values = ONNXExporter.permute(weights, w.shape, perm).values
        var layer = ImportedLayer(name: layerName(), kind: kind, settings: settings)
        layer.tensors = [SafeTensors.Tensor(name: "kernel", shape: kernelShape, values: values)]
        layer.takesBias = true
        layer.takesActivation = true
        layer.channels = filters
        if let b = constant(2) {
            guard let bias = b.floats, bias.count == filters else {
                refuse("its bias must hold \(filters) float32 values")
                return
            }
            layer.hasBias = true
            layer.tensors.append(SafeTensors.Tensor(name: "bias", shape: [filters], values: bias))
        }
        var out: [Int] = []
        for k in 0..<n {
            let span: Int = spatialIn[k] + padding[k].0 + padding[k].1 - (kernel[k] - 1) * dilation[k] - 1
            out.append(span / stride[k] + 1)
        }
        let id = add(layer, reading: [x])
        output(ONNXValue(layer: id, shape: [-1, filters] + out, layout: .channelsFirst))
    }

    /// nil for valid (the default), same, causal, or the explicit pads.
    private func paddingText(
        _ padding: [(Int, Int)], _ input: [Int], _ kernel: [Int], _ stride: [Int], _ dilation: [Int], causal: Bool
    ) -> String? {
        if padding.allSatisfy({ $0 == (0, 0) }) { return nil }
        let same = input.indices.map { Self.same(input[$0], kernel[$0], stride[$0], dilation[$0]) }
        if zip(padding, same).allSatisfy({ $0 == $1 }) { return "same" }
        if causal, padding[0] == ((kernel[0] - 1) * dilation[0], 0) { return "causal" }
        if padding.count == 1 { return "[\(padding[0].0), \(padding[0].1)]" }
        return "[" + padding.map { "[\($0.0), \($0.1)]" }.joined(separator: ", ") + "]"
    }

    /// MaxPool and AveragePool: nnc's pools with valid or same padding, floor or ceil rounding.
    mutating func pool() {
        guard let x = value(0) else { return }
        guard x.layout == .channelsFirst, x.rank == 3 || x.rank == 4 else {
            refuse("nnc reads a pool of a channels-first 1-D or 2-D tensor (here \(x.layout), rank \(x.rank))")
            return
        }
        let n = x.rank - 2
        guard let kernel = ints("kernel_shape"), kernel.count == n else {
            refuse("its kernel_shape must give \(n) sizes")
            return
        }
        let stride = ints("strides") ?? Array(repeating: 1, count: n)
        let input = Array(x.shape.dropFirst(2))
        guard (ints("dilations") ?? []).allSatisfy({ $0 == 1 }), int("storage_order", 0) == 0,
            node.output.dropFirst().allSatisfy({ $0.isEmpty }),
            let padding = pads(input: input, kernel: kernel, stride: stride, dilation: Array(repeating: 1, count: n))
        else {
            refuse("nnc's pools have no dilation and one output")
            return
        }
        let ceil = int("ceil_mode", 0) == 1
        func size(_ k: Int, _ lo: Int, _ hi: Int, _ up: Bool) -> Int {
            let span = input[k] + lo + hi - kernel[k]
            return (up ? (span + stride[k] - 1) : span) / stride[k] + 1
        }
        let out = (0..<n).map { size($0, padding[$0].0, padding[$0].1, ceil) }
        let average = node.opType == "AveragePool"
        let countsPadding = average && int("count_include_pad", 0) == 1
        // The nnc padding and rounding whose windows start where these do and number as many.
        var chosen: (String?, Bool)?
        for (name, up) in [(nil, false), ("same", false), (nil, true), ("same", true)] as [(String?, Bool)] {
            let pads =
                name == nil
                ? Array(repeating: (0, 0), count: n)
                : (0..<n).map { Self.same(input[$0], kernel[$0], stride[$0], 1) }
            let fits = (0..<n).allSatisfy { k in
                pads[k].0 == padding[k].0 && size(k, pads[k].0, pads[k].1, up) == out[k]
                    && (!countsPadding || pads[k].1 == padding[k].1)
            }
            if fits {
                chosen = (name, up)
                break
            }
        }
        guard let (paddingName, roundsUp) = chosen else {
            refuse(
                "its pads \(padding.map { [$0.0, $0.1] }) are neither valid nor same padding with floor or ceil rounding"
            )
            return
        }
        var settings = ["pool: \(Self.spatial(kernel))"]
        if stride != kernel { settings.append("stride: \(Self.spatial(stride))") }
        if let paddingName { settings.append("padding: \(paddingName)") }
        if roundsUp { settings.append("rounding: ceil") }
        if countsPadding, paddingName != nil { settings.append("count_padding: true") }
        let kind = (average ? "avgpool" : "maxpool") + "\(n)d"
        let id = add(ImportedLayer(name: layerName(), kind: kind, settings: settings), reading: [x])
        output(ONNXValue(layer: id, shape: [-1, x.shape[1]] + out, layout: .channelsFirst))
    }
}
