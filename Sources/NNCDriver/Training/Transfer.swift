import Foundation
import NNCGraph
import NNCPlan
import NNCRuntime
import NNCSpec

/// Transfer learning: `transfer: {weights: FILE, layers: [names]}` initializes layers from
/// another model's saved weights (a `weights.safetensors` that `nnc train` wrote, or any
/// safetensors file with tensors named `layer.parameter` in Keras layouts), matched by layer
/// name. Combined with `trainable: false` on those layers they stay fixed while the rest
/// trains. Every problem is reported at its place in the spec: a listed layer the model
/// lacks, a layer the file has no tensors for, a tensor of another shape.
enum Transfer {
    static func apply(_ spec: ModelSpec, to trainer: Trainer) throws(TrainingFailure) -> [String] {
        guard let transfer = trainer.graph.training.transfer else { return [] }
        let path = transfer.weights
        let base = spec.file.map { ($0.path as NSString).deletingLastPathComponent } ?? ""
        let full = path.hasPrefix("/") || base.isEmpty ? path : base + "/" + path
        let at = transfer.weightsLocation
        let file = try WeightsFile.read(
            full, role: "transfer weights", shown: path, at: at,
            notes: ["paths are relative to the model file: looked for \(full)"])
        let buffers = trainer.weightBuffers
        func own(_ layer: String) -> [PlanBuffer] {
            let parameters = trainer.executor.plan.parameters.filter { $0.layer == layer }.map(\.buffer)
            return buffers.filter { parameters.contains($0.id) }
        }
        let nodes = Dictionary(trainer.graph.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var requested = transfer.layers ?? []
        if requested.isEmpty {
            // Every layer with parameters whose tensors the file has.
            requested = trainer.graph.nodes.filter { node in
                !own(node.name).isEmpty && own(node.name).contains { file[$0.name] != nil }
            }
            .map { TransferSettings.Layer(name: $0.name, location: at) }
        }
        var errors: [Diagnostic] = []
        var loaded: [String] = []
        var count = 0
        for name in requested {
            guard let node = nodes[name.name] else {
                errors.append(
                    .error(
                        .unknownLayerName, "transfer names layers of this model; '\(name.name)' is not one",
                        at: name.location,
                        help: Suggestions.closest(to: name.name, in: Array(nodes.keys)).map { "did you mean '\($0)'?" })
                )
                continue
            }
            let targets = own(node.name)
            if targets.isEmpty || !targets.contains(where: { file[$0.name] != nil }) {
                errors.append(
                    .error(
                        .checkpointMismatch,
                        "a transferred layer needs its tensors in the weights file; '\(path)' has none for '\(node.name)'",
                        at: name.location, labels: [DiagnosticLabel(node.location, "'\(node.name)' is defined here")],
                        notes: [
                            "the file holds: " + file.tensors.prefix(8).map(\.name).joined(separator: ", ")
                                + (file.tensors.count > 8 ? ", …" : "")
                        ]))
                continue
            }
            if let damaged = WeightsFile.nonFinite(
                file, path: path, among: Set(targets.map(\.name)), at: name.location,
                help: "transfer from the weights of a run that trained without diverging")
            {
                errors.append(damaged)
                continue
            }
            let mismatches = trainer.executor.load(targets, from: file)
            if mismatches.isEmpty {
                loaded.append(node.name)
                count += targets.reduce(0) { $0 + $1.elements }
            } else {
                errors.append(
                    .error(
                        .checkpointMismatch,
                        "transferred weights must have the layer's shapes; \(mismatches.map(\.description).joined(separator: "; "))",
                        at: node.location, label: "'\(node.name)' declared here",
                        labels: name.location == at
                            ? [] : [DiagnosticLabel(name.location, "transferred from '\(path)'")]))
            }
        }
        guard errors.isEmpty else { throw TrainingFailure(errors) }
        trainer.executor.prepare()
        let frozen = loaded.filter { nodes[$0]?.trainable == false }
        var notes = [
            "initialized \(loaded.count) layer\(loaded.count == 1 ? "" : "s") (\(count.counted("parameter"))) from \(path): \(loaded.joined(separator: ", "))"
        ]
        if !frozen.isEmpty { notes.append("frozen (trainable: false): \(frozen.joined(separator: ", "))") }
        return notes
    }
}
