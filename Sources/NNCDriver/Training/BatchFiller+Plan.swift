import NNCData
import NNCPlan
import NNCRuntime

extension BatchFiller {
    /// Writes the batch at `positions` of `order` into `executor`'s input and target buffers
    /// (targets when the plan has them: data without labels cannot fill them), as their types ask. Every
    /// write goes through the filler's checked fills, given each buffer's real size and the
    /// plan's batch, so data that does not fit the plan is refused, never written past a buffer.
    /// Rows after a short batch are zeroed when `zeroPad` (evaluation: they are not counted).
    func fill(
        _ executor: Executor, order: [Int32], positions: Range<Int>, epoch: Int, augment: Bool,
        zeroPad: Bool = false
    ) throws(DataError) {
        let plan = executor.plan
        let rows = plan.options.batch
        let input = plan.input
        if plan[input].type == .int32 {
            let buffer = UnsafeMutableBufferPointer(start: executor.int32Pointer(input), count: plan[input].elements)
            try fillInputs(buffer, rows: rows, order: order, positions: positions)
            if zeroPad { Self.zero(buffer, after: positions.count, of: rows) }
        } else {
            let buffer = UnsafeMutableBufferPointer(start: executor.pointer(input), count: plan[input].elements)
            try fillInputs(buffer, rows: rows, order: order, positions: positions, epoch: epoch, augment: augment)
            if zeroPad { Self.zero(buffer, after: positions.count, of: rows) }
        }
        guard let target = plan.target else { return }
        if plan[target].type == .int32 {
            let buffer = UnsafeMutableBufferPointer(start: executor.int32Pointer(target), count: plan[target].elements)
            try fillTargets(buffer, rows: rows, order: order, positions: positions)
            if zeroPad { Self.zero(buffer, after: positions.count, of: rows) }
        } else {
            let buffer = UnsafeMutableBufferPointer(start: executor.pointer(target), count: plan[target].elements)
            try fillTargets(buffer, rows: rows, order: order, positions: positions)
            if zeroPad { Self.zero(buffer, after: positions.count, of: rows) }
        }
    }

    /// Zeroes the rows of `buffer` (of `rows` equal rows) from row `filled` on.
    private static func zero<T: Numeric>(_ buffer: UnsafeMutableBufferPointer<T>, after filled: Int, of rows: Int) {
        guard rows > 0, let base = buffer.baseAddress else { return }
        let width = buffer.count / rows
        (base + filled * width).update(repeating: 0, count: (rows - filled) * width)
    }
}
