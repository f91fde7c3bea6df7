import NNCDiagnostics
import NNCGraph

/// The kernels take sizes, counts and offsets as 32-bit C ints, so no tensor of a plan may
/// hold more than 2³¹ − 1 elements: a larger one would trap in the conversion or wrap in C.
/// A graph's tensors are bounded per sample; the batch multiplies them, so the check runs on
/// the lowered plan, before its memory is planned or anything is allocated.
enum KernelSizeLimit {
    static let maxElements = Int(Int32.max)

    /// E0401 at the layer of the first buffer too large for the kernels, naming the largest
    /// batch whose buffers all fit; nil when every buffer fits.
    static func check(
        _ buffers: [PlanBuffer], _ instructions: [Instruction], graph: Graph,
        batch: Int
    ) -> Diagnostic? {
        var tooLarge: [(buffer: PlanBuffer, elements: Int?)] = []
        for buffer in buffers where buffer.viewOf == nil {
            let elements = TensorShape.checkedProduct(buffer.shape)
            if elements.map({ $0 > maxElements }) ?? true { tooLarge.append((buffer, elements)) }
        }
        guard let first = tooLarge.first else { return nil }
        let fit = largestBatch(tooLarge.map(\.buffer), batch: batch)
        let isInput = first.buffer.role == .input
        let layer = instructions.first { $0.operands.contains { $0.buffer == first.buffer.id } }?.layer
        let node = layer.flatMap { name in graph.nodes.first { $0.name == name } }
        let count = first.elements.map { $0.grouped } ?? "more than 2⁶³"
        let help =
            fit > 0
            ? "the largest batch whose tensors all fit is \(fit.grouped); use a smaller batch (or make \(isInput ? "the input" : "the layer") smaller)"
            : "no batch fits: one sample's tensor is already too large; make \(isInput ? "the input" : "the layer") smaller"
        return .error(
            .tooLarge,
            "a tensor of a compiled plan may hold at most \(maxElements.grouped) elements (the kernels' 32-bit sizes); "
                + "'\(first.buffer.name)' \(first.buffer.shapeText) holds \(count) at batch \(batch.grouped)",
            at: isInput ? graph.nodes[0].location : node?.location ?? graph.layersLocation, help: help)
    }

    /// The largest batch at which none of `buffers` is too large, taking each as growing in
    /// proportion to the batch (0 when one does not shrink with it).
    static func largestBatch(_ buffers: [PlanBuffer], batch: Int) -> Int {
        var fit = batch - 1
        for buffer in buffers {
            guard batch > 1, let index = buffer.shape.firstIndex(of: batch) else { return 0 }
            var perSample = buffer.shape
            perSample.remove(at: index)
            guard let elements = TensorShape.checkedProduct(perSample), elements <= maxElements else { return 0 }
            fit = min(fit, maxElements / max(1, elements))
        }
        return fit
    }
}
