import NNCPlan

/// Reading and writing the persistent segment by name: what checkpoints, saved weights,
/// early stopping's best weights and transfer learning move in and out of a plan.
extension Executor {
    /// Persistent buffers that hold state of the model (not derived copies such as packed
    /// or folded weights), in plan order.
    public func stateBuffers(_ roles: Set<BufferRole>) -> [PlanBuffer] {
        plan.buffers.filter { roles.contains($0.role) && $0.viewOf == nil && $0.type == .float32 }
    }

    /// The current values of `buffers` as named tensors.
    public func tensors(_ buffers: [PlanBuffer], prefix: String = "") -> [SafeTensors.Tensor] {
        buffers.map { SafeTensors.Tensor(name: prefix + $0.name, shape: $0.shape, values: read($0.id)) }
    }

    /// A difference between tensors offered and the plan's buffers of the same names.
    public enum Mismatch: Sendable, Equatable, CustomStringConvertible {
        case missing(String)
        case shape(String, expected: [Int], found: [Int])

        /// The tensor's name.
        public var name: String {
            switch self {
            case .missing(let name), .shape(let name, _, _): name
            }
        }

        public var description: String {
            switch self {
            case .missing(let name): "'\(name)' is not in the file"
            case .shape(let name, let expected, let found):
                "'\(name)' is \(found) in the file but \(expected) in the model"
            }
        }
    }

    /// Copies `tensors[prefix + name]` into each of `buffers`; returns every buffer that is
    /// missing or has another shape, and changes nothing unless there are none.
    @discardableResult
    public func load(_ buffers: [PlanBuffer], from file: SafeTensors, prefix: String = "") -> [Mismatch] {
        var byName: [String: SafeTensors.Tensor] = [:]
        for t in file.tensors { byName[t.name] = t }
        var mismatches: [Mismatch] = []
        for b in buffers {
            guard let t = byName[prefix + b.name] else {
                mismatches.append(.missing(prefix + b.name))
                continue
            }
            if t.shape != b.shape { mismatches.append(.shape(prefix + b.name, expected: b.shape, found: t.shape)) }
        }
        guard mismatches.isEmpty else { return mismatches }
        for b in buffers { write(b.id, byName[prefix + b.name]!.values) }
        return []
    }

    /// Copies the current values of `buffers` into `snapshot` (allocated on first use).
    public func copy(_ buffers: [PlanBuffer], into snapshot: inout [[Float]]) {
        if snapshot.count != buffers.count { snapshot = buffers.map { [Float](repeating: 0, count: $0.elements) } }
        for (i, b) in buffers.enumerated() {
            snapshot[i].withUnsafeMutableBufferPointer {
                $0.baseAddress!.update(from: pointer(b.id), count: b.elements)
            }
        }
    }

    /// Writes a snapshot `copy(_:into:)` took back into `buffers`.
    public func restore(_ buffers: [PlanBuffer], from snapshot: [[Float]]) {
        for (i, b) in buffers.enumerated() { write(b.id, snapshot[i]) }
    }
}
