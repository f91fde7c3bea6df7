/// Invariants of a plan, checked in tests on every plan: problems as text, empty when sound.
extension ExecutionPlan {
    public func verify() -> [String] {
        var problems = layout.verify()
        var written = Set<BufferID>()
        for b in buffers where b.role.isPersistent || b.role == .input || b.role == .target { written.insert(b.id) }
        for (step, instruction) in instructions.enumerated() {
            for operand in instruction.operands where operand.access != .write {
                let r = root(operand.buffer)
                if !written.contains(r) {
                    problems.append(
                        "step \(step) (\(instruction.kernel.name)) reads \(self[operand.buffer].name) before anything writes it"
                    )
                }
            }
            for operand in instruction.operands where operand.access != .read {
                written.insert(root(operand.buffer))
                if self[operand.buffer].role == .parameter, instruction.phase != .update {
                    problems.append(
                        "step \(step) (\(instruction.kernel.name)) writes parameter \(self[operand.buffer].name) outside an update"
                    )
                }
            }
        }
        // A parameter's update step (decay, update, constraint) comes after every other use of it in the step.
        for p in parameters {
            let uses = instructions.indices.filter { instructions[$0].operands.contains { $0.buffer == p.buffer } }
            if let update = uses.first(where: { instructions[$0].phase == .update }),
                let later = uses.last(where: { instructions[$0].phase != .update }), later > update
            {
                problems.append("\(p.layer).\(p.name) is read at step \(later) after its update at step \(update)")
            }
        }
        // Every transient buffer in use has a place in the arena.
        for instruction in instructions {
            for operand in instruction.operands {
                let r = root(operand.buffer)
                if !self[r].role.isPersistent && layout.offsets[r] == nil {
                    problems.append("\(self[r].name) has no arena offset")
                }
                if self[r].role.isPersistent && persistentOffsets[r] == nil {
                    problems.append("\(self[r].name) has no persistent offset")
                }
            }
        }
        return problems
    }
}
