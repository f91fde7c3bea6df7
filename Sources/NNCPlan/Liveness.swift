/// Lifetimes of the transient buffers: from the first instruction that touches a buffer
/// (or any view of it) to the last. The model input and targets are live from step 0
/// (the caller writes them before the step); the buffers in `liveToEnd` (output, loss,
/// input and targets) stay live to the last step.
enum Liveness {
    static func lifetimes(_ buffers: [PlanBuffer], _ instructions: [Instruction], liveToEnd: [BufferID])
        -> [BufferLifetime]
    {
        var first = [Int](repeating: .max, count: buffers.count)
        var last = [Int](repeating: -1, count: buffers.count)
        func root(_ id: BufferID) -> Int { (buffers[id.rawValue].viewOf ?? id).rawValue }
        for (step, instruction) in instructions.enumerated() {
            for operand in instruction.operands {
                let r = root(operand.buffer)
                first[r] = min(first[r], step)
                last[r] = max(last[r], step)
            }
        }
        let end = max(0, instructions.count - 1)
        for id in liveToEnd { last[root(id)] = end }
        var result: [BufferLifetime] = []
        for b in buffers where !b.role.isPersistent && b.viewOf == nil {
            let i = b.id.rawValue
            if b.role == .input || b.role == .target { first[i] = 0 }
            guard first[i] != .max else { continue }
            result.append(BufferLifetime(id: b.id, bytes: b.bytes, first: first[i], last: max(last[i], first[i])))
        }
        return result
    }
}

/// Runs elementwise instructions in place: when an instruction's input dies at it (no
/// later reader, forward or backward) and its output starts there, the output becomes a
/// view of the input's bytes. Chains (activation → dropout, backward through them)
/// collapse into one buffer.
enum InPlacePass {
    static func run(_ buffers: inout [PlanBuffer], _ instructions: [Instruction], keep: [BufferID]) {
        func root(_ id: BufferID) -> BufferID { buffers[id.rawValue].viewOf ?? id }
        var first = [Int](repeating: .max, count: buffers.count)
        var last = [Int](repeating: -1, count: buffers.count)
        for (step, instruction) in instructions.enumerated() {
            for operand in instruction.operands {
                let r = root(operand.buffer).rawValue
                first[r] = min(first[r], step)
                last[r] = max(last[r], step)
            }
        }
        let pinned = Set(keep.map(root))
        var views: [BufferID: [Int]] = [:]
        for b in buffers { if let owner = b.viewOf { views[owner, default: []].append(b.id.rawValue) } }
        for (step, instruction) in instructions.enumerated() where instruction.kernel.canRunInPlace {
            let y = instruction.operands[0].buffer
            let x = instruction.operands[1].buffer
            let ry = root(y)
            let rx = root(x)
            guard ry != rx, ry == y, !pinned.contains(rx), !pinned.contains(ry),
                !buffers[rx.rawValue].role.isPersistent, buffers[rx.rawValue].role != .input,
                buffers[rx.rawValue].role != .target,
                last[rx.rawValue] == step, first[ry.rawValue] == step,
                buffers[rx.rawValue].bytes == buffers[ry.rawValue].bytes,
                buffers[rx.rawValue].type == buffers[ry.rawValue].type
            else { continue }
            // y (and every view of y) now shares x's bytes.
            let moved = views.removeValue(forKey: ry) ?? []
            for i in moved { buffers[i].viewOf = rx }
            buffers[ry.rawValue].viewOf = rx
            views[rx, default: []] += moved + [ry.rawValue]
            last[rx.rawValue] = last[ry.rawValue]
        }
    }
}
