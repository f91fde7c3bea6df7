import Foundation
import NNCPlan

/// `nnc plan`: what will execute and where every byte lives.
public enum PlanReport {
    /// `timing: false` leaves out the planning time, so the text is reproducible (golden files).
    public static func text(_ plan: ExecutionPlan, mapWidth: Int = 64, timing: Bool = true) -> String {
        let mode =
            plan.options.mode == .training
            ? "training step (forward, loss, backward\(plan.options.updates ? ", updates" : ""))"
            : "inference (forward only)"
        var out = "plan '\(plan.model)': \(mode), batch \(plan.options.batch)\n"
        let lifetimes = Dictionary(uniqueKeysWithValues: plan.layout.buffers.map { ($0.id, $0) })

        func describe(_ id: BufferID) -> String {
            let b = plan[id]
            let root = plan.root(id)
            var where_ = ""
            if b.role.isPersistent {
                where_ = "persistent"
            } else if root != id {
                where_ = "view of \(plan[root].name)"
            }
            return "\(b.name) \(b.shapeText)" + (where_.isEmpty ? "" : " (\(where_))")
        }
        func listing(_ instructions: [Instruction], first: Int) -> String {
            var text = ""
            let indexWidth = String(first + instructions.count).count
            for (i, instruction) in instructions.enumerated() {
                let index = String(first + i).leftPadded(indexWidth)
                text +=
                    "  \(index)  \(instruction.phase.rawValue.padded(8)) \(instruction.kernel.name)  [\(instruction.layer)]\n"
                for operand in instruction.operands {
                    text +=
                        "  \(String(repeating: " ", count: indexWidth))      \(operand.access.rawValue.padded(5)) \(describe(operand.buffer))\n"
                }
            }
            return text
        }
        if !plan.prepare.isEmpty {
            out += "\nOnce, after the weights are set (\(plan.prepare.count)):\n" + listing(plan.prepare, first: 0)
        }
        out +=
            "\nEach step (\(plan.instructions.count) \(plan.instructions.count.noun("instruction"))):\n"
            + listing(plan.instructions, first: 0)

        // Transient buffers by offset, with their lifetime drawn over the steps.
        let steps = max(1, plan.instructions.count)
        let scale = max(1, (steps + mapWidth - 1) / mapWidth)
        let columns = (steps + scale - 1) / scale
        let placed = plan.layout.buffers.sorted {
            (plan.layout.offsets[$0.id] ?? 0, $0.id) < (plan.layout.offsets[$1.id] ?? 0, $1.id)
        }
        let nameWidth = min(34, placed.map { plan[$0.id].name.count }.max() ?? 4)
        out +=
            "\nArena (\(placed.count) \(placed.count.noun("buffer")); one column per \(scale == 1 ? "step" : "\(scale) steps"), # live):\n"
        out += "  \("offset".leftPadded(12))  \("bytes".leftPadded(12))  \("buffer".padded(nameWidth))  steps\n"
        for b in placed {
            let life = lifetimes[b.id]!
            var row = ""
            for column in 0..<columns {
                let lo = column * scale
                let hi = lo + scale - 1
                row += lo <= life.last && life.first <= hi ? "#" : "."
            }
            let name = String(plan[b.id].name.prefix(nameWidth))
            out +=
                "  \((plan.layout.offsets[b.id] ?? 0).grouped.leftPadded(12))  \(b.bytes.grouped.leftPadded(12))  \(name.padded(nameWidth))  \(row)  \(life.first)–\(life.last)\n"
        }
        let views = plan.buffers.filter { $0.viewOf != nil }
        if !views.isEmpty {
            out +=
                "  views (no bytes of their own): "
                + views.map { "\($0.name) → \(plan[$0.viewOf!].name)" }.joined(separator: ", ") + "\n"
        }

        var segments: [BufferRole: Int] = [:]
        for b in plan.buffers where b.role.isPersistent && b.viewOf == nil {
            segments[b.role, default: 0] += ArenaLayout.align(b.bytes)
        }
        out += "\nMemory:\n"
        let rows: [(String, Int, String)] = [
            (
                "arena", plan.arenaBytes,
                "\(plan.layout.planner) planner"
                    + (timing ? ", \(String(format: "%.2f", plan.planningSeconds * 1000)) ms" : "")
            ),
            (
                "lower bound", plan.layout.lowerBoundBytes,
                "most bytes live at once, at step \(plan.layout.peakStep)"
                    + (plan.instructions.indices.contains(plan.layout.peakStep)
                        ? " (\(plan.instructions[plan.layout.peakStep].layer))" : "")
            ),
            ("naive sum", plan.layout.naiveBytes, "every transient buffer in its own bytes"),
            (
                "persistent", plan.persistentBytes,
                [BufferRole.parameter, .statistic, .optimizerState, .folded].compactMap { role in
                    segments[role].map { "\(role.label) \(SummaryTable.bytes($0))" }
                }.joined(separator: ", ")
            ),
            ("total", plan.totalBytes, "arena + persistent (plus GEMM workspace per thread at run time)"),
        ]
        for (label, bytes, note) in rows {
            out +=
                "  \(label.padded(12)) \(bytes.grouped.leftPadded(13)) B  \(SummaryTable.bytes(bytes).leftPadded(11))  \(note)\n"
        }
        let ratio = plan.layout.lowerBoundBytes > 0 ? Double(plan.arenaBytes) / Double(plan.layout.lowerBoundBytes) : 1
        out +=
            "  arena / lower bound = \(String(format: "%.3f", ratio)); naive / arena = \(String(format: "%.2f", Double(plan.layout.naiveBytes) / Double(max(1, plan.arenaBytes))))\n"
        return out
    }

    public static func json(_ plan: ExecutionPlan) -> [String: Any] {
        let lifetimes = Dictionary(uniqueKeysWithValues: plan.layout.buffers.map { ($0.id, $0) })
        func instruction(_ index: Int, _ i: Instruction) -> [String: Any] {
            [
                "index": index, "phase": i.phase.rawValue, "layer": i.layer, "kernel": i.kernel.name,
                "operands": i.operands.map {
                    ["buffer": $0.buffer.rawValue, "name": plan[$0.buffer].name, "access": $0.access.rawValue]
                },
            ]
        }
        return [
            "model": plan.model,
            "mode": plan.options.mode.rawValue,
            "batch": plan.options.batch,
            "arena_bytes": plan.arenaBytes,
            "persistent_bytes": plan.persistentBytes,
            "naive_bytes": plan.layout.naiveBytes,
            "lower_bound_bytes": plan.layout.lowerBoundBytes,
            "peak_step": plan.layout.peakStep,
            "planner": plan.layout.planner,
            "planning_ms": plan.planningSeconds * 1000,
            "prepare": plan.prepare.enumerated().map { instruction($0.offset, $0.element) },
            "instructions": plan.instructions.enumerated().map { instruction($0.offset, $0.element) },
            "buffers": plan.buffers.map { b -> [String: Any] in
                var entry: [String: Any] = [
                    "id": b.id.rawValue, "name": b.name, "shape": b.shape, "type": b.type.rawValue,
                    "role": b.role.rawValue, "bytes": b.bytes,
                ]
                if let view = b.viewOf { entry["view_of"] = view.rawValue }
                if let offset = plan.persistentOffsets[b.id] { entry["persistent_offset"] = offset }
                if let offset = plan.layout.offsets[b.id], let life = lifetimes[b.id] {
                    entry["offset"] = offset
                    entry["first_step"] = life.first
                    entry["last_step"] = life.last
                }
                return entry
            },
        ]
    }
}

extension BufferRole {
    var label: String {
        switch self {
        case .optimizerState: "optimizer state"
        case .statistic: "statistics"
        case .folded: "folded weights"
        case .input, .target, .activation, .saved, .gradient, .loss, .report, .parameterGradient, .scratch, .parameter:
            "\(rawValue)s"
        }
    }
}
