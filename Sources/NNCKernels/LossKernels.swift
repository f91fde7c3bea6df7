import CNNCKernels

/// Losses per row and their gradients (formulas in nnc_kernels.h). `scale` multiplies the
/// gradient, e.g. 1/batch for a mean over the batch.
public enum LossKernels {
    public static func meanSquaredError(loss: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, t: UnsafePointer<Float>,
                                        rows: Int, cols: Int, halfSum: Bool = false) {
        nnc_mse_forward(loss, y, t, Int32(rows), Int32(cols), halfSum ? 1 : 0)
    }

    public static func meanSquaredErrorBackward(dy: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, t: UnsafePointer<Float>,
                                                rows: Int, cols: Int, halfSum: Bool = false, scale: Float) {
        nnc_mse_backward(dy, y, t, Int32(rows), Int32(cols), halfSum ? 1 : 0, scale)
    }

    public static func binaryCrossEntropy(loss: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, t: UnsafePointer<Float>,
                                          rows: Int, cols: Int, fromLogits: Bool) {
        nnc_bce_forward(loss, y, t, Int32(rows), Int32(cols), fromLogits ? 1 : 0, 0)
    }

    public static func binaryCrossEntropyBackward(dy: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, t: UnsafePointer<Float>,
                                                  rows: Int, cols: Int, fromLogits: Bool, scale: Float) {
        nnc_bce_backward(dy, y, t, Int32(rows), Int32(cols), fromLogits ? 1 : 0, scale, 0)
    }

    public static func categoricalCrossEntropy(loss: UnsafeMutablePointer<Float>, p: UnsafePointer<Float>, t: UnsafePointer<Float>,
                                               rows: Int, cols: Int) {
        nnc_cce_forward(loss, p, t, nil, Int32(rows), Int32(cols), 0)
    }

    public static func categoricalCrossEntropyBackward(dp: UnsafeMutablePointer<Float>, p: UnsafePointer<Float>, t: UnsafePointer<Float>,
                                                       rows: Int, cols: Int, scale: Float) {
        nnc_cce_backward(dp, p, t, nil, Int32(rows), Int32(cols), scale, 0)
    }
}
