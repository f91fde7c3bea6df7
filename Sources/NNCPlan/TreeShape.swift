/// A Tree-LSTM over a batch of trees (`Kernel.treeLSTM`): each sample is `nodes` rows of
/// `1 + children` numbers, a token id and the slots of the node's children (−1: none).
///
/// **Which nodes count.** `parse` reads a sample defensively, so any numbers (a benchmark's
/// random input, a corrupt file that got past the reader) make a valid forest and never an
/// out-of-bounds access: slot 0 is the root when its token is an id in 0..<vocabulary; a
/// child slot counts when it is a whole number after its parent's slot and below `nodes`,
/// holds such a token, and no earlier parent claimed it. Every other slot is absent: it
/// computes nothing and its state is zero. The data reader refuses what this skips.
///
/// **Order.** Children lie after their parents, so a node's height (leaves 0) is known
/// walking the slots backwards; the fast kernel runs every node of one height across the
/// batch together (one product per height, as TensorFlow Fold and DGL batch by level).
///
/// **Memory** (floats per node slot, batch × nodes slots): the tape kept for backward holds
/// the embedded token (E), the gates i, f₁…f_K, u, o ((3 + K)·U), c and h (U each); the
/// scratch holds the level's gathered states and products and, in backward, dh, dc and
/// the pre-activation gradients. Both are plan buffers the memory planner places.
public struct TreeShape: Sendable, Equatable {
    public var batch, nodes, children, vocabulary, features, units: Int
    public var childSum: Bool
    public var bias: Bool

    public init(
        batch: Int, nodes: Int, children: Int, vocabulary: Int, features: Int, units: Int, childSum: Bool, bias: Bool
    ) {
        (self.batch, self.nodes, self.children, self.vocabulary) = (batch, nodes, children, vocabulary)
        (self.features, self.units, self.childSum, self.bias) = (features, units, childSum, bias)
    }

    /// Node slots of the batch.
    public var slots: Int { batch * nodes }
    /// Columns of the input product x·W + b: i, f, u, o.
    public var inputGates: Int { 4 * units }
    /// Gate values kept per node: i, f₁…f_K, u, o.
    public var gateWidth: Int { (3 + children) * units }
    /// Rows and columns of the recurrent kernel: Child-Sum [U, 4U], N-ary [K·U, (3 + K)·U].
    public var recurrentRows: Int { childSum ? units : children * units }
    public var recurrentColumns: Int { childSum ? 4 * units : gateWidth }

    // MARK: Tape (forward's results that backward reads), in floats

    public var tapeX: Int { 0 }
    public var tapeGates: Int { slots * features }
    public var tapeC: Int { tapeGates + slots * gateWidth }
    public var tapeH: Int { tapeC + slots * units }
    public var tapeFloats: Int { tapeH + slots * units }

    // MARK: Structure scratch (int32): children, tokens, heights, the nodes in height order, level bounds

    public var structureChildren: Int { 0 }
    public var structureTokens: Int { slots * children }
    public var structureHeight: Int { structureTokens + slots }
    public var structureOrder: Int { structureHeight + slots }
    public var structureLevels: Int { structureOrder + slots }
    /// Level h's nodes are order[levels[h] ..< levels[h + 1]]; a tree has at most `nodes` levels.
    /// Then, per row of the level being run, its first edge (Child-Sum's edge rows).
    public var structureEdgeStart: Int { structureLevels + nodes + 1 }
    public var structureInts: Int { structureEdgeStart + slots + 1 }

    // MARK: Matrix scratch (floats), each region `slots` rows wide enough for one level

    /// Rows of the gathered children's states: Child-Sum's summed state (U), N-ary's joined
    /// states (K·U).
    public var scratchGathered: Int { 0 }
    /// Child-Sum: one row per edge, the child's state (U); N-ary: unused.
    public var scratchEdges: Int { scratchGathered + slots * recurrentRows }
    /// The level's recurrent products (Child-Sum 4U, N-ary (3 + K)U per row).
    public var scratchProducts: Int { scratchEdges + (childSum ? slots * units : 0) }
    /// Child-Sum: each edge's forget-gate product (U).
    public var scratchEdgeProducts: Int { scratchProducts + slots * recurrentColumns }
    /// The input products x·W + b of every slot (forward), their gradients (backward).
    public var scratchInput: Int { scratchEdgeProducts + (childSum ? slots * units : 0) }
    /// Backward: dh and dc of every slot, and dx.
    public var scratchDH: Int { scratchInput + slots * inputGates }
    public var scratchDC: Int { scratchDH + slots * units }
    public var scratchDX: Int { scratchDC + slots * units }
    public var forwardScratchFloats: Int { scratchDH }
    public var backwardScratchFloats: Int { scratchDX + slots * features }

    /// Multiply-adds of a batch of trees filling every slot (N − 1 edges each): the input
    /// product of every slot, the recurrent product of every node (leaves skip it, so this
    /// bounds it) and Child-Sum's per-edge forget products. Backward runs twice as many.
    public var multiplyAdds: Int {
        let edges = batch * max(nodes - 1, 0)
        return slots * (features * inputGates + recurrentRows * recurrentColumns)
            + (childSum ? edges * units * units : 0)
    }

    /// Reads sample `b` of `input` (rows of 1 + children numbers) into `childOut`
    /// ([nodes][children] slots, −1 none) and returns the tokens (−1 absent) through
    /// `tokenOut` ([nodes]). See the type's doc for which slots count.
    public func parse<T: BinaryFloatingPoint>(
        _ input: UnsafePointer<T>, sample b: Int, tokens tokenOut: UnsafeMutablePointer<Int32>,
        children childOut: UnsafeMutablePointer<Int32>
    ) {
        let width = 1 + children
        let rows = input + b * nodes * width
        func wholeNumber(_ v: T, below limit: Int) -> Int? {
            guard v.isFinite, v >= 0, v < T(limit), v.rounded(.towardZero) == v else { return nil }
            return Int(v)
        }
        for j in 0..<nodes { tokenOut[j] = -1 }
        for j in 0..<(nodes * children) { childOut[j] = -1 }
        guard nodes > 0, let root = wholeNumber(rows[0], below: vocabulary) else { return }
        tokenOut[0] = Int32(root)
        for j in 0..<nodes where tokenOut[j] >= 0 {
            for k in 0..<children {
                guard let c = wholeNumber(rows[j * width + 1 + k], below: nodes), c > j, tokenOut[c] < 0,
                    let token = wholeNumber(rows[c * width], below: vocabulary)
                else { continue }
                tokenOut[c] = Int32(token)
                childOut[j * children + k] = Int32(c)
            }
        }
    }
}
