import CNNCKernels

/// One update step of each optimizer of the spec language over a parameter tensor and
/// its state, in place. Formulas are in nnc_kernels.h; `t` counts steps from 1.
public enum OptimizerKernels {
    public static func sgd(w: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, velocity: UnsafeMutablePointer<Float>?,
                           count: Int, lr: Float, momentum: Float, dampening: Float, nesterov: Bool) {
        nnc_sgd_update(w, g, velocity, count, lr, momentum, dampening, nesterov ? 1 : 0)
    }

    public static func adagrad(w: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, accumulator: UnsafeMutablePointer<Float>,
                               count: Int, lr: Float, epsilon: Float) {
        nnc_adagrad_update(w, g, accumulator, count, lr, epsilon)
    }

    public static func rmsprop(w: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, meanSquare: UnsafeMutablePointer<Float>,
                               meanGradient: UnsafeMutablePointer<Float>?, momentumBuffer: UnsafeMutablePointer<Float>?,
                               count: Int, lr: Float, rho: Float, momentum: Float, epsilon: Float, centered: Bool) {
        nnc_rmsprop_update(w, g, meanSquare, meanGradient, momentumBuffer, count, lr, rho, momentum, epsilon, centered ? 1 : 0)
    }

    public static func adadelta(w: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, meanSquareGradient: UnsafeMutablePointer<Float>,
                                meanSquareDelta: UnsafeMutablePointer<Float>, count: Int, lr: Float, rho: Float, epsilon: Float) {
        nnc_adadelta_update(w, g, meanSquareGradient, meanSquareDelta, count, lr, rho, epsilon)
    }

    /// Adam, AMSGrad when `maxSecondMoment` is given, AdamW when `weightDecay` > 0.
    public static func adam(w: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, firstMoment: UnsafeMutablePointer<Float>,
                            secondMoment: UnsafeMutablePointer<Float>, maxSecondMoment: UnsafeMutablePointer<Float>?,
                            count: Int, lr: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float = 0, step t: Int) {
        nnc_adam_update(w, g, firstMoment, secondMoment, maxSecondMoment, count, lr, beta1, beta2, epsilon, weightDecay, t)
    }
}
