import NNCData
import NNCDiagnostics
import NNCDriver
import NNCGraph
import NNCPlan
import NNCSpec

/// A data file through `nnc check` (headers compared with the model) and then through what
/// `nnc train` does before its first step: the full read, the contract checks, the splits,
/// the fitted preprocessing and one batch filled into buffers of the training plan's sizes.
/// The input's first byte picks a `DataKind` (a format, which of its files is fuzzed, and a
/// model that reads it); the rest is the file.
final class DataFuzzer: @unchecked Sendable {
    static let shared = DataFuzzer()

    /// A kind made ready: its spec checked, its training plan compiled once.
    struct Prepared {
        var kind: DataKind
        var spec: ModelSpec
        var graph: Graph
        var plan: ExecutionPlan
    }

    let kinds: [Prepared]

    init() {
        kinds = DataKind.all.enumerated().map { index, kind in
            let folder = "data\(index)"
            for (name, bytes) in kind.companions { FuzzWorkspace.write(bytes, to: folder + "/" + name) }
            let file = SourceFile(path: FuzzWorkspace.root + "/" + folder + "/model.yaml", text: kind.spec)
            let checked = Driver.check(file)
            guard !checked.hasErrors, let spec = checked.spec, let graph = checked.graph,
                let plan = try? ExecutionPlan.compile(graph, options: LoweringOptions(mode: .training, batch: 2))
            else {
                fatalError(
                    "data kind '\(kind.name)' does not check: \(DiagnosticRenderer().render(checked.diagnostics))")
            }
            return Prepared(kind: kind, spec: spec, graph: graph, plan: plan)
        }
    }

    func run(_ bytes: [UInt8]) -> Bool {
        guard let selector = bytes.first else { return false }
        let index = Int(selector) % kinds.count
        let prepared = kinds[index]
        FuzzWorkspace.write(bytes.dropFirst(), to: "data\(index)/" + prepared.kind.fuzzed)
        let checked = DataCheck.diagnostics(prepared.spec, graph: prepared.graph)
        do {
            let data = try DataLoading.load(prepared.spec, graph: prepared.graph, seed: 1)
            try fillOneBatch(data, plan: prepared.plan)
            FuzzTarget.trace("\(prepared.kind.name): read and filled a batch; check: \(FuzzTarget.describe(checked))")
            return checked.isEmpty
        } catch {
            FuzzTarget.trace(
                "\(prepared.kind.name): check: \(FuzzTarget.describe(checked)) load: \(FuzzTarget.describe(error))")
            return false
        }
    }

    /// What the trainer's batch filler writes for the first batch, into buffers of the plan's sizes.
    func fillOneBatch(_ data: TrainingData, plan: ExecutionPlan) throws(DataError) {
        let filler = try BatchFiller(data.train, augmentation: data.augmentation, seed: 1)
        let rows = plan.options.batch
        let order = (0..<Int32(data.train.count)).map { $0 }
        let positions = 0..<min(rows, order.count)
        let input = plan[plan.input]
        switch input.type {
        case .float32:
            var buffer = [Float](repeating: 0, count: input.elements)
            try buffer.withUnsafeMutableBufferPointer { (out) throws(DataError) in
                try filler.fillInputs(out, rows: rows, order: order, positions: positions, epoch: 0, augment: true)
            }
        case .int32:
            var buffer = [Int32](repeating: 0, count: input.elements)
            try buffer.withUnsafeMutableBufferPointer { (out) throws(DataError) in
                try filler.fillInputs(out, rows: rows, order: order, positions: positions)
            }
        }
        guard let target = plan.target.map({ plan[$0] }) else { return }
        switch target.type {
        case .float32:
            var buffer = [Float](repeating: 0, count: target.elements)
            try buffer.withUnsafeMutableBufferPointer { (out) throws(DataError) in
                try filler.fillTargets(out, rows: rows, order: order, positions: positions)
            }
        case .int32:
            var buffer = [Int32](repeating: 0, count: target.elements)
            try buffer.withUnsafeMutableBufferPointer { (out) throws(DataError) in
                try filler.fillTargets(out, rows: rows, order: order, positions: positions)
            }
        }
    }
}
