import CNNCKernels

/// Window geometry, the reference convolution, and pooling over channels-last tensors.
public enum Window {
    /// The geometry of a window op: input [batch, h, w, c], window, stride, dilation,
    /// padding per side and output size (1-D ops use h = 1).
    public struct Geometry: Sendable {
        public var batch, h, w, c: Int
        public var kh, kw, sh, sw, dh, dw: Int
        public var padTop, padLeft, padBottom, padRight: Int
        public var oh, ow: Int

        public init(batch: Int, h: Int, w: Int, c: Int, kh: Int, kw: Int, sh: Int, sw: Int, dh: Int = 1, dw: Int = 1,
                    padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0, oh: Int, ow: Int) {
            (self.batch, self.h, self.w, self.c) = (batch, h, w, c)
            (self.kh, self.kw, self.sh, self.sw, self.dh, self.dw) = (kh, kw, sh, sw, dh, dw)
            (self.padTop, self.padLeft, self.padBottom, self.padRight) = (padTop, padLeft, padBottom, padRight)
            (self.oh, self.ow) = (oh, ow)
        }

        /// The C kernels' struct.
        public var raw: nnc_window {
            nnc_window(batch: Int32(batch), h: Int32(h), w: Int32(w), c: Int32(self.c), kh: Int32(kh), kw: Int32(kw),
                       sh: Int32(sh), sw: Int32(sw), dh: Int32(dh), dw: Int32(dw), pad_top: Int32(padTop),
                       pad_left: Int32(padLeft), pad_bottom: Int32(padBottom), pad_right: Int32(padRight),
                       oh: Int32(oh), ow: Int32(ow))
        }

        public var inputCount: Int { batch * h * w * c }
        public var positions: Int { batch * oh * ow }
    }

    /// The naive direct convolution (the fast kernels' twin, see `Convolution`): y = conv(x, w) + bias
    /// with weights [kh, kw, c/groups, filters] (Keras's layout).
    public static func conv2dReference(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                                       bias: UnsafePointer<Float>?, _ g: Geometry, filters: Int, groups: Int) {
        nnc_conv2d_reference(y, x, w, bias, g.raw, Int32(filters), Int32(groups))
    }

    public static func maxPool(y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>?, x: UnsafePointer<Float>, _ g: Geometry) {
        nnc_maxpool_forward(y, argmax, x, g.raw)
    }

    public static func maxPoolBackward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, _ g: Geometry) {
        nnc_maxpool_backward(dx, dy, argmax, g.positions * g.c, g.inputCount)
    }

    public static func avgPool(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, _ g: Geometry, countPadding: Bool) {
        nnc_avgpool_forward(y, x, g.raw, countPadding ? 1 : 0)
    }

    public static func avgPoolBackward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, _ g: Geometry, countPadding: Bool) {
        nnc_avgpool_backward(dx, dy, g.raw, countPadding ? 1 : 0)
    }
}
