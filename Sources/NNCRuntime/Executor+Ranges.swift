import CNNCKernels
import NNCKernels
import NNCPlan

/// Elementwise kernels (activations, optimizer updates, accumulation) and max-pool backward
/// run on contiguous ranges of their operands (of elements, or of samples), split over the
/// pool when long enough for a second thread to pay. Ranges are independent, so any split
/// gives the same bits.
struct RangeJob {
    enum Kind {
        case activation(nnc_activation, Float)
        case activationBackward(nnc_activation, Float)
        /// `momentum` overrides the rule's declared momentum (a momentum schedule), when set.
        case update(OptimizerRule, learningRate: Float, momentum: Float?, step: Int)
        case accumulate
        /// Ranges of samples: [dx, dy, argmax].
        case maxPoolBackward(nnc_window)
    }

    var kind: Kind
    /// Elements (samples for max-pool backward) the ranges cover.
    var count: Int
    var parts = 1
    /// The instruction's operands in its order (nil past its last).
    var operands:
        (
            UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?,
            UnsafeMutableRawPointer?
        )

    /// Elements below which one thread does it all (a second costs more to wake than it saves).
    static let minimumParallelElements = 65_536

    func float(_ p: UnsafeMutableRawPointer?, _ offset: Int) -> UnsafeMutablePointer<Float>? {
        p.map { $0.assumingMemoryBound(to: Float.self) + offset }
    }

    func run(_ part: Int) {
        let lo = count * part / parts
        let n = count * (part + 1) / parts - lo
        let (a, b, c, d, e) = operands
        switch kind {
        case .activation(let act, let parameter):
            nnc_activation_forward(float(a, lo)!, float(b, lo)!, n, act, parameter)
        case .activationBackward(let act, let parameter):
            // The third operand is y or x, whichever the derivative reads; the kernel reads only that one.
            nnc_activation_backward(float(a, lo)!, float(b, lo)!, float(c, lo), float(c, lo), n, act, parameter)
        case .accumulate:
            nnc_accumulate(float(a, lo)!, float(b, lo)!, n)
        case .update(let rule, let rate, let momentum, let step):
            Self.update(
                rule, w: float(a, lo)!, g: float(b, lo)!, state: (float(c, lo), float(d, lo), float(e, lo)), n,
                learningRate: rate, momentum: momentum, step: step)
        case .maxPoolBackward(let g):
            nnc_maxpool_backward_samples(
                float(a, 0)!, float(b, 0)!, c!.assumingMemoryBound(to: Int32.self), g, Int32(lo),
                Int32(lo + n))
        }
    }

    /// An update's cost in elementwise operations per weight, for the split: the rules with a
    /// square root and a division per weight cost about as much as 8 cheap elementwise ops.
    static func work(of rule: OptimizerRule, _ n: Int) -> Int {
        switch rule {
        case .sgd: n
        case .adagrad, .rmsprop, .adadelta, .adam: 8 * n
        }
    }

    /// One optimizer step over n weights; `state` holds the rule's state tensors in operand order.
    /// A declared momentum of zero keeps no velocity, so an override applies only where one is declared.
    static func update(
        _ rule: OptimizerRule, w: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>,
        state s: (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?),
        _ n: Int, learningRate lr: Float, momentum override: Float?, step: Int
    ) {
        switch rule {
        case .sgd(let declared, let dampening, let nesterov, let tied):
            let momentum = declared > 0 ? (override ?? Float(declared)) : 0
            nnc_sgd_update(
                w, g, declared > 0 ? s.0 : nil, n, lr, momentum, tied ? momentum : Float(dampening), nesterov ? 1 : 0)
        case .adagrad(_, let epsilon):
            nnc_adagrad_update(w, g, s.0, n, lr, Float(epsilon))
        case .rmsprop(let rho, let declared, let epsilon, let centered):
            let mg = centered ? s.1 : nil
            let mom = declared > 0 ? (centered ? s.2 : s.1) : nil
            let momentum = declared > 0 ? (override ?? Float(declared)) : 0
            nnc_rmsprop_update(w, g, s.0, mg, mom, n, lr, Float(rho), momentum, Float(epsilon), centered ? 1 : 0)
        case .adadelta(let rho, let epsilon):
            nnc_adadelta_update(w, g, s.0, s.1, n, lr, Float(rho), Float(epsilon))
        case .adam(let beta1, let beta2, let epsilon, let amsgrad, let decay):
            nnc_adam_update(
                w, g, s.0, s.1, amsgrad ? s.2 : nil, n, lr, Float(beta1), Float(beta2), Float(epsilon), Float(decay),
                step)
        }
    }
}

extension Executor {
    /// Runs `kind` over `count` elements (or samples) of the instruction's operands at `base`,
    /// split over the pool when `work` elements reach the threshold.
    func inRanges(_ kind: RangeJob.Kind, count: Int, work: Int? = nil, _ base: Int, operandCount: Int) {
        func at(_ k: Int) -> UnsafeMutableRawPointer? { k < operandCount ? operands[base + k] : nil }
        var job = RangeJob(kind: kind, count: count, operands: (at(0), at(1), at(2), at(3), at(4)))
        job.parts = (work ?? count) >= RangeJob.minimumParallelElements ? min(pool.threads, count) : 1
        pool.run(parts: job.parts, &job) { context, p in context!.assumingMemoryBound(to: RangeJob.self).pointee.run(p)
        }
    }
}
