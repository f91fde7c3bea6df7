import CNNCKernels
import NNCKernels
import NNCPlan

/// Recurrent layers on the fast kernels. The batch is split into one part per thread and
/// each part runs every timestep of its rows by itself (a row's step depends only on that
/// row's previous state), so a layer costs one pool dispatch rather than one per step, and
/// the split depends only on the thread count (results are identical run to run). Per
/// step a part multiplies on its own thread with U pre-packed, then calls the fused gate kernel.
/// A batch of one row splits each step by units instead, one dispatch a step (`unitParts`).
extension Executor {
    static func recurrentParts(_ s: RecurrentShape, threads: Int) -> Int { max(1, min(threads, s.batch)) }

    /// Parts each step's units are split into (1: none). One row gives the batch split nothing
    /// to share, so a batch-1 inference layer splits each step by units instead, one dispatch a
    /// step: part p multiplies the state by its units' columns of every gate (whole 16-column
    /// panels of the packed U, so every column is summed as on one thread) and runs the fused
    /// gate kernel on those units. Cells whose step reads other units' gates (GRU with the reset
    /// before the product), peepholes, masks and kept pre-activations stay on one thread.
    static func unitParts(_ s: RecurrentShape, threads: Int) -> Int {
        let cell = s.cell == .lstm || s.cell == .simple || s.cell == .gru(resetAfter: true)
        guard threads > 1, s.batch == 1, !s.training, s.packed, !s.fusedProjection, cell, !s.peephole, !s.masked,
            !s.recurrentDropout, !s.keepsPreactivations, s.units % 16 == 0, s.units >= 32,
            nnc_rnn_forward_fused(s.activation.raw, s.recurrentActivation.raw, Int32(s.gates)) != 0
        else { return 1 }
        return min(threads, s.units / 16)
    }

    /// Workspace floats of a recurrent instruction: one part's for every part of either split.
    static func recurrentWorkspaceFloats(_ s: RecurrentShape, threads: Int) -> Int {
        max(recurrentParts(s, threads: threads), unitParts(s, threads: threads))
            * recurrentPartFloats(s, threads: threads).total
    }

    /// Floats of the state row at the end of every part's workspace: the unit split's second
    /// state buffer (part 0's).
    static func stateRowFloats(_ s: RecurrentShape) -> Int { (s.units + 15) / 16 * 16 }

    /// Workspace floats of one part: packing space for the step GEMMs, then the gate kernels' rows,
    /// then a state row (stateRowFloats).
    static func recurrentPartFloats(_ s: RecurrentShape, threads: Int) -> (gemm: Int, total: Int) {
        let parts = recurrentParts(s, threads: threads)
        let rows = (s.batch + parts - 1) / parts
        var gemm = 0
        for k in 0..<s.products {
            let columns = s.productColumns(k).count
            gemm = max(
                gemm, GEMM.workspaceFloats(m: rows, n: columns, k: s.units, threads: 1),
                GEMM.workspaceFloats(m: rows, n: s.units, k: columns, threads: 1))
        }
        if s.fusedProjection {
            gemm = max(gemm, GEMM.workspaceFloats(m: rows, n: s.gateWidth, k: s.inputs, threads: 1))
        }
        gemm = (gemm + 15) / 16 * 16
        return (gemm, gemm + (Int(nnc_rnn_work_floats(Int32(s.units))) + 15) / 16 * 16 + stateRowFloats(s))
    }

    func recurrent(_ s: RecurrentShape, _ base: Int, backward: Bool) {
        let parts = Self.recurrentParts(s, threads: pool.threads)
        let floats = Self.recurrentPartFloats(s, threads: pool.threads)
        var job = RecurrentJob(
            shape: s, operands: operands + base, parts: parts, workspace: workspace, partFloats: floats.total,
            gemmFloats: floats.gemm)
        let unitParts = backward ? 1 : Self.unitParts(s, threads: pool.threads)
        if backward {
            pool.run(parts: parts, &job) { context, p in
                RecurrentJob.backward(context!.assumingMemoryBound(to: RecurrentJob.self).pointee, p)
            }
        } else if unitParts > 1 {
            forwardSplittingUnits(job, parts: unitParts)
        } else {
            pool.run(parts: parts, &job) { context, p in
                RecurrentJob.forward(context!.assumingMemoryBound(to: RecurrentJob.self).pointee, p)
            }
        }
    }

    /// The forward of a layer whose steps are split by units (unitParts): one dispatch a step.
    /// The state is double-buffered, each step reading one buffer whole while its parts write
    /// their units of the other, so the join after each step is the only barrier.
    func forwardSplittingUnits(_ job: RecurrentJob, parts: Int) {
        let u = job.shape.units
        let h = job.fw(.state)!
        h.update(repeating: 0, count: u)
        job.fw(.cell)?.update(repeating: 0, count: u)
        let stateRow = job.workspace + job.partFloats - Self.stateRowFloats(job.shape)
        var step = UnitStep(job: job, parts: parts, position: 0, read: h, write: stateRow)
        for position in 0..<job.shape.steps {
            step.position = position
            pool.run(parts: parts, &step) { context, p in
                UnitStep.run(context!.assumingMemoryBound(to: UnitStep.self).pointee, p)
            }
            swap(&step.read, &step.write)
        }
        if step.read != h { h.update(from: step.read, count: u) }
    }

    /// [dU, db?, states, product gradient, r⊙s?, dP?, cells?]: dU = Σ sₜᵀ·dzₜ over all batch·steps
    /// rows; LSTM peepholes' dP from the gate gradients and the cells.
    func recurrentWeightsGradient(_ s: RecurrentShape, _ base: Int) {
        let u = s.units
        let g = s.gateWidth
        let rows = s.batch * s.steps
        let rest = s.recurrentBias ? 2 : 1
        let dU = f(base, 0)
        let states = f(base, rest)
        let dz = f(base, rest + 1)
        for k in 0..<s.products {
            let columns = s.productColumns(k)
            let a = k == 0 ? states : f(base, rest + 2)
            GEMM.multiply(
                c: dU + columns.lowerBound, ldc: g, a: a, lda: u, transposeA: true, b: dz + columns.lowerBound, ldb: g,
                m: u, n: columns.count, k: rows, pool: pool, workspace: workspace)
        }
        if s.recurrentBias { nnc_column_sums(f(base, 1) + g, dz, Int32(rows), Int32(g)) }
        if s.peephole {
            let next = rest + (s.splitsProduct ? 3 : 2)
            nnc_lstm_peephole_gradient(
                f(base, next), dz, f(base, next + 1), Int32(s.batch), Int32(s.steps), Int32(u), s.reverse ? 1 : 0)
        }
    }

    /// [U packed, U] or [Uᵀ, Uᵀ packed, U]: one panel block per product of the step.
    func packRecurrentWeights(_ s: RecurrentShape, _ base: Int, transposed: Bool) {
        let u = s.units
        let g = s.gateWidth
        if !transposed {
            var packed = f(base, 0)
            for k in 0..<s.products {
                let columns = s.productColumns(k)
                GEMM.pack(packed, b: f(base, 1) + columns.lowerBound, ldb: g, n: columns.count, k: u)
                packed += s.packedFloats(product: k, transposed: false)
            }
            return
        }
        let ut = f(base, 0)
        nnc_transpose(ut, f(base, 2), Int32(u), Int32(g))
        var packed = f(base, 1)
        for k in 0..<s.products {
            let columns = s.productColumns(k)
            GEMM.pack(packed, b: ut + columns.lowerBound * u, ldb: u, n: u, k: columns.count)
            packed += s.packedFloats(product: k, transposed: true)
        }
    }
}

/// One recurrent instruction's operands, shared by the parts (rows of the batch) of the pool.
struct RecurrentJob {
    let shape: RecurrentShape
    let operands: UnsafeMutablePointer<UnsafeMutableRawPointer>
    let parts: Int
    let workspace: UnsafeMutablePointer<Float>
    /// Workspace floats per part, and how many of them the GEMM may use.
    let partFloats: Int, gemmFloats: Int

    /// A present forward operand (`fw`) or backward operand (`bw`), nil for an absent slot.
    func fw(_ slot: RecurrentShape.ForwardSlot) -> UnsafeMutablePointer<Float>? {
        shape.has(slot) ? operands[shape.index(slot)].assumingMemoryBound(to: Float.self) : nil
    }

    func bw(_ slot: RecurrentShape.BackwardSlot) -> UnsafeMutablePointer<Float>? {
        shape.has(slot) ? operands[shape.index(slot)].assumingMemoryBound(to: Float.self) : nil
    }

    /// The fields both step kernels' operands begin with: rows, units, the activations.
    func stepFields(rows: Int) -> (Int32, Int32, nnc_activation, nnc_activation, Float, Float) {
        (
            Int32(rows), Int32(shape.units), shape.activation.raw, shape.recurrentActivation.raw,
            Float(shape.activation.parameter), Float(shape.recurrentActivation.parameter)
        )
    }

    /// The bias the step kernel adds to the recurrent product: the input bias when the step adds
    /// it (`stepAddsInputBias`), else the recurrent half of a two-part bias (nil without one).
    func stepBias() -> UnsafeMutablePointer<Float>? {
        shape.stepAddsInputBias ? fw(.inputBias) : fw(.bias).map { $0 + shape.gateWidth }
    }

    func rows(_ p: Int) -> Range<Int> { (shape.batch * p / parts)..<(shape.batch * (p + 1) / parts) }

    /// Row (b, t) of a [batch, steps, width] buffer.
    func at(_ base: UnsafeMutablePointer<Float>?, _ b: Int, _ t: Int, _ width: Int) -> UnsafeMutablePointer<Float>? {
        base.map { $0 + (b * shape.steps + t) * width }
    }

    /// Asks for rows b0..<b0+rows of step t of a [batch, steps, width] buffer to be cached.
    func prefetch(_ base: UnsafeMutablePointer<Float>?, _ b0: Int, _ t: Int, _ width: Int, rows: Int) {
        guard let row = at(base, b0, t, width) else { return }
        nnc_prefetch_rows(row, Int32(shape.steps * width), Int32(rows), Int32(width))
    }

    /// Where step t's output rows of b0 go (every step's with return_sequences, else the last's),
    /// and their row stride.
    func outputRows(_ y: UnsafeMutablePointer<Float>?, _ b0: Int, _ t: Int, last: Bool) -> (
        UnsafeMutablePointer<Float>?, Int32
    ) {
        let s = shape
        guard let y else { return (nil, 0) }
        if s.returnSequences {
            return (y + (b0 * s.steps + t) * s.outputWidth + s.outputColumn, Int32(s.steps * s.outputWidth))
        }
        return last ? (y + b0 * s.outputWidth + s.outputColumn, Int32(s.outputWidth)) : (nil, 0)
    }

    static func forward(_ j: RecurrentJob, _ p: Int) {
        let s = j.shape
        let range = j.rows(p)
        guard !range.isEmpty else { return }
        let b0 = range.lowerBound
        let rows = range.count
        let u = s.units
        let g = s.gateWidth
        let steps = s.steps
        let workspace = j.workspace + p * j.partFloats
        let h = j.fw(.state)! + b0 * u
        let c = j.fw(.cell).map { $0 + b0 * u }
        h.update(repeating: 0, count: rows * u)
        c?.update(repeating: 0, count: rows * u)
        let product = j.fw(.product)! + b0 * g
        let kernel = j.fw(.recurrentKernel)!
        let packed = j.fw(.packedKernel)
        let states = j.fw(.states)
        let extra = j.fw(.extra)
        let mask = j.fw(.stepMask)
        let ld = Int32(steps * u)
        var step = nnc_rnn_forward()
        (step.rows, step.units, step.act, step.ract, step.act_param, step.ract_param) = j.stepFields(rows: rows)
        step.ld_gates = Int32(s.fusedProjection ? g : steps * g)
        step.ld_pre = Int32(steps * g)
        step.product = UnsafePointer(product)
        step.ld_product = Int32(g)
        step.rbias = j.stepBias().map { UnsafePointer($0) }
        step.h = h
        step.c = c
        step.ld_c = ld
        step.ld_extra = s.training ? ld : Int32(u)
        step.ld_prev = ld
        step.ld_step_mask = Int32(steps)
        step.zero_padded_output = s.zeroPaddedOutput ? 1 : 0
        step.peephole = j.fw(.peephole).map { UnsafePointer($0) }
        step.work = workspace + j.gemmFloats
        for position in 0..<steps {
            let t = s.step(position)
            // sₜ: the state this step's product reads (times the recurrent dropout mask).
            var a = h
            var lda = u
            if let states {
                a = states + (b0 * steps + t) * u
                lda = steps * u
                nnc_rnn_state_input(
                    a, Int32(lda), h, j.fw(.recurrentMask).map { UnsafePointer($0 + b0 * u) }, Int32(rows), Int32(u))
            }
            let first = s.productColumns(0)
            if s.fusedProjection { j.project(b0, rows: rows, t: t, workspace: workspace) }
            // The step's rows of the big per-step buffers come in while the GEMM runs.
            if !s.fusedProjection { j.prefetch(j.fw(.gates), b0, t, g, rows: rows) }
            j.prefetch(j.fw(.cells), b0, t, u, rows: rows)
            GEMM.multiply(
                c: product, ldc: g, a: a, lda: lda, b: kernel, ldb: g, m: rows, n: first.count, k: u,
                packedB: packed.map { UnsafePointer($0) }, workspace: workspace)
            step.gates = s.fusedProjection ? j.fw(.gates)! + b0 * g : j.at(j.fw(.gates), b0, t, g)
            step.pre = j.at(j.fw(.preactivations), b0, t, g)
            step.c_out = j.at(j.fw(.cells), b0, t, u)
            step.extra = s.training ? j.at(extra, b0, t, u) : extra.map { $0 + b0 * u }
            step.prev_out = j.at(j.fw(.previous), b0, t, u)
            step.s = UnsafePointer(a)
            step.ld_s = Int32(lda)
            (step.y, step.ld_y) = j.outputRows(j.fw(.output), b0, t, last: position == steps - 1)
            step.step_mask = mask.map { UnsafePointer($0 + b0 * steps + t) }
            switch s.cell {
            case .simple: nnc_simple_rnn_forward_step(&step)
            case .lstm: nnc_lstm_forward_step(&step)
            case .gru(resetAfter: true): nnc_gru_forward_step(&step)
            case .gru(resetAfter: false):
                nnc_gru_reset_step(&step)
                let second = s.productColumns(1)
                GEMM.multiply(
                    c: product + second.lowerBound, ldc: g, a: step.extra!, lda: Int(step.ld_extra),
                    b: kernel + second.lowerBound,
                    ldb: g, m: rows, n: second.count, k: u,
                    packedB: packed.map { UnsafePointer($0 + s.packedFloats(product: 0, transposed: false)) },
                    workspace: workspace)
                nnc_gru_candidate_step(&step)
            }
        }
    }

    /// Step t's input projection of rows b0..<b0+rows into the gates scratch: xₜ·W, plus b
    /// unless the step kernel adds it (`stepAddsInputBias`).
    func project(_ b0: Int, rows: Int, t: Int, workspace: UnsafeMutablePointer<Float>) {
        let s = shape
        let g = s.gateWidth
        GEMM.multiply(
            c: fw(.gates)! + b0 * g, ldc: g, a: at(fw(.input), b0, t, s.inputs)!, lda: s.steps * s.inputs,
            b: fw(.inputKernel)!, ldb: g, m: rows, n: g, k: s.inputs,
            packedB: UnsafePointer(fw(.packedInputKernel)!),
            epilogue: s.stepAddsInputBias ? nil : fw(.inputBias).map { GEMM.Epilogue(bias: UnsafePointer($0)) },
            workspace: workspace)
    }

    static func backward(_ j: RecurrentJob, _ p: Int) {
        let s = j.shape
        let range = j.rows(p)
        guard !range.isEmpty else { return }
        let b0 = range.lowerBound
        let rows = range.count
        let u = s.units
        let g = s.gateWidth
        let steps = s.steps
        let workspace = j.workspace + p * j.partFloats
        let dh = j.bw(.stateGradient)! + b0 * u
        let dc = j.bw(.cellGradient).map { $0 + b0 * u }
        let ds = j.bw(.sGradient)! + b0 * u
        dh.update(repeating: 0, count: rows * u)
        ds.update(repeating: 0, count: rows * u)
        dc?.update(repeating: 0, count: rows * u)
        let drs = j.bw(.resetGradient).map { $0 + b0 * u }
        let ut = j.bw(.transposedKernel)!
        let packed = j.bw(.packedTransposedKernel)!
        let dz = j.bw(.gatesGradient)!
        let dProduct = j.bw(.productGradient)
        let states = j.bw(.states)!
        let cells = j.bw(.cells)
        let mask = j.bw(.stepMask)
        let ld = Int32(steps * u)
        var step = nnc_rnn_backward()
        (step.rows, step.units, step.act, step.ract, step.act_param, step.ract_param) = j.stepFields(rows: rows)
        step.ld_dgates = Int32(steps * g)
        step.ld_dproduct = Int32(steps * g)
        step.ld_gates = Int32(s.fusedProjection ? g : steps * g)
        step.ld_pre = Int32(steps * g)
        (step.ld_c, step.ld_c_prev, step.ld_extra, step.ld_h_prev, step.ld_s) = (ld, ld, ld, ld, ld)
        step.dh = dh
        step.dc = dc
        step.ds = ds
        step.drs = drs.map { UnsafePointer($0) }
        step.rec_mask = j.bw(.recurrentMask).map { UnsafePointer($0 + b0 * u) }
        step.ld_step_mask = Int32(steps)
        step.zero_padded_output = s.zeroPaddedOutput ? 1 : 0
        step.peephole = j.bw(.peephole).map { UnsafePointer($0) }
        step.work = workspace + j.gemmFloats
        for position in stride(from: steps - 1, through: 0, by: -1) {
            let t = s.step(position)
            step.dgates = j.at(dz, b0, t, g)
            step.dproduct = j.at(dProduct, b0, t, g)
            let (dy, ldy) = j.outputRows(j.bw(.outputGradient), b0, t, last: position == steps - 1)
            step.dy = dy.map { UnsafePointer($0) }
            step.ld_dy = ldy
            step.gates = j.at(j.bw(.gates), b0, t, g).map { UnsafePointer($0) }
            step.pre = j.at(j.bw(.preactivations), b0, t, g).map { UnsafePointer($0) }
            step.c = j.at(cells, b0, t, u).map { UnsafePointer($0) }
            step.c_prev = position > 0 ? j.at(cells, b0, s.step(position - 1), u).map { UnsafePointer($0) } : nil
            step.extra = j.at(j.bw(.extra), b0, t, u).map { UnsafePointer($0) }
            step.s = UnsafePointer(states + (b0 * steps + t) * u)
            step.h_prev = j.at(j.bw(.previous) ?? states, b0, t, u).map { UnsafePointer($0) }
            step.step_mask = mask.map { UnsafePointer($0 + b0 * steps + t) }
            // The rows of this step's gradients, as the GEMM's A (row stride steps·g).
            let dRows = (dProduct ?? dz) + (b0 * steps + t) * g
            let ldd = steps * g
            switch s.cell {
            case .simple: nnc_simple_rnn_backward_step(&step)
            case .lstm: nnc_lstm_backward_step(&step)
            case .gru(resetAfter: true): nnc_gru_backward_step(&step)
            case .gru(resetAfter: false):
                // ∂(r⊙s) = ∂p_h·U_hᵀ is needed at every step (it gives ∂r); ∂s only before the first.
                nnc_gru_candidate_backward_step(&step)
                let second = s.productColumns(1)
                let first = s.productColumns(0)
                GEMM.multiply(
                    c: drs!, ldc: u, a: dRows + second.lowerBound, lda: ldd, b: ut + second.lowerBound * u, ldb: u,
                    m: rows, n: u, k: second.count,
                    packedB: UnsafePointer(packed + s.packedFloats(product: 0, transposed: true)), workspace: workspace)
                nnc_gru_reset_backward_step(&step)
                if position > 0 {
                    GEMM.multiply(
                        c: ds, ldc: u, a: dRows, lda: ldd, b: ut, ldb: u, m: rows, n: u, k: first.count,
                        accumulate: true,
                        packedB: UnsafePointer(packed), workspace: workspace)
                }
                continue
            }
            if position > 0 {
                // The next step's rows come in while the GEMM runs (their cₜ₋₁ is in cache already).
                let next = s.step(position - 1)
                j.prefetch(j.bw(.gates), b0, next, g, rows: rows)
                j.prefetch(dz, b0, next, g, rows: rows)
                j.prefetch(dProduct, b0, next, g, rows: rows)
                j.prefetch(cells, b0, next, u, rows: rows)
                j.prefetch(j.bw(.extra), b0, next, u, rows: rows)
                j.prefetch(j.bw(.previous) ?? states, b0, next, u, rows: rows)
                GEMM.multiply(
                    c: ds, ldc: u, a: dRows, lda: ldd, b: ut, ldb: u, m: rows, n: u, k: g,
                    packedB: UnsafePointer(packed), workspace: workspace)
            }
        }
    }
}

/// One step of a layer split by units (Executor.forwardSplittingUnits): the state to read, the
/// buffer its parts write their units of.
struct UnitStep {
    let job: RecurrentJob
    let parts: Int
    var position: Int
    var read: UnsafeMutablePointer<Float>
    var write: UnsafeMutablePointer<Float>

    /// Part p: units j0..<j1 (whole 16-column panels) of every gate's product, then the gate kernel.
    static func run(_ step: UnitStep, _ p: Int) {
        let j = step.job
        let s = j.shape
        let (u, g) = (s.units, s.gateWidth)
        let panels = u / 16
        let j0 = panels * p / step.parts * 16
        let j1 = panels * (p + 1) / step.parts * 16
        let t = s.step(step.position)
        let workspace = j.workspace + p * j.partFloats
        // The GRU's update reads the state it replaces; the other cells overwrite it.
        (step.write + j0).update(from: step.read + j0, count: j1 - j0)
        let product = j.fw(.product)!
        let (kernel, packed) = (j.fw(.recurrentKernel)!, j.fw(.packedKernel)!)
        for gate in 0..<s.gates {
            nnc_sgemm_prepacked(
                product, Int32(g), step.read, Int32(u), kernel, Int32(g), packed, 1, Int32(g), Int32(u), 0, 0, 1,
                Int32(gate * u + j0), Int32(gate * u + j1), workspace, nil)
        }
        var kernelStep = nnc_rnn_forward()
        (kernelStep.rows, _, kernelStep.act, kernelStep.ract, kernelStep.act_param, kernelStep.ract_param) =
            j.stepFields(rows: 1)
        kernelStep.units = Int32(j1 - j0)
        kernelStep.gate_stride = Int32(u)
        kernelStep.gates = j.at(j.fw(.gates), 0, t, g)! + j0
        kernelStep.ld_gates = Int32(s.steps * g)
        kernelStep.product = UnsafePointer(product + j0)
        kernelStep.ld_product = Int32(g)
        kernelStep.rbias = j.stepBias().map { UnsafePointer($0 + j0) }
        kernelStep.h = step.write + j0
        kernelStep.c = j.fw(.cell).map { $0 + j0 }
        kernelStep.extra = j.fw(.extra).map { $0 + j0 }
        kernelStep.ld_extra = Int32(u)
        let (y, ld) = j.outputRows(j.fw(.output), 0, t, last: step.position == s.steps - 1)
        kernelStep.y = y.map { $0 + j0 }
        kernelStep.ld_y = ld
        kernelStep.work = workspace + j.gemmFloats
        switch s.cell {
        case .lstm: nnc_lstm_forward_step(&kernelStep)
        case .gru: nnc_gru_forward_step(&kernelStep)
        case .simple: nnc_simple_rnn_forward_step(&kernelStep)
        }
    }
}
