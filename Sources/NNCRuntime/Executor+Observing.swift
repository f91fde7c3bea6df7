import NNCPlan

/// A training step one instruction at a time, so a caller can look at every buffer at the
/// moment it is right: a layer's output just after the instruction that writes it (the arena
/// reuses its memory later), a parameter's gradient just before the update that consumes it.
/// `nnc doctor` reads activations and gradients this way; a normal step never does.
extension Executor {
    /// `runForward`, calling `after` with each instruction just executed.
    public func runForward(after: (Instruction) -> Void) {
        let end = lossInstruction.map { $0 + 1 } ?? plan.instructions.count
        let offset = plan.prepare.count
        for i in 0..<end {
            execute(plan.instructions[i], operandStart[offset + i], learningRate: 0)
            after(plan.instructions[i])
        }
    }

    /// `runBackward`, calling `before` with each instruction about to execute.
    public func runBackward(learningRate: Float, before: (Instruction) -> Void) {
        let start = lossInstruction.map { $0 + 1 } ?? plan.instructions.count
        let offset = plan.prepare.count
        for i in start..<plan.instructions.count {
            before(plan.instructions[i])
            execute(plan.instructions[i], operandStart[offset + i], learningRate: learningRate)
        }
        if plan.options.mode == .training { steps += 1 }
    }
}

extension Executor {
    /// `runBackward`, calling `before` with the index (in `plan.instructions`) of each
    /// instruction about to execute: a data-parallel step starts and waits for its gradient
    /// all-reduces there.
    public func runBackward(learningRate: Float, beforeIndex before: (Int) -> Void) {
        let start = lossInstruction.map { $0 + 1 } ?? plan.instructions.count
        let offset = plan.prepare.count
        for i in start..<plan.instructions.count {
            before(i)
            execute(plan.instructions[i], operandStart[offset + i], learningRate: learningRate)
        }
        if plan.options.mode == .training { steps += 1 }
    }
}
