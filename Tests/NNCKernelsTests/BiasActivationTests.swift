import CNNCKernels
import Foundation
import Testing

/// The transposed convolution's bias pass, y = f(x + b) per row, in place and not, against
/// the formula, and the column sums of its bias gradient.
@Suite struct BiasActivationTests {
    static let rows = 5
    static let columns = 3
    static let x: [Float] = (0..<15).map { Float(sin(0.7 * Double($0) + 0.2)) }
    static let bias: [Float] = [0.25, -0.5, 0.125]

    func expected(_ f: (Double) -> Double) -> [Double] {
        (0..<Self.x.count).map { f(Double(Self.x[$0]) + Double(Self.bias[$0 % Self.columns])) }
    }

    @Test func addsTheBiasThenTheActivation() {
        let cases: [(nnc_activation, (Double) -> Double)] = [
            (NNC_ACT_LINEAR, { $0 }), (NNC_ACT_RELU, { max($0, 0) }), (NNC_ACT_TANH, { tanh($0) }),
            (NNC_ACT_ELU, { $0 > 0 ? $0 : exp($0) - 1 }),
        ]
        for (act, f) in cases {
            let want = expected(f)
            var y = [Float](repeating: .nan, count: Self.x.count)
            nnc_bias_activation(&y, Self.x, Self.bias, Int32(Self.rows), Int32(Self.columns), act, 1)
            var inPlace = Self.x
            inPlace.withUnsafeMutableBufferPointer { p in
                nnc_bias_activation(
                    p.baseAddress!, p.baseAddress!, Self.bias, Int32(Self.rows), Int32(Self.columns), act, 1)
            }
            for i in want.indices {
                #expect(abs(Double(y[i]) - want[i]) < 1e-6, "\(act) element \(i)")
                #expect(inPlace[i] == y[i], "\(act) in place, element \(i)")
            }
        }
    }

    @Test func columnSumsAreTheBiasGradient() {
        var db = [Float](repeating: .nan, count: Self.columns)
        nnc_column_sums(&db, Self.x, Int32(Self.rows), Int32(Self.columns))
        for c in 0..<Self.columns {
            let sum = (0..<Self.rows).map { Double(Self.x[$0 * Self.columns + c]) }.reduce(0, +)
            #expect(abs(Double(db[c]) - sum) < 1e-6)
        }
    }
}
