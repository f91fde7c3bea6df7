import NNCPlan

/// The elementwise merges in double precision, one element at a time: the twins of
/// `nnc_combine` and `nnc_combine_backward`.
extension ReferenceExecutor {
    /// y for one element of each input.
    static func combine(_ operation: ElementwiseMerge, _ x: [Double]) -> Double {
        switch operation {
        case .subtract: x[0] - x[1]
        case .multiply: x.reduce(1, *)
        case .average: x.reduce(0, +) / Double(x.count)
        case .maximum: x.max()!
        }
    }

    /// The input a maximum's gradient goes to: the largest, on a tie the first.
    public static func winner(_ x: [Double]) -> Int {
        x.indices.reduce(0) { x[$1] > x[$0] ? $1 : $0 }
    }

    /// ∂y/∂x[index] at one element; `x` is empty when the operation's gradient reads only ∂y.
    static func combineDerivative(_ operation: ElementwiseMerge, _ x: [Double], inputs: Int, _ index: Int) -> Double {
        switch operation {
        case .subtract: index == 0 ? 1 : -1
        case .multiply: x.indices.reduce(1) { $1 == index ? $0 : $0 * x[$1] }
        case .average: 1 / Double(inputs)
        case .maximum: winner(x) == index ? 1 : 0
        }
    }
}
