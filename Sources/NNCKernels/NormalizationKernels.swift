import CNNCKernels

/// Batch and layer normalization, and inverted dropout (formulas in nnc_kernels.h).
public enum NormalizationKernels {
    public static func batchNormTrain(y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                      invStd: UnsafeMutablePointer<Float>, runningMean: UnsafeMutablePointer<Float>?,
                                      runningVar: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>,
                                      gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?, rows: Int, channels: Int,
                                      momentum: Float, epsilon: Float) {
        nnc_batchnorm_train_forward(y, mean, invStd, runningMean, runningVar, x, gamma, beta, Int32(rows), Int32(channels), momentum, epsilon)
    }

    public static func batchNormInfer(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, runningMean: UnsafePointer<Float>,
                                      runningVar: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                      rows: Int, channels: Int, epsilon: Float) {
        nnc_batchnorm_infer(y, x, runningMean, runningVar, gamma, beta, Int32(rows), Int32(channels), epsilon)
    }

    public static func batchNormBackward(dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>?,
                                         dBeta: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                                         mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>?,
                                         rows: Int, channels: Int) {
        nnc_batchnorm_backward(dx, dGamma, dBeta, dy, x, mean, invStd, gamma, Int32(rows), Int32(channels))
    }

    public static func layerNorm(y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
                                 x: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                 rows: Int, features: Int, epsilon: Float) {
        nnc_layernorm_forward(y, mean, invStd, x, gamma, beta, Int32(rows), Int32(features), epsilon)
    }

    public static func layerNormBackward(dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>?,
                                         dBeta: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                                         mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>?,
                                         rows: Int, features: Int) {
        nnc_layernorm_backward(dx, dGamma, dBeta, dy, x, mean, invStd, gamma, Int32(rows), Int32(features))
    }

    public static func dropout(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, count: Int, rate: Float, seed: UInt64) {
        nnc_dropout_forward(y, x, count, rate, seed)
    }

    public static func dropoutBackward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, count: Int, rate: Float, seed: UInt64) {
        nnc_dropout_backward(dx, dy, count, rate, seed)
    }
}
