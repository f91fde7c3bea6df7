import CNNCKernels

/// Convolutions that read each output position's patch in place (no im2col buffer), split
/// by samples over a pool: forward with bias and activation in the epilogue, backward data
/// (col2im without the columns) and backward weights. The C kernels' naive twins are
/// `nnc_conv2d_reference` and `nnc_conv2d_backward_{data,weights}_reference`.
///
/// `scratch` is the zero-padded copy of the input (or, backward, of its gradient) when the
/// geometry says the kernels read one (`padded`), else unused.
public enum ConvolutionKernel {
    /// Parts (sample ranges) a convolution splits into: one below GEMM's threshold of work.
    public static func parts(_ cv: nnc_conv, threads: Int) -> Int {
        let g = cv.g
        let work = Double(g.batch) * Double(g.oh * g.ow) * Double(g.kh * g.kw * g.c / cv.groups) * Double(cv.filters)
        return work < Double(GEMM.minimumParallelWork) ? 1 : max(1, min(threads, Int(g.batch)))
    }

    /// Floats of workspace any of the three kernels needs on `threads` threads.
    public static func workspaceFloats(_ cv: nnc_conv, threads: Int) -> Int {
        Int(nnc_conv_workspace_floats(cv, Int32(parts(cv, threads: threads))))
    }

    /// y = f(conv(x, W) + bias).
    public static func forward(
        y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, _ cv: nnc_conv, activation: nnc_activation = NNC_ACT_LINEAR,
        parameter: Float = 0, scratch: UnsafeMutablePointer<Float>?, pool: ThreadPool?,
        workspace: UnsafeMutablePointer<Float>
    ) {
        let packed = aligned(workspace)
        nnc_conv_pack_weights(packed, w, cv)
        var job = Job(
            cv: cv, parts: parts(cv, threads: pool?.threads ?? 1), out: y, input: x, second: UnsafePointer(packed),
            bias: bias, activation: activation, parameter: parameter, scratch: scratch)
        run(&job, pool) { context, p in
            let j = context!.assumingMemoryBound(to: Job.self).pointee
            let (b0, b1) = j.samples(p)
            let source = j.paddedInput(b0, b1)
            nnc_conv_forward(j.out, source, j.second, j.bias, j.cv, j.activation, j.parameter, b0, b1)
        }
    }

    /// Floats of workspace the fused convolution + max pool needs on `threads` threads.
    public static func maxPoolWorkspaceFloats(_ cv: nnc_conv, pool: nnc_window, threads: Int) -> Int {
        Int(nnc_conv_maxpool_workspace_floats(cv, pool, Int32(parts(cv, threads: threads))))
    }

    /// y = maxpool(f(conv(x, W) + bias)) for a pool whose windows tile the convolution's output
    /// (kernel = stride, no padding), without storing that output; `argmax` (when given)
    /// indexes it, as a separate max pool's would.
    public static func forwardMaxPool(
        y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>?,
        x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        _ cv: nnc_conv, pool window: nnc_window, activation: nnc_activation = NNC_ACT_LINEAR,
        parameter: Float = 0, scratch: UnsafeMutablePointer<Float>?, pool: ThreadPool?,
        workspace: UnsafeMutablePointer<Float>
    ) {
        let packed = aligned(workspace)
        nnc_conv_pack_weights(packed, w, cv)
        let buffers = packed + (Int(nnc_conv_packed_floats(cv)) + 15) / 16 * 16
        var job = Job(
            cv: cv, parts: parts(cv, threads: pool?.threads ?? 1), out: y, input: x, second: UnsafePointer(packed),
            bias: bias, activation: activation, parameter: parameter, scratch: scratch, partials: buffers,
            count: (Int(nnc_conv_maxpool_buffer_floats(cv, window)) + 15) / 16 * 16, pool: window, argmax: argmax)
        run(&job, pool) { context, p in
            let j = context!.assumingMemoryBound(to: Job.self).pointee
            let (b0, b1) = j.samples(p)
            let source = j.paddedInput(b0, b1)
            nnc_conv_forward_maxpool(
                j.out, j.argmax, source, j.second, j.bias, j.cv, j.pool, j.activation, j.parameter, b0, b1,
                j.partials! + p * j.count)
        }
    }

    /// dx = the adjoint of the forward with respect to x, for dz = ∂loss/∂y (before the activation).
    public static func backwardData(
        dx: UnsafeMutablePointer<Float>, dz: UnsafePointer<Float>, w: UnsafePointer<Float>,
        _ cv: nnc_conv, scratch: UnsafeMutablePointer<Float>?, pool: ThreadPool?,
        workspace: UnsafeMutablePointer<Float>
    ) {
        let packed = aligned(workspace)
        nnc_conv_pack_weights_t(packed, w, cv)
        var job = Job(
            cv: cv, parts: parts(cv, threads: pool?.threads ?? 1), out: dx, input: dz, second: UnsafePointer(packed),
            scratch: scratch)
        run(&job, pool) { context, p in
            let j = context!.assumingMemoryBound(to: Job.self).pointee
            let (b0, b1) = j.samples(p)
            if j.cv.padded != 0, let scratch = j.scratch {
                nnc_conv_backward_data(scratch, j.input, j.second, j.cv, b0, b1)
                nnc_conv_unpad(j.out, scratch, j.cv, b0, b1)
            } else {
                nnc_conv_backward_data(j.out, j.input, j.second, j.cv, b0, b1)
            }
        }
    }

    /// dW = Σ over positions of patchᵀ·dz: each part sums its samples (part 0 into dw, the
    /// others into the workspace), then the parts' sums are added in order.
    public static func backwardWeights(
        dw: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, dz: UnsafePointer<Float>,
        _ cv: nnc_conv, scratch: UnsafeMutablePointer<Float>?, pool: ThreadPool?,
        workspace: UnsafeMutablePointer<Float>
    ) {
        let count = Int(cv.g.kh * cv.g.kw * cv.g.c / cv.groups * cv.filters)
        var job = Job(
            cv: cv, parts: parts(cv, threads: pool?.threads ?? 1), out: dw, input: x, second: dz, scratch: scratch,
            partials: workspace, count: count)
        run(&job, pool) { context, p in
            let j = context!.assumingMemoryBound(to: Job.self).pointee
            let (b0, b1) = j.samples(p)
            let source = j.paddedInput(b0, b1)
            nnc_conv_backward_weights(p == 0 ? j.out : j.partials! + (p - 1) * j.count, source, j.second, j.cv, b0, b1)
        }
        for p in 1..<max(1, job.parts) { nnc_accumulate(dw, workspace + (p - 1) * count, count) }
    }

    /// One convolution kernel's operands; part p takes a contiguous range of samples.
    struct Job {
        var cv: nnc_conv
        var parts: Int
        var out: UnsafeMutablePointer<Float>
        var input: UnsafePointer<Float>
        /// The packed weights (forward, backward data) or dz (backward weights).
        var second: UnsafePointer<Float>
        var bias: UnsafePointer<Float>? = nil
        var activation: nnc_activation = NNC_ACT_LINEAR
        var parameter: Float = 0
        var scratch: UnsafeMutablePointer<Float>?
        /// Per-part floats (`count` each): weight-gradient sums, or the fused pool's row buffers.
        var partials: UnsafeMutablePointer<Float>? = nil
        var count = 0
        var pool = nnc_window()
        var argmax: UnsafeMutablePointer<Int32>? = nil

        /// The input samples [b0, b1) as the kernels read them: zero-padded into the scratch
        /// copy when the convolution pads, else the input itself.
        func paddedInput(_ b0: Int32, _ b1: Int32) -> UnsafePointer<Float> {
            guard cv.padded != 0, let scratch else { return input }
            nnc_conv_pad(scratch, input, cv, b0, b1)
            return UnsafePointer(scratch)
        }

        func samples(_ p: Int) -> (Int32, Int32) {
            let batch = Int(cv.g.batch)
            return (Int32(batch * p / parts), Int32(batch * (p + 1) / parts))
        }
    }

    static func run(
        _ job: inout Job, _ pool: ThreadPool?, _ task: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void
    ) {
        if let pool {
            pool.run(parts: job.parts, &job, task)
        } else {
            withUnsafeMutablePointer(to: &job) {
                for p in 0..<$0.pointee.parts { task(UnsafeMutableRawPointer($0), p) }
            }
        }
    }

    /// The first 64-byte boundary in the workspace (its size includes the slack).
    static func aligned(_ p: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        let address = (UInt(bitPattern: p) + 63) & ~63
        return UnsafeMutablePointer(bitPattern: address)!
    }
}
