import NNCGraph
import NNCPlan

/// upsampling2d in double precision from its definition: every (output, input, weight) tap,
/// the forward sums them into outputs and the backward into inputs.
extension ReferenceExecutor {
    static func upsampleTaps(_ u: Upsample, _ tap: (_ out: Int, _ input: Int, _ weight: Double) -> Void) {
        let (oh, ow) = (u.h * u.sh, u.w * u.sw)
        /// The cells output index i reads on an axis of n cells upsampled by s, with weights.
        func taps(_ i: Int, _ s: Int, _ n: Int) -> [(Int, Double)] {
            switch u.interpolation {
            case .nearest:
                return [(i / s, 1)]
            case .bilinear:
                let source = max((Double(i) + 0.5) / Double(s) - 0.5, 0)
                let lo = min(Int(source), n - 1)
                let t = source - Double(lo)
                return [(lo, 1 - t), (min(lo + 1, n - 1), t)]
            }
        }
        for b in 0..<u.batch {
            for i in 0..<oh {
                for j in 0..<ow {
                    for (si, wi) in taps(i, u.sh, u.h) {
                        for (sj, wj) in taps(j, u.sw, u.w) {
                            for c in 0..<u.c {
                                tap(((b * oh + i) * ow + j) * u.c + c, ((b * u.h + si) * u.w + sj) * u.c + c, wi * wj)
                            }
                        }
                    }
                }
            }
        }
    }
}
