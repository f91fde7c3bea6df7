import NNCPlan

/// Finding where a NaN or infinity first appears, for the diagnostic that stops a
/// diverging run. Only called after a step's loss came out non-finite, so it may be slow.
extension Executor {
    /// Where the first non-finite value of a forward pass came from.
    public struct NonFiniteSource: Sendable, Equatable {
        /// The layer of the first instruction whose output holds a NaN or infinity.
        public var layer: String
        /// What that instruction computes (its kernel's name).
        public var instruction: String
        /// Its parameters that are already non-finite (then the cause is an earlier update).
        public var nonFiniteParameters: [String]
        /// The largest magnitude among its finite inputs, to tell overflow from bad data.
        public var largestInput: Float
    }

    /// True when every value of a float buffer is finite.
    public func isFinite(_ id: BufferID) -> Bool {
        let p = pointer(id)
        for i in 0..<plan[id].elements where !p[i].isFinite { return false }
        return true
    }

    /// Parameters (and statistics) holding a NaN or infinity.
    public func nonFiniteParameters() -> [String] {
        plan.parameters.filter { !isFinite($0.buffer) }.map { "\($0.layer).\($0.name)" }
    }

    /// Runs the forward pass again one instruction at a time (the input must still hold the
    /// batch) and reports the first instruction that writes a non-finite value; nil when the
    /// forward pass comes out finite.
    public func traceNonFinite() -> NonFiniteSource? {
        let end = lossInstruction.map { $0 + 1 } ?? plan.instructions.count
        let offset = plan.prepare.count
        let bad = Set(nonFiniteParameters())
        for i in 0..<end {
            let instruction = plan.instructions[i]
            execute(instruction, operandStart[offset + i], learningRate: 0)
            let outputs = instruction.writes.filter { plan[$0].type == .float32 }
            guard outputs.contains(where: { !isFinite($0) }) else { continue }
            var largest: Float = 0
            for id in instruction.reads where plan[id].type == .float32 && !outputs.contains(id) {
                let p = pointer(id)
                for k in 0..<plan[id].elements where p[k].isFinite { largest = max(largest, abs(p[k])) }
            }
            let own = plan.parameters.filter { $0.layer == instruction.layer && bad.contains("\($0.layer).\($0.name)") }
            return NonFiniteSource(
                layer: instruction.layer, instruction: instruction.kernel.name,
                nonFiniteParameters: own.map { "\($0.layer).\($0.name)" }, largestInput: largest)
        }
        return nil
    }
}
