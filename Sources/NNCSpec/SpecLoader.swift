import Foundation
import NNCDiagnostics

/// Entry point of the spec stage: text in either spelling → `ModelSpec` plus diagnostics.
public enum SpecLoader {
    public enum Spelling: Sendable { case yaml, dsl }

    /// The spelling a path implies: `.nn` is the DSL, everything else YAML.
    public static func spelling(forPath path: String) -> Spelling {
        path.hasSuffix(".nn") ? .dsl : .yaml
    }

    /// Parses and decodes `file`. Returns nil only when nothing could be parsed at all.
    public static func load(_ file: SourceFile, spelling: Spelling? = nil) -> (ModelSpec?, Diagnostics) {
        var diagnostics = Diagnostics()
        let node: SpecNode?
        switch spelling ?? self.spelling(forPath: file.path) {
        case .yaml: node = YAMLReader.read(file, into: &diagnostics)
        case .dsl: node = DSLReader.read(file, into: &diagnostics)
        }
        guard let node else { return (nil, diagnostics) }
        let defaultName = ((file.path as NSString).lastPathComponent as NSString).deletingPathExtension
        let (spec, more) = decodeModel(node, file: file, defaultName: defaultName)
        diagnostics.append(contentsOf: more)
        return (spec, diagnostics)
    }

    /// Decodes a model tree (from YAML, the DSL or the MLP shorthand).
    public static func decodeModel(_ root: SpecNode, file: SourceFile?, defaultName: String) -> (
        ModelSpec?, Diagnostics
    ) {
        var decoder = SpecDecoder()
        guard let pairs = root.pairs else {
            decoder.diagnostics.error(
                .wrongType,
                "a model file must be a mapping with at least 'input' and 'layers'; got \(root.kindDescription)",
                at: root.location, help: "start with `input: [28, 28, 1]` and `layers:`")
            return (nil, decoder.diagnostics)
        }
        // Everything but layers and blocks goes through the generic record decoder. Top-level
        // keys starting with `x-` only hold YAML anchors for reuse (`x-relu: &relu {…}`).
        var generic = pairs.filter { $0.key != "layers" && $0.key != "blocks" && !$0.key.hasPrefix("x-") }
        var symbols: [SizeSymbol] = []
        if let index = generic.firstIndex(where: { $0.key == "input" }) {
            (generic[index].value, symbols) = SizeSymbol.extract(from: generic[index].value)
        }
        let sections = decoder.record(SpecNode(.mapping(generic), at: root.location), Registry.modelSection)
        var expander = LayerExpander(decoder: decoder)
        if let blocks = root["blocks"] { expander.readBlocks(blocks) }
        let layersPair = pairs.first { $0.key == "layers" }
        if let layersPair {
            if layersPair.value.items?.isEmpty == true || layersPair.value.isNull {
                expander.decoder.diagnostics.error(
                    .noLayers, "a model needs at least one layer", at: layersPair.value.location,
                    help: "add a layer under `layers:`, e.g. `- dense: 10`")
            }
            let items = layersPair.value.isNull ? [] : expander.decodeList(layersPair.value, blockStack: [])
            if !expander.limitReported, !expander.exceedsLimit(items) {
                var scope = LayerExpander.Scope(
                    prefix: "", inputName: ModelSpec.inputName, localNames: LayerExpander.localNames(items))
                expander.instantiate(items, scope: &scope, previous: ModelSpec.inputName)
                expander.resolveInstanceReferences()
            }
        } else {
            expander.decoder.diagnostics.error(
                .missingKey, "a model needs 'layers'", at: root.location,
                help: "add `layers:` with at least one layer, e.g. `- dense: 10`")
        }
        var diagnostics = expander.decoder.diagnostics
        for block in expander.unusedBlocks {
            diagnostics.warning(
                .unusedBlock, "every block should be used; no `block:` item uses '\(block.name)'", at: block.location,
                help: "use it with `- block: \(block.name)`, or delete it")
        }
        diagnostics.deduplicate()
        let spec = ModelSpec(
            file: file,
            name: sections.string("model") ?? defaultName,
            input: sections.ints("input"),
            inputLocation: sections.valueLocation("input") ?? root.location,
            output: sections.string("output").map { LocatedName($0, at: sections.valueLocation("output")!) },
            layers: expander.layers,
            sections: sections,
            layersLocation: layersPair?.keyLocation ?? root.location,
            isTruncated: expander.limitReported)
        var withRanges = spec
        if withRanges.input != nil { withRanges.symbols = symbols }
        // A block's layers are decoded once per use; an anchored marker once per alias.
        for range in expander.decoder.searchRanges
        where !withRanges.searchRanges.contains(where: { $0.location == range.location }) {
            withRanges.searchRanges.append(range)
        }
        withRanges.searchRanges.sort { $0.location < $1.location }
        return (withRanges, diagnostics)
    }
}
