import CNNCKernels
import Foundation
import Testing

/// Each loss against its formula in double, and its gradient against central finite
/// differences of that formula (scale 0.5, relative tolerance 1e-3).
@Suite struct LossTests {
    static let rows = 2, cols = 3
    static let y: [Float] = [0.2, 0.7, 0.1, 0.9, 0.05, 0.05]
    static let t: [Float] = [0, 1, 0, 1, 0, 0]
    static let logits: [Float] = [-1.5, 2.0, 0.3, 4.0, -3.0, 0.0]

    enum Kind: String, CaseIterable { case mse, sumOfSquares, bce, bceLogits, cce }

    static func reference(_ kind: Kind, _ y: [Double], _ t: [Double]) -> [Double] {
        (0..<rows).map { r in
            let idx = (0..<cols).map { r * cols + $0 }
            switch kind {
            case .mse: return idx.reduce(0) { $0 + pow(y[$1] - t[$1], 2) } / Double(cols)
            case .sumOfSquares: return 0.5 * idx.reduce(0) { $0 + pow(y[$1] - t[$1], 2) }
            case .bce: return idx.reduce(0) { $0 - (t[$1] * log(y[$1]) + (1 - t[$1]) * log(1 - y[$1])) } / Double(cols)
            case .bceLogits:
                return idx.reduce(0) { s, i in
                    let p = 1 / (1 + exp(-y[i]))
                    return s - (t[i] * log(p) + (1 - t[i]) * log(1 - p))
                } / Double(cols)
            case .cce: return idx.reduce(0) { $0 - t[$1] * log(y[$1]) }
            }
        }
    }

    func run(_ kind: Kind, _ y: [Float]) -> (loss: [Float], grad: [Float]) {
        var loss = [Float](repeating: 0, count: Self.rows)
        var grad = [Float](repeating: 0, count: y.count)
        let (r, c, t) = (Self.rows, Self.cols, Self.t)
        switch kind {
        case .mse, .sumOfSquares:
            nnc_mse_forward(&loss, y, t, Int32(r), Int32(c), kind == .sumOfSquares ? 1 : 0)
            nnc_mse_backward(&grad, y, t, Int32(r), Int32(c), kind == .sumOfSquares ? 1 : 0, 0.5)
        case .bce, .bceLogits:
            nnc_bce_forward(&loss, y, t, Int32(r), Int32(c), kind == .bceLogits ? 1 : 0, 0)
            nnc_bce_backward(&grad, y, t, Int32(r), Int32(c), kind == .bceLogits ? 1 : 0, 0.5, 0)
        case .cce:
            nnc_cce_forward(&loss, y, t, nil, Int32(r), Int32(c), 0)
            nnc_cce_backward(&grad, y, t, nil, Int32(r), Int32(c), 0.5, 0)
        }
        return (loss, grad)
    }

    @Test(arguments: Kind.allCases)
    func lossesAndGradientsMatchTheFormulas(_ kind: Kind) {
        let y = kind == .bceLogits ? Self.logits : Self.y
        let (loss, grad) = run(kind, y)
        let yd = y.map(Double.init)
        let td = Self.t.map(Double.init)
        let expected = Self.reference(kind, yd, td)
        for r in 0..<Self.rows {
            #expect(abs(Double(loss[r]) - expected[r]) <= 1e-5 * max(1, expected[r]), "\(kind) row \(r)")
        }
        let h = 1e-6
        for i in y.indices {
            var up = yd
            var down = yd
            up[i] += h
            down[i] -= h
            let numeric =
                0.5 * (Self.reference(kind, up, td).reduce(0, +) - Self.reference(kind, down, td).reduce(0, +))
                / (2 * h)
            #expect(abs(Double(grad[i]) - numeric) <= 1e-3 * max(1, abs(numeric)), "\(kind) ∂/∂y[\(i)]")
        }
    }

    @Test func extremeLogitsStayFinite() {
        var loss: [Float] = [0]
        var grad: [Float] = [0, 0]
        nnc_bce_forward(&loss, [1000, -1000], [0, 1], 1, 2, 1, 0)
        nnc_bce_backward(&grad, [1000, -1000], [0, 1], 1, 2, 1, 1, 0)
        #expect(loss[0] == 1000)
        #expect(grad == [0.5, -0.5])
    }
}
