import NNCGraph

/// One direction of a recurrent layer as its kernels see it: the cell, the sizes, the
/// activations, and which optional operands the instructions carry.
///
/// Layouts are Keras's: the input projection kernel W [inputs, gates·units], the recurrent
/// kernel U [units, gates·units] with gate order i, f, c, o (LSTM) or z, r, h (GRU), and a
/// bias [gates·units] or [2, gates·units] whose second row is added to h·U (GRU
/// reset_after, or any cell under the PyTorch convention). Per-timestep buffers are
/// batch-major [batch, steps, …] like the layer's input, so the input projection of all
/// timesteps and the weight gradients are single GEMMs over batch·steps rows.
public struct RecurrentShape: Sendable, Equatable {
    public enum Cell: Sendable, Equatable {
        /// hₜ = f(xₜW + sₜU + b).
        case simple
        /// Gates i, f, c, o: cₜ = f⊙cₜ₋₁ + i⊙g, hₜ = o⊙act(cₜ).
        case lstm
        /// Gates z, r, h: hₜ = z⊙hₜ₋₁ + (1 − z)⊙ĥ, with the reset gate applied after the
        /// recurrent product (ĥ = act(xW_h + r⊙(sU_h + b_rh))) or before it (ĥ = act(xW_h + (r⊙s)U_h)).
        case gru(resetAfter: Bool)

        public var gates: Int {
            switch self {
            case .simple: 1
            case .lstm: 4
            case .gru: 3
            }
        }

        public var name: String {
            switch self {
            case .simple: "simple_rnn"
            case .lstm: "lstm"
            case .gru(let after): after ? "gru" : "gru(reset before)"
            }
        }
    }

    public var cell: Cell
    public var batch: Int, steps: Int, inputs: Int, units: Int
    /// The candidate's and output's activation, and the gates' (unused by simple_rnn).
    public var activation: ActivationFunction
    public var recurrentActivation: ActivationFunction
    /// Processes timesteps last to first (the backward half of a bidirectional layer).
    /// Its per-timestep outputs stay aligned with the input's timesteps, as in Keras.
    public var reverse: Bool
    /// The output holds every timestep's state [batch, steps, outputWidth], else the last [batch, outputWidth].
    public var returnSequences: Bool
    /// Row width of the output and this direction's first column in it (a bidirectional
    /// concat writes both directions into one buffer).
    public var outputWidth: Int, outputColumn: Int
    /// The bias has a second row, added to the recurrent product.
    public var recurrentBias: Bool
    /// A [batch, steps] mask of real steps (1) and padding (0): padded steps carry the state
    /// through unchanged, output the carried state, and pass no gradient to the weights.
    public var masked: Bool
    /// A padded step outputs zeros instead of the carried state: Keras's Bidirectional
    /// returning sequences (a plain recurrent layer repeats the carried state).
    public var zeroPaddedOutput: Bool
    /// A [batch, units] dropout mask multiplies the state before each recurrent product.
    public var recurrentDropout: Bool
    /// Training: the loop keeps what backpropagation through time reads (every step's
    /// gates, states, cells); inference keeps only the running state.
    public var training: Bool
    /// The recurrent kernel is passed pre-packed in GEMM panels (unoptimized inference plans
    /// multiply by U as stored).
    public var packed: Bool
    /// Inference: each step multiplies its own rows of the input by W (pre-packed) into a
    /// [batch, gates·units] scratch, instead of one GEMM writing every step's projection
    /// before the loop. At batch 256 that buffer is 28·256·512 floats (14.7 MB) for the
    /// LSTM over MNIST rows: written once and read back from memory; per step it stays in
    /// the cache. Training keeps the single GEMM (backward reads every step's gates).
    public var fusedProjection: Bool
    /// The layer has a bias, whose first row the fused projection adds.
    public var projectionBias: Bool
    /// LSTM peephole connections: the i and f pre-activations add p_i⊙cₜ₋₁ and p_f⊙cₜ₋₁, o's
    /// adds p_o⊙cₜ (`peephole_weights` [3, units], rows i, f, o). The step kernels then take
    /// their general path (the fused one-pass steps have no peepholes).
    public var peephole: Bool

    public init(
        cell: Cell, batch: Int, steps: Int, inputs: Int, units: Int, activation: ActivationFunction,
        recurrentActivation: ActivationFunction, reverse: Bool = false, returnSequences: Bool = false,
        outputWidth: Int? = nil, outputColumn: Int = 0, recurrentBias: Bool = false, masked: Bool = false,
        zeroPaddedOutput: Bool = false, recurrentDropout: Bool = false, training: Bool = true, packed: Bool = true,
        fusedProjection: Bool = false, projectionBias: Bool = false, peephole: Bool = false
    ) {
        self.cell = cell
        self.batch = batch
        self.steps = steps
        self.inputs = inputs
        self.units = units
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.reverse = reverse
        self.returnSequences = returnSequences
        self.outputWidth = outputWidth ?? units
        self.outputColumn = outputColumn
        self.recurrentBias = recurrentBias
        self.masked = masked
        self.zeroPaddedOutput = zeroPaddedOutput
        self.recurrentDropout = recurrentDropout
        self.training = training
        self.packed = packed
        self.fusedProjection = fusedProjection
        self.projectionBias = projectionBias
        self.peephole = peephole
    }

    public var gates: Int { cell.gates }
    /// Columns of the gate pre-activations: gates·units.
    public var gateWidth: Int { cell.gates * units }
    /// GRU with the reset gate before the product: two recurrent products per step (s·U_zr, then (r⊙s)·U_h).
    public var splitsProduct: Bool { cell == .gru(resetAfter: false) }
    /// GRU reset_after: the gradient of the recurrent product differs from the input
    /// projection's in the candidate's columns (dĥ⊙r rather than dĥ).
    public var separateRecurrentGradient: Bool { cell == .gru(resetAfter: true) }
    /// Activations whose derivative reads their input (leaky_relu, softplus, swish) make
    /// training keep the pre-activations too.
    public var keepsPreactivations: Bool {
        training
            && (!activation.kind.backwardNeedsOnlyOutput
                || (cell != .simple && !recurrentActivation.kind.backwardNeedsOnlyOutput))
    }
    /// With `fusedProjection`, the step kernel adds the input bias with the product (as its
    /// `rbias` row) rather than a pass over the projected rows: every gate's pre-activation is
    /// xₜ·W + sₜ·U + b, a sum, unless a recurrent bias takes that row (GRU reset after, whose
    /// candidate multiplies its recurrent term by r).
    public var stepAddsInputBias: Bool {
        fusedProjection && projectionBias && !recurrentBias && !separateRecurrentGradient
    }
    /// Recurrent products per step: two for GRU reset before (s·U_zr, then (r⊙s)·U_h), else one.
    public var products: Int { splitsProduct ? 2 : 1 }

    /// The columns of U that product `k` multiplies by (a function, not an array: executors
    /// ask every step, and a step allocates nothing).
    public func productColumns(_ k: Int) -> Range<Int> {
        splitsProduct ? (k == 0 ? 0..<(2 * units) : (2 * units)..<(3 * units)) : 0..<gateWidth
    }

    /// The timestep processed at position `position` of the loop.
    public func step(_ position: Int) -> Int { reverse ? steps - 1 - position : position }

    /// Operands of `Kernel.recurrent`, in this order; each present only when `has` says so.
    public enum ForwardSlot: Int, CaseIterable, Sendable {
        /// out: hₜ for every step [batch, steps, outputWidth] or the last [batch, outputWidth].
        case output
        /// inout [batch, steps, gates·units]: in, x·W + b (the input projection of every
        /// timestep, one GEMM); out, the activated gates. With `fusedProjection`, a scratch
        /// [batch, gates·units] the loop fills with each step's projection.
        case gates
        /// Training, out [batch, steps, units]: sₜ, the state the step's recurrent product
        /// reads (hₜ₋₁, times the recurrent dropout mask), stacked for dU = Σ sₜᵀ·dzₜ.
        case states
        /// LSTM training, out [batch, steps, units]: cₜ.
        case cells
        /// GRU, out: the candidate's recurrent term sU_h + b_rh (reset after) or r⊙s (reset
        /// before), [batch, steps, units] when training; reset before at inference, a scratch [batch, units].
        case extra
        /// GRU training with recurrent dropout, out [batch, steps, units]: hₜ₋₁ unmasked.
        case previous
        /// Training with input-derivative activations, out [batch, steps, gates·units].
        case preactivations
        /// Scratch [batch, units]: the running state h (and c for LSTM).
        case state, cell
        /// Scratch [batch, gates·units]: the step's recurrent product s·U.
        case product
        /// in: U [units, gates·units], and its GEMM panels when `packed`.
        case recurrentKernel, packedKernel
        /// in: the bias [2, gates·units] (its second row) when `recurrentBias`.
        case bias
        /// in [batch, steps]: 1 for real steps, 0 for padding, when `masked`.
        case stepMask
        /// in [batch, units]: the recurrent dropout mask.
        case recurrentMask
        /// With `fusedProjection`, in: the layer's input [batch, steps, inputs], W
        /// [inputs, gates·units] and its GEMM panels, and the bias (its first row is added).
        case input, inputKernel, packedInputKernel, inputBias
        /// in [3, units]: the peephole weights p_i, p_f, p_o, when `peephole`.
        case peephole
    }

    public func has(_ slot: ForwardSlot) -> Bool {
        let gru = if case .gru = cell { true } else { false }
        switch slot {
        case .output, .gates, .state, .product, .recurrentKernel: return true
        case .states: return training
        case .cell: return cell == .lstm
        case .cells: return cell == .lstm && training
        case .extra: return gru && (training || splitsProduct)
        case .previous: return gru && training && recurrentDropout
        case .preactivations: return keepsPreactivations
        case .packedKernel: return packed
        case .bias: return recurrentBias
        case .stepMask: return masked
        case .recurrentMask: return recurrentDropout
        case .input, .inputKernel, .packedInputKernel: return fusedProjection
        case .inputBias: return fusedProjection && projectionBias
        case .peephole: return peephole
        }
    }

    /// The operand index of a present slot.
    public func index(_ slot: ForwardSlot) -> Int { Self.position(of: slot, present: has) }

    /// How many present slots come before `slot`: a loop, not `allCases` (an array), since
    /// executors ask every step and a step allocates nothing.
    static func position<Slot: RawRepresentable>(of slot: Slot, present: (Slot) -> Bool) -> Int
    where Slot.RawValue == Int {
        precondition(present(slot), "\(slot) is not an operand of this recurrent instruction")
        var index = 0
        for raw in 0..<slot.rawValue where present(Slot(rawValue: raw)!) { index += 1 }
        return index
    }

    /// Operands of `Kernel.recurrentBackward`, in this order.
    public enum BackwardSlot: Int, CaseIterable, Sendable {
        /// out [batch, steps, gates·units]: ∂loss/∂(x·W + b) per step (zero on padding).
        case gatesGradient
        /// GRU reset_after, out [batch, steps, gates·units]: ∂loss/∂(s·U + b_r).
        case productGradient
        /// in: ∂loss/∂output.
        case outputGradient
        /// in: what the forward kept (see `ForwardSlot`).
        case gates, states, cells, extra, previous, preactivations
        /// Scratch [batch, units]: ∂h carried to the previous step, ∂c (LSTM), ∂s from the
        /// step's product, and ∂(r⊙s) (GRU reset before).
        case stateGradient, cellGradient, sGradient, resetGradient
        /// in: Uᵀ [gates·units, units] and its GEMM panels.
        case transposedKernel, packedTransposedKernel
        case stepMask, recurrentMask
        /// in [3, units]: the peephole weights, when `peephole`.
        case peephole
    }

    public func has(_ slot: BackwardSlot) -> Bool {
        switch slot {
        case .gatesGradient, .outputGradient, .gates, .states, .stateGradient, .sGradient, .transposedKernel,
            .packedTransposedKernel:
            return true
        case .productGradient: return separateRecurrentGradient
        case .cells: return has(ForwardSlot.cells)
        case .cellGradient: return cell == .lstm
        case .extra: return has(ForwardSlot.extra)
        case .previous: return has(ForwardSlot.previous)
        case .preactivations: return keepsPreactivations
        case .resetGradient: return splitsProduct
        case .stepMask: return masked
        case .recurrentMask: return recurrentDropout
        case .peephole: return peephole
        }
    }

    public func index(_ slot: BackwardSlot) -> Int { Self.position(of: slot, present: has) }

    /// Floats of U in GEMM panels (one block per product of the step), or of Uᵀ.
    public func packedFloats(transposed: Bool) -> Int {
        (0..<products).reduce(0) { total, k in total + packedFloats(product: k, transposed: transposed) }
    }

    /// Floats of product k's panel block (blocks follow each other).
    public func packedFloats(product k: Int, transposed: Bool) -> Int {
        let columns = productColumns(k).count
        return transposed
            ? PackedWeights.floats(inputs: columns, units: units) : PackedWeights.floats(inputs: units, units: columns)
    }

    /// What `nnc plan` prints.
    public var description: String {
        var parts = ["\(steps) \(steps.noun("step"))", "\(units) \(units.noun("unit"))"]
        if reverse { parts.append("reversed") }
        if returnSequences { parts.append("sequences") }
        if masked { parts.append("masked") }
        if recurrentDropout { parts.append("recurrent dropout") }
        if peephole { parts.append("peepholes") }
        if fusedProjection { parts.append("input projection per step") }
        return "\(cell.name) (" + parts.joined(separator: ", ") + ")"
    }
}
