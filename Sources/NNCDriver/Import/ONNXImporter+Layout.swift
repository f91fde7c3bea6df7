import Foundation
import NNCRuntime

/// The ops that move elements without computing (Transpose, Squeeze, Flatten, Reshape) and
/// the global reductions: most only change a tensor's `ONNXLayout`; a Flatten or Reshape
/// of channels-last data is nnc's flatten or reshape layer.
extension ONNXImporter {
    /// Transpose between nnc's layout and channels-first, time-first, or a recurrent output's batch-first view.
    mutating func transpose() {
        guard let x = value(0) else { return }
        let r = x.rank
        let perm = ints("perm") ?? Array((0..<r).reversed())
        let moved = perm.map { x.shape[$0] }
        func to(_ layout: ONNXLayout) { output(ONNXValue(layer: x.layer, shape: moved, layout: layout)) }
        if perm == Array(0..<r) { return to(x.layout) }
        switch x.layout {
        case .nnc where r >= 3 && perm == [0, r - 1] + Array(1..<(r - 1)):
            to(.channelsFirst)
        case .nnc where r == 3 && perm == [1, 0, 2]:
            to(.timeFirst)
        case .channelsFirst where r >= 3 && perm == [0] + Array(2..<r) + [1]:
            to(.nnc)
        case .timeFirst where perm == [1, 0, 2]:
            to(.nnc)
        case .recurrentSequence where perm == [2, 0, 1, 3]:
            to(.directions)
        case .recurrentState where perm == [1, 0, 2]:
            to(.directions)
        default:
            refuse("the permutation \(perm) of a tensor in \(x.layout) layout has no nnc layer")
        }
    }

    /// The axes of a Squeeze, Unsqueeze or reduction: an attribute before opset 13 (18 for
    /// reductions), an int64 input after.
    func axes(rank: Int) -> [Int]? {
        let listed = ints("axes") ?? constant(1)?.integers
        return listed.map { $0.map { $0 < 0 ? $0 + rank : $0 }.sorted() }
    }

    /// Squeeze of one direction of a recurrent output, or of a global pool's trailing ones.
    mutating func squeeze() {
        guard let x = value(0) else { return }
        let axes = axes(rank: x.rank) ?? x.shape.indices.filter { x.shape[$0] == 1 }
        let shape = x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] }
        switch x.layout {
        case .recurrentSequence where axes == [1]:
            output(ONNXValue(layer: x.layer, shape: shape, layout: .timeFirst))
        case .recurrentState where axes == [0]:
            output(ONNXValue(layer: x.layer, shape: shape, layout: .nnc))
        case .pooled where axes == Array(2..<x.rank):
            output(ONNXValue(layer: x.layer, shape: shape, layout: .nnc))
        default:
            refuse("squeezing axes \(axes) of a tensor in \(x.layout) layout has no nnc layer")
        }
    }

    /// Flatten(axis 1): nnc's flatten of channels-last data; of channels-first data, a flatten
    /// whose order the next dense kernel takes up.
    mutating func flatten() {
        guard let x = value(0) else { return }
        guard int("axis", 1) == 1 else {
            refuse("nnc flattens everything after the batch (axis 1)")
            return
        }
        flattened(x)
    }

    private mutating func flattened(_ x: ONNXValue) {
        let width = x.shape.dropFirst().reduce(1, *)
        switch x.layout {
        case .nnc where x.rank == 2, .pooled:
            output(ONNXValue(layer: x.layer, shape: [-1, width], layout: .nnc))
        case .nnc:
            let id = add(ImportedLayer(name: layerName(), kind: "flatten"), reading: [x])
            output(ONNXValue(layer: id, shape: [-1, width], layout: .nnc))
        case .channelsFirst:
            let id = add(ImportedLayer(name: layerName(), kind: "flatten"), reading: [x])
            output(
                ONNXValue(layer: id, shape: [-1, width], layout: .flattenedChannelsFirst(Array(x.shape.dropFirst()))))
        case .timeFirst, .recurrentSequence, .recurrentState, .directions, .flattenedChannelsFirst:
            refuse("flattening a tensor in \(x.layout) layout has no nnc layer")
        }
    }

    /// Reshape to a constant shape (0 copies a dimension, -1 takes the rest).
    mutating func reshape() {
        guard let x = value(0) else { return }
        guard let requested = constant(1)?.integers, !requested.isEmpty else {
            refuse("its shape (input 1) must be a constant int64 list")
            return
        }
        var target = requested.enumerated().map { k, d in d == 0 && k < x.rank ? x.shape[k] : d }
        let known = x.shape.dropFirst().reduce(1, *)
        // The batch is the one -1 of the input; resolve the target's own -1 against the rest.
        if target.first == -1 || target.first == x.shape.first {
            target[0] = -1
            let rest = target.dropFirst()
            if rest.filter({ $0 == -1 }).count == 1 {
                let product = rest.filter { $0 != -1 }.reduce(1, *)
                if product > 0 { target = [-1] + rest.map { $0 == -1 ? known / product : $0 } }
            }
        }
        guard target.first == -1, target.dropFirst().allSatisfy({ $0 > 0 }), target.dropFirst().reduce(1, *) == known
        else {
            refuse("its target \(requested) keeps neither the batch first nor the \(known) values per sample")
            return
        }
        let perSample = Array(target.dropFirst())
        switch x.layout {
        case .pooled where perSample.count == 1, .channelsFirst where perSample.count == 1:
            flattened(x)
        case .nnc where perSample == Array(x.shape.dropFirst()):
            output(x)
        case .nnc:
            let id = add(
                ImportedLayer(
                    name: layerName(), kind: "reshape",
                    settings: ["shape: [\(perSample.map(String.init).joined(separator: ", "))]"]), reading: [x])
            output(ONNXValue(layer: id, shape: target, layout: .nnc))
        case .directions where perSample.count == x.rank - 2:
            // Forward and backward side by side: a bidirectional layer's concat merge.
            output(ONNXValue(layer: x.layer, shape: target, layout: .nnc))
        default:
            refuse("reshaping a tensor in \(x.layout) layout to \(ONNXImporter.describe(target)) has no nnc layer")
        }
    }

    /// A reduction: nnc's global pools over channels-last data, or a bidirectional layer's
    /// sum, product or mean of its two directions.
    mutating func reduce() {
        guard let x = value(0) else { return }
        let axes = axes(rank: x.rank) ?? Array(0..<x.rank)
        let keepdims = int("keepdims", 1) == 1
        switch (x.layout, node.opType) {
        case (.directions, _) where axes == [x.rank - 2] && !keepdims:
            let modes = ["ReduceSum": "sum", "ReduceProd": "mul", "ReduceMean": "ave"]
            guard let l = x.layer, layers[l].wrapped != nil, let mode = modes[node.opType] else { break }
            layers[l].merge = mode
            var shape = x.shape
            shape.remove(at: x.rank - 2)
            output(ONNXValue(layer: x.layer, shape: shape, layout: .nnc))
            return
        case (.nnc, "ReduceMean") where axes == Array(1..<(x.rank - 1)) && !keepdims && x.rank >= 3:
            let id = add(ImportedLayer(name: layerName(), kind: "global_avgpool"), reading: [x])
            output(ONNXValue(layer: id, shape: [-1, x.shape.last!], layout: .nnc))
            return
        case (.nnc, "ReduceMax") where axes == Array(1..<(x.rank - 1)) && (x.rank == 3 || x.rank == 4):
            let kind = x.rank == 3 ? "global_maxpool1d" : "global_maxpool2d"
            let id = add(
                ImportedLayer(name: layerName(), kind: kind, settings: keepdims ? ["keepdims: true"] : []), reading: [x]
            )
            let shape =
                keepdims ? x.shape.enumerated().map { k, d in k == 0 || k == x.rank - 1 ? d : 1 } : [-1, x.shape.last!]
            output(ONNXValue(layer: id, shape: shape, layout: .nnc))
            return
        default:
            break
        }
        refuse("\(node.opType) over axes \(axes) of a tensor in \(x.layout) layout has no nnc layer")
    }

    /// GlobalAveragePool and GlobalMaxPool of channels-first data.
    mutating func globalPool() {
        guard let x = value(0) else { return }
        guard x.layout == .channelsFirst, x.rank == 3 || x.rank == 4 else {
            refuse("nnc's global pools read channels-first [N, C, …] tensors here")
            return
        }
        let kind =
            node.opType == "GlobalAveragePool"
            ? "global_avgpool" : x.rank == 3 ? "global_maxpool1d" : "global_maxpool2d"
        let id = add(ImportedLayer(name: layerName(), kind: kind), reading: [x])
        output(ONNXValue(layer: id, shape: [-1, x.shape[1]] + Array(repeating: 1, count: x.rank - 2), layout: .pooled))
    }
}
