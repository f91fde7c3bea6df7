import CNNCKernels
import NNCPlan
import Testing

@testable import NNCRuntime

/// The elementwise merge kernels against their double-precision twins, and maximum's tie
/// rule: the gradient goes to the first input holding the largest value.
@Suite struct MergeTests {
    static let inputs: [[Float]] = [[1, -2, 3, 0.5, 2], [1, 4, -3, 0.5, -1], [0, 4, 3, 0.25, 2]]

    /// Calls `body` with the inputs copied to owned memory, as the C kernels' pointer array.
    func withInputs<T>(_ x: [[Float]], _ body: ([UnsafePointer<Float>?]) -> T) -> T {
        let owned = x.map { row in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: row.count)
            p.initialize(from: row, count: row.count)
            return p
        }
        defer { for p in owned { p.deallocate() } }
        return body(owned.map { UnsafePointer($0) })
    }

    func combine(_ op: nnc_combine_op, _ x: [[Float]]) -> [Float] {
        var y = [Float](repeating: 0, count: x[0].count)
        withInputs(x) { nnc_combine(&y, $0, Int32(x.count), y.count, op) }
        return y
    }

    func backward(_ op: nnc_combine_op, _ x: [[Float]], dy: [Float], index: Int) -> [Float] {
        var dx = [Float](repeating: .nan, count: dy.count)
        withInputs(x) { nnc_combine_backward(&dx, dy, $0, Int32(x.count), Int32(index), dy.count, op) }
        return dx
    }

    @Test(arguments: [ElementwiseMerge.multiply, .average, .maximum])
    func matchesTheReference(_ operation: ElementwiseMerge) {
        let raw: nnc_combine_op =
            switch operation {
            case .subtract: NNC_COMBINE_SUBTRACT
            case .multiply: NNC_COMBINE_MULTIPLY
            case .average: NNC_COMBINE_AVERAGE
            case .maximum: NNC_COMBINE_MAXIMUM
            }
        let y = combine(raw, Self.inputs)
        let dy: [Float] = [0.5, -1, 2, 3, -0.25]
        for i in y.indices {
            let x = Self.inputs.map { Double($0[i]) }
            #expect(abs(Double(y[i]) - ReferenceExecutor.combine(operation, x)) < 1e-6)
            for k in Self.inputs.indices {
                let dx = backward(raw, Self.inputs, dy: dy, index: k)
                let expected = Double(dy[i]) * ReferenceExecutor.combineDerivative(operation, x, inputs: 3, k)
                #expect(abs(Double(dx[i]) - expected) < 1e-6, "\(operation) input \(k) element \(i)")
            }
        }
    }

    @Test func maximumGivesATieToTheFirstInput() {
        // Every element is a tie for the largest: inputs 0 and 1 (elements 0 and 3), 1 and 2
        // (element 1), 0 and 2 (elements 2 and 4).
        let dy: [Float] = [1, 1, 1, 1, 1]
        #expect(combine(NNC_COMBINE_MAXIMUM, Self.inputs) == [1, 4, 3, 0.5, 2])
        #expect(backward(NNC_COMBINE_MAXIMUM, Self.inputs, dy: dy, index: 0) == [1, 0, 1, 1, 1])
        #expect(backward(NNC_COMBINE_MAXIMUM, Self.inputs, dy: dy, index: 1) == [0, 1, 0, 0, 0])
        #expect(backward(NNC_COMBINE_MAXIMUM, Self.inputs, dy: dy, index: 2) == [0, 0, 0, 0, 0])
    }
}
