import CNNCKernels

/// Convolution (as im2col + GEMM) and pooling over channels-last tensors.
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

        var raw: nnc_window {
            nnc_window(batch: Int32(batch), h: Int32(h), w: Int32(w), c: Int32(self.c), kh: Int32(kh), kw: Int32(kw),
                       sh: Int32(sh), sw: Int32(sw), dh: Int32(dh), dw: Int32(dw), pad_top: Int32(padTop),
                       pad_left: Int32(padLeft), pad_bottom: Int32(padBottom), pad_right: Int32(padRight),
                       oh: Int32(oh), ow: Int32(ow))
        }

        public var inputCount: Int { batch * h * w * c }
        public var positions: Int { batch * oh * ow }
    }

    /// Floats of the im2col buffer for one group of `channels` channels.
    public static func columnsCount(_ g: Geometry, channels: Int) -> Int { g.positions * g.kh * g.kw * channels }

    public static func im2col(_ cols: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ g: Geometry, channels: Range<Int>) {
        nnc_im2col(cols, x, g.raw, Int32(channels.lowerBound), Int32(channels.count))
    }

    public static func col2im(_ dx: UnsafeMutablePointer<Float>, _ cols: UnsafePointer<Float>, _ g: Geometry, channels: Range<Int>) {
        nnc_col2im(dx, cols, g.raw, Int32(channels.lowerBound), Int32(channels.count))
    }

    /// y = conv(x, w) + bias via im2col and GEMM, group by group. Weights are
    /// [kh, kw, c/groups, filters] (Keras's layout); `cols` and `workspace` are scratch.
    public static func conv2d(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, _ g: Geometry, filters: Int, groups: Int,
                              cols: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>, pool: ThreadPool? = nil) {
        let cg = g.c / groups, fg = filters / groups, k = g.kh * g.kw * cg
        for group in 0..<groups {
            im2col(cols, x, g, channels: group * cg..<(group + 1) * cg)
            GEMM.multiply(c: y + group * fg, ldc: filters, a: cols, lda: k, b: w + group * fg, ldb: filters,
                          m: g.positions, n: fg, k: k, pool: pool, workspace: workspace)
        }
        if let bias {
            for p in 0..<g.positions { for f in 0..<filters { y[p * filters + f] += bias[f] } }
        }
    }

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
